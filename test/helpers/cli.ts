// Runs a CLI entry in-process with captured output.
import { Writable } from "node:stream";
import type { CliIo } from "../../src/cli/io.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream keeping what is written to it; `waitFor` resolves once the text so far includes `text`. */
export class Capture extends Writable {
  text = "";
  private waiters: { text: string; resolve: () => void }[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    for (const w of this.waiters.filter((w) => this.text.includes(w.text))) w.resolve();
    this.waiters = this.waiters.filter((w) => !this.text.includes(w.text));
    cb();
  }
  waitFor(text: string): Promise<void> {
    if (this.text.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ text, resolve }));
  }
}

/** In-process CLI streams for a test that watches the output while the command runs. */
export function captureIo(): { io: CliIo; stdout: Capture; stderr: Capture } {
  const stdout = new Capture();
  const stderr = new Capture();
  return { io: { stdout, stderr, env: {}, cwd: process.cwd() }, stdout, stderr };
}

export async function runCli(
  run: (argv: readonly string[], io: CliIo) => Promise<number>,
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(argv, { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? process.cwd() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
