// Spawning the bench's TypeScript child processes and reading the JSON line they print.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const REPO = join(import.meta.dirname, "..");

/** A running child that printed its first JSON line. */
export interface Child<T> {
  value: T;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node --import tsx bench/<script> ...args` and resolves with the first JSON line it prints on stdout. */
export function startChild<T>(script: string, args: string[], nodeArgs: string[] = []): Promise<Child<T>> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", join(REPO, "bench", script), ...args],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      child.stdout?.off("data", onData);
      try {
        resolve({
          value: JSON.parse(out.slice(0, nl)) as T,
          process: child,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
      } catch (e) {
        reject(new Error(`${script} printed ${out.slice(0, 200)}: ${String(e)}`));
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

/** Runs a child to completion and returns the JSON line it printed. */
export async function runChild<T>(script: string, args: string[], nodeArgs: string[] = []): Promise<T> {
  const c = await startChild<T>(script, args, nodeArgs);
  await new Promise<void>((resolve) => {
    if (c.process.exitCode !== null) resolve();
    else c.process.once("exit", () => resolve());
  });
  return c.value;
}
