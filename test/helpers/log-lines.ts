// Test helper: a JSON logger whose lines a test reads back (to check that a fault is logged, and how often).
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/lib/logger.js";

export interface LogLine {
  msg: string;
  level: number;
  [key: string]: unknown;
}

/** A logger at `info` and every line it wrote so far, parsed. */
export function capturedLog(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line !== "") lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return { logger: createLogger("info", stream), lines };
}
