// A logger for server suites that fails the test during which an unexpected error was logged, so a 500 a
// test did not ask for cannot pass unnoticed behind a status the test did not check.
import { after, afterEach } from "node:test";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../src/lib/logger.js";

export interface ErrorLog {
  /** Drops everything below `error`; records errors and fatals. */
  logger: Logger;
  /** Marks errors whose message (or `err.message`) matches `pattern` as expected, for the current test only. */
  expect(pattern: RegExp): void;
}

interface Entry {
  msg?: unknown;
  err?: { message?: unknown };
}

function describeEntry(entry: Entry): string {
  const err = typeof entry.err?.message === "string" ? `: ${entry.err.message}` : "";
  return `${String(entry.msg)}${err}`;
}

/**
 * Call once at the top level of a test file. Registers an afterEach hook (every test, nested ones included)
 * that throws when an error was logged through `logger` that no `expect()` of that test matches, and an after
 * hook that does the same for errors logged after the last test (while closing).
 */
export function useErrorLog(): ErrorLog {
  let logged: Entry[] = [];
  let expected: RegExp[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line !== "") logged.push(JSON.parse(line) as Entry);
      }
      callback();
    },
  });
  const check = (): void => {
    const unexpected = logged.filter((e) => !expected.some((p) => p.test(describeEntry(e))));
    logged = [];
    expected = [];
    if (unexpected.length > 0) {
      throw new Error(`unexpected error logged: ${unexpected.map(describeEntry).join("; ")}`);
    }
  };
  afterEach(check);
  after(check);
  return {
    logger: pino({ level: "error", base: undefined }, stream),
    expect: (pattern) => {
      expected.push(pattern);
    },
  };
}
