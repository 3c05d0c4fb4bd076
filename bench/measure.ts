// Measuring helpers: wrk runs parsed into numbers, process RSS and CPU from /proc, and tools installed on demand.
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  ok200: number;
  ok304: number;
  other: number;
  errors: string;
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (m === null) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

/** Runs wrk with bench/nodes.lua against `url` for `seconds`; `targets` is the "path etag" file, `mode` 200 or 304. */
export async function runWrk(
  url: string,
  targets: string,
  mode: "200" | "304",
  opts: { seconds: number; connections: number; threads: number },
): Promise<WrkResult> {
  const script = join(import.meta.dirname, "nodes.lua");
  const args = [
    `-t${opts.threads}`,
    `-c${opts.connections}`,
    `-d${opts.seconds}s`,
    "--latency",
    "-s",
    script,
    url,
    "--",
    targets,
    mode,
  ];
  const { stdout } = await run("wrk", args, { maxBuffer: 1 << 20, timeout: (opts.seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const p50 = /\n\s+50%\s+(\S+)/.exec(stdout)?.[1] ?? "";
  const p99 = /\n\s+99%\s+(\S+)/.exec(stdout)?.[1] ?? "";
  const st = /STATUS 200=(\d+) 304=(\d+) other=(\d+)/.exec(stdout);
  const errors = /Socket errors:.*|Non-2xx or 3xx responses:.*/g;
  return {
    rps,
    p50ms: toMs(p50),
    p99ms: toMs(p99),
    ok200: Number(st?.[1] ?? 0),
    ok304: Number(st?.[2] ?? 0),
    other: Number(st?.[3] ?? 0),
    errors: (stdout.match(errors) ?? []).join("; "),
  };
}

/** Resident set size in MB summed over `pids` (0 for processes that are gone). */
export async function rssMb(pids: readonly number[]): Promise<number> {
  let kb = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** User + system CPU time of `pid` in ms, from /proc/PID/stat. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

async function has(cmd: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** Makes sure wrk and nginx are installed, installing Debian's packages when running as root; throws otherwise. */
export async function ensureTools(log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  if (!(await has("wrk"))) missing.push("wrk");
  if (!(await has("nginx"))) missing.push("nginx");
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `missing ${missing.join(", ")}: install them (apt-get install -y ${missing.join(" ")}) or run as root`,
    );
  log(`installing ${missing.join(", ")} with apt-get`);
  const apt = (args: string[]): Promise<number> =>
    new Promise((resolve) => {
      const child = spawn("apt-get", args, {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
      child.once("exit", (code) => resolve(code ?? 1));
    });
  if ((await apt(["install", "-y", "--no-install-recommends", ...missing])) !== 0) {
    await apt(["update"]);
    if ((await apt(["install", "-y", "--no-install-recommends", ...missing])) !== 0)
      throw new Error(`apt-get install ${missing.join(" ")} failed`);
  }
}

/** A free loopback port (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
