// Child process: generates a fleet, reads it back and loads it once; prints timings and peak RSS as one JSON line.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFleet } from "../src/fleet/load-fleet.js";
import { readFleetDir } from "../src/source/dir-source.js";
import { DEFAULT_SHAPE, writeFleet } from "./fleet-gen.js";

/** Peak and current resident set size of this process, in MB. */
export function memoryMb(): { rss: number; peak: number } {
  const rss = process.memoryUsage().rss / 2 ** 20;
  return { rss, peak: process.resourceUsage().maxRSS / 1024 };
}

async function main(): Promise<void> {
  const nodes = Number(process.argv[2] ?? "10000");
  const dir = await mkdtemp(join(tmpdir(), "ms-bench-load-"));
  try {
    await writeFleet(dir, { ...DEFAULT_SHAPE, nodes });
    const before = memoryMb();
    const t0 = performance.now();
    const files = await readFleetDir(dir);
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = loadFleet(files, { revision: "bench" });
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (!result.ok) throw new Error(`fleet rejected: ${JSON.stringify(result.issues.slice(0, 3))}`);
    const after = memoryMb();
    let bytes = 0;
    for (const n of result.fleet.nodes.values()) bytes += n.json.length;
    process.stdout.write(
      JSON.stringify({
        nodes: result.fleet.stats.nodes,
        pods: result.fleet.stats.pods,
        files: files.length,
        readMs: t1 - t0,
        loadMs: t2 - t1,
        loadCpuMs: (cpu.user + cpu.system) / 1000,
        rssBeforeMb: before.rss,
        rssMb: after.rss,
        peakRssMb: after.peak,
        jsonBytes: bytes,
      }) + "\n",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
