// The longest event-loop stall while one large YAML pod file loads: read inline versus in a reader thread.
// Usage: npx tsx bench/load-stall.ts [--mib 9.9] [--runs 3]   (each measurement in a fresh child process)
// Shapes: "dense" is one container with as many environment variables as fit (its served JSON passes 10 MiB, so the
// revision is rejected once read); "padded" is 20,000 variables each followed by a long comment (valid, published).
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
    shape: { type: "string", default: "dense" },
  },
});

/** One pod of `bytes` of YAML: environment variables, each followed by a comment of `comment` bytes. */
export function bigPodYaml(bytes: number, comment = 0): string {
  const head =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  namespace: kube-system\nspec:\n  containers:\n" +
    "  - name: c\n    image: busybox:1.36\n    env:\n";
  const padding = comment > 0 ? `    # ${"p".repeat(comment)}\n` : "";
  const parts = [head];
  let size = head.length;
  for (let i = 0; ; i++) {
    const entry = `    - name: VAR_${i}\n      value: "value-${i}"\n${padding}`;
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
  shape: string;
  bytes: number;
  maxStallMs: number;
  p99StallMs: number;
  loadMs: number;
  ok: boolean;
  firstIssue: string | undefined;
}

/** One load of the fleet, with the loop's delay recorded throughout. */
async function measure(mode: "inline" | "threads", shape: string): Promise<Figures> {
  const bytes = Math.round(Number(opts.mib) * 1024 * 1024);
  const text = bigPodYaml(bytes, shape === "padded" ? 470 : 0);
  const files = [file("fleet.yaml", "nodes:\n  n1: {}\n"), file("common/big.yaml", text)];
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
    shape,
    bytes: files[1]!.size,
    maxStallMs: Math.round(histogram.max / 1e6),
    p99StallMs: Math.round(histogram.percentile(99) / 1e6),
    loadMs: Math.round(loadMs),
    ok: result.ok,
    firstIssue: (result.ok ? result.fleet.warnings : result.issues)[0]?.message.slice(0, 80),
  };
}

if (opts.mode === "inline" || opts.mode === "threads") {
  console.log(JSON.stringify(await measure(opts.mode, opts.shape)));
} else {
  for (let run = 1; run <= Number(opts.runs); run++)
    for (const shape of ["dense", "padded"])
      for (const mode of ["inline", "threads"]) {
        const args = ["--mode", mode, "--shape", shape, "--mib", String(opts.mib)];
        console.log(JSON.stringify(await runChild<Figures>("load-stall.ts", args)));
      }
}
