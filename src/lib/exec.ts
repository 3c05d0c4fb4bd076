// Runs external programs (git, podman) with argument arrays, never a shell string.
import { execFile } from "node:child_process";
import { ExecError } from "./errors.js";
import { clampDelay } from "./timers.js";

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  maxBuffer?: number;
}

export type Exec = (cmd: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** Runs `cmd args...`; resolves with stdout as a Buffer, rejects with an ExecError carrying stderr and the exit code. */
export const execCommand: Exec = (cmd, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      [...args],
      {
        cwd: options.cwd,
        env: options.env,
        encoding: "buffer",
        // 0 is no limit; above 2^31−1 ms Node would kill the child after 1 ms.
        timeout: clampDelay(options.timeoutMs ?? 0),
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const err = stderr.toString("utf8");
        if (error) {
          const code = typeof error.code === "number" ? error.code : null;
          reject(new ExecError([cmd, ...args], code, err || error.message, error));
          return;
        }
        resolve({ stdout, stderr: err });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
