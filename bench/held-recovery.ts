// What a replica started mid-rollout pays to get back the documents the rollout holds nodes on, against storing them
// in the database: re-render the previous revision once (CPU, wall time) vs the bytes every held document would cost.
// node --import tsx bench/held-recovery.ts [nodes]
import { gzipSync } from "node:zlib";
import { loadFleet, type CompiledFleet } from "../src/fleet/load-fleet.js";
import { reproduceFrom } from "../src/revisions/held-recovery.js";
import { nodeEtag } from "../src/server/documents/etag.js";
import { DEFAULT_SHAPE, fleetFiles } from "./fleet-gen.js";

const nodes = Number(process.argv[2] ?? 100_000);
const filesOf = (tree: Map<string, string>) =>
  [...tree].map(([path, text]) => {
    const content = Buffer.from(text, "utf8");
    return { path, size: content.length, content };
  });
function load(tree: Map<string, string>, revision: string, previous?: CompiledFleet): CompiledFleet {
  const r = loadFleet(filesOf(tree), { revision, previous });
  if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 3)));
  return r.fleet;
}

const before = fleetFiles({ ...DEFAULT_SHAPE, nodes });
const r1 = load(before, "r1");
const after = new Map(before);
// A change to every node: every one of them is held on its r1 document until its wave.
after.set(
  "common/node-exporter.yaml",
  (after.get("common/node-exporter.yaml") ?? "").replace("v1.8.2", "v1.8.3"),
);
const r2 = load(after, "r2", r1);
const wanted = new Map([...r1.nodes.values()].map((n) => [n.name, nodeEtag(n)]));

// Each a row of its own: compressed one by one, as PostgreSQL compresses a large value.
let raw = 0;
let gz = 0;
for (const n of r1.nodes.values()) {
  raw += n.json.length;
  gz += gzipSync(n.json).length;
}
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

const reproduce = reproduceFrom({
  read: () => Promise.resolve({ revision: "r1", files: filesOf(before), meta: {} }),
  current: () => r2,
  etagOf: nodeEtag,
});
const t = performance.now();
const cpu = process.cpuUsage();
const got = await reproduce("r1", wanted);
const used = process.cpuUsage(cpu);
console.log(
  `${nodes} held nodes: re-rendering their revision took ${((performance.now() - t) / 1000).toFixed(1)} s wall, ` +
    `${((used.user + used.system) / 1e6).toFixed(1)} s CPU; ${got.docs.length} documents reproduced, ${got.failed.size} not`,
);
console.log(
  `storing them instead: ${mib(raw)} of JSON (${Math.round(raw / nodes)} bytes a node), ${mib(gz)} gzipped one by one, written for every rollout`,
);
