#!/usr/bin/env node
// Entry point of the manifest-agent binary: the only place that exits the process.
import { EXIT_INTERRUPTED, runAgentCli } from "./agent-cli.js";
import { processIo } from "./io.js";

const code = await runAgentCli(process.argv.slice(2), processIo(), process);
// After a second signal the step in progress (a podman command, a file write) is abandoned, not awaited.
if (code === EXIT_INTERRUPTED) process.exit(code);
process.exitCode = code;
