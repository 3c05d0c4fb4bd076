// What reading a small pod file costs inline versus a round trip to a warm reader thread (best of 20 each), to
// choose the size from which ReadPool sends files to a thread.  Usage: npx tsx bench/read-threshold.ts
import { readFile } from "../src/fleet/load/read-file.js";
import { ReadPool } from "../src/fleet/load/read-pool.js";

function podYaml(bytes: number): string {
  let s =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: b\n    env:\n";
  for (let i = 0; s.length < bytes - 60; i++) s += `    - name: VAR_${i}\n      value: "value-${i}"\n`;
  return s;
}

const pool = new ReadPool({ inlineBelow: 0 });
for (const kib of [1, 4, 16, 32, 64]) {
  const file = {
    path: "common/p.yaml",
    layer: { kind: "common" as const },
    content: Buffer.from(podYaml(kib * 1024)),
  };
  const request = { stage: "read" as const, file, minors: [35], strict: false, aliases: undefined };
  await pool.read(request);
  let inline = Infinity;
  let thread = Infinity;
  for (let i = 0; i < 20; i++) {
    let t = performance.now();
    const steps = readFile(file, [35], false);
    while (steps.next().done !== true);
    inline = Math.min(inline, performance.now() - t);
    t = performance.now();
    await pool.read(request);
    thread = Math.min(thread, performance.now() - t);
  }
  console.log(`${kib} KiB: inline ${inline.toFixed(1)} ms, thread round trip ${thread.toFixed(1)} ms`);
}
await pool.close();
