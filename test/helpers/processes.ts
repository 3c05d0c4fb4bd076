// Test helpers: the real manifest-server and manifest-agent binaries as child processes, killed and restarted by tests.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { REPO_ROOT } from "./fleet.js";

const TSX = import.meta.resolve("tsx");

export interface Child {
  child: ChildProcessByStdio<null, null, Readable>;
  /** Everything written to stderr so far (JSON log lines). */
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>;
  /** Resolves when stderr matches `pattern` (with the match), rejects when the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  kill(signal: NodeJS.Signals): void;
}

/** Which build a child runs: the sources through tsx, or the compiled `dist/` that `npm run build` ships. */
export type Build = "src" | "dist";

/** manifest-agent's arguments for node cp-1 of `serverUrl` into a static-dir runtime under `root` (pods/, state/). */
export function staticDirAgentArgs(serverUrl: string, root: string): string[] {
  return [
    ...["--url", `${serverUrl}/nodes/cp-1`, "--node", "cp-1", "--runtime", "static-dir"],
    ...["--static-dir", join(root, "pods"), "--state-dir", join(root, "state")],
  ];
}

/**
 * `base` with the server's cache folder (where `serve` keeps rollout state by default) set to `dir`, so a test's
 * server never writes to the home folder, nor shares a state folder with another test serving the same fleet.
 */
export function withCacheDir(dir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, MANIFEST_SERVER_CACHE_DIR: dir };
}

/** Spawns `src/cli/<entry>.ts` (or `dist/cli/<entry>.js`) with `args`. */
export function spawnCli(
  entry: "manifest-server" | "manifest-agent",
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO_ROOT,
  build: Build = "src",
): Child {
  const program =
    build === "src"
      ? ["--import", TSX, join(REPO_ROOT, "src/cli", `${entry}.ts`)]
      : [join(REPO_ROOT, "dist/cli", `${entry}.js`)];
  const child = spawn(process.execPath, [...program, ...args], {
    cwd,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let text = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] =
    [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(text);
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stderr.on("data", (c: Buffer) => {
    text += c.toString("utf8");
    check();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`${entry} exited (${code ?? signal}) before ${w.pattern}: ${text}`));
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    stderr: () => text,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
        if (child.exitCode !== null || child.signalCode !== null)
          reject(new Error(`${entry} already exited: ${text}`));
      }),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Starts `manifest-server serve ARGS --listen 127.0.0.1:0` and resolves with its URL once it listens. */
export async function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
  build: Build = "src",
): Promise<Child & { url: string }> {
  const c = spawnCli(
    "manifest-server",
    ["serve", "--listen", "127.0.0.1:0", "--log-level", "debug", ...args],
    env,
    cwd,
    build,
  );
  try {
    const m = await c.waitFor(/"url":"([^"]+)"/);
    return { ...c, url: m[1] ?? "" };
  } catch (e) {
    c.kill("SIGKILL");
    throw e;
  }
}
