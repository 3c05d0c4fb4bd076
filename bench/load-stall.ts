// The longest event-loop stall while one large YAML pod file loads: read inline versus in a reader thread.
// Usage: npx tsx bench/load-stall.ts [--mib 9.9] [--runs 3]   (each measurement in a fresh child process)
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadFleetInSlices } from "../src/fleet/load-fleet.js";
import type { FleetFile } from "../src/fleet/fleet-files.js";
import type { FileReader } from "../src/fleet/load/read-file.js";
import { ReadPool } from "../src/fleet/load/read-pool.js";
import { runChild } from "./children.js";

const { values: opts } = parseArgs({
  options: {
    mib: { type: "string", default: "9.9" },
    runs: { type: "string", default: "3" },
    mode: { type: "string" },
  },
});

/** One pod whose container has as many environment variables as fit in `bytes` of YAML. */
export function bigPodYaml(bytes: number): string {
  const head =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  namespace: kube-system\nspec:\n  containers:\n" +
    "  - name: c\n    image: busybox:1.36\n    env:\n";
  const parts = [head];
  let size = head.length;
  for (let i = 0; ; i++) {
    const entry = `    - name: VAR_${i}\n      value: "value-${i}"\n`;
    if (size + entry.length > bytes) break;
    parts.push(entry);
    size += entry.length;
  }
  return parts.join("");
}

function file(path: string, text: string): FleetFile {
  const content = Buffer.from(text, "utf8");
  return { path, size: content.length, content };
}

interface Figures {
  mode: string;
  bytes: number;
  maxStallMs: number;
  p99StallMs: number;
  loadMs: number;
  ok: boolean;
  firstIssue: string | undefined;
}

/** One load of the fleet, with the loop's delay recorded throughout. */
async function measure(mode: "inline" | "threads"): Promise<Figures> {
  const bytes = Math.round(Number(opts.mib) * 1024 * 1024);
  const files = [file("fleet.yaml", "nodes:\n  n1: {}\n"), file("common/big.yaml", bigPodYaml(bytes))];
  const pool = new ReadPool();
  const inline: FileReader = { read: () => Promise.resolve(undefined) };
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // The histogram measures from one of its timer's turns to the next: let it turn before the load starts.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  const result = await loadFleetInSlices(files, {
    revision: "bench",
    reader: mode === "inline" ? inline : pool,
  });
  const loadMs = performance.now() - started;
  // A stall at the very end is recorded at the timer's next turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
  histogram.disable();
  await pool.close();
  return {
    mode,
    bytes: files[1]!.size,
    maxStallMs: Math.round(histogram.max / 1e6),
    p99StallMs: Math.round(histogram.percentile(99) / 1e6),
    loadMs: Math.round(loadMs),
    ok: result.ok,
    firstIssue: (result.ok ? result.fleet.warnings : result.issues)[0]?.message.slice(0, 80),
  };
}

if (opts.mode === "inline" || opts.mode === "threads") {
  console.log(JSON.stringify(await measure(opts.mode)));
} else {
  for (let run = 1; run <= Number(opts.runs); run++)
    for (const mode of ["inline", "threads"])
      console.log(
        JSON.stringify(await runChild<Figures>("load-stall.ts", ["--mode", mode, "--mib", String(opts.mib)])),
      );
}
