#!/usr/bin/env node
// Entry point of the manifest-server binary: the only place that exits the process.
import { processIo } from "./io.js";
import { runServerCli } from "./server-cli.js";

process.exitCode = await runServerCli(process.argv.slice(2), processIo());
