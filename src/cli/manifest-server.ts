#!/usr/bin/env node
// Entry point of the manifest-server binary: the only place that exits the process.
import { processIo } from "./io.js";
import { runServerCli } from "./server-cli.js";

// `manifest-server render cp-1 | head` closes the pipe early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
process.exitCode = await runServerCli(process.argv.slice(2), processIo());
