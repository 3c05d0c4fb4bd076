// Memory of a rollout at fleet scale: the server's heap and buffers serving one revision, then two live revisions (a
// rollout holding every changing node on its previous document), for a change to one group and one to every node.
// node --expose-gc --import tsx bench/rollout-memory.ts [nodes]
import { loadFleet, type CompiledFleet } from "../src/fleet/load-fleet.js";
import { silentLogger } from "../src/lib/logger.js";
import { RolloutDriver } from "../src/revisions/rollout-driver.js";
import { RevisionStore } from "../src/revisions/revision-store.js";
import { DocumentCache } from "../src/server/documents/document-cache.js";
import { nodeEtag } from "../src/server/documents/etag.js";
import { NodeSelection } from "../src/server/documents/node-selection.js";
import { MemoryStore } from "../src/store/memory-store.js";
import { DEFAULT_SHAPE, fleetFiles } from "./fleet-gen.js";

const nodes = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");
const POLICY = `rollout:
  waves:
    - { name: "canary", nodes: ["node-00000"], soak: "1h" }
    - { name: "everyone", maxNodes: "10%" }
`;

function load(tree: Map<string, string>, revision: string, previous?: CompiledFleet): CompiledFleet {
  const files = [...tree].map(([path, text]) => {
    const content = Buffer.from(text, "utf8");
    return { path, size: content.length, content };
  });
  const r = loadFleet(files, { revision, previous });
  if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 3)));
  return r.fleet;
}

function used(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;

async function scenario(label: string, change: (tree: Map<string, string>) => void): Promise<void> {
  const tree = fleetFiles({ ...DEFAULT_SHAPE, nodes });
  if (process.env.NO_POLICY === undefined) tree.set("fleet.yaml", (tree.get("fleet.yaml") ?? "") + POLICY);
  const revisions = new RevisionStore();
  const selection = new NodeSelection();
  const driver = await RolloutDriver.open({
    revisions,
    state: new MemoryStore(),
    selection,
    etagOf: nodeEtag,
    fetches: new Map(),
    reports: new Map(),
    logger: silentLogger(),
    tickMs: 0,
  });
  // As in the server: the cache follows revisions after the driver, and does not prime the nodes it holds.
  const cache = new DocumentCache((node) => selection.get(node) !== undefined);
  revisions.onPublish((next) => cache.prime(next.fleet, Infinity));
  const base = used();
  let fleet = load(tree, "a");
  revisions.publish({ fleet, loadedAt: new Date(), meta: {} });
  await driver.idle();
  const one = used() - base;
  change(tree);
  fleet = load(tree, "b", fleet);
  revisions.publish({ fleet, loadedAt: new Date(), meta: {} });
  await driver.idle();
  const two = used() - base;
  const held = selection.size;
  console.log(
    `${label}: one revision ${mib(one)}, two live revisions ${mib(two)} (${(two / one).toFixed(2)}×), ${held} of ${nodes} nodes held on the previous document`,
  );
  await driver.close();
}

await scenario("a change to one group (5% of nodes)", (tree) => {
  const path = "groups/g-00/site-gateway.yaml";
  tree.set(path, (tree.get(path) ?? "").replace(/image: "([^"]+)"/, 'image: "$1-patched"'));
});
await scenario("a change to every node", (tree) => {
  const path = "common/node-exporter.yaml";
  tree.set(path, (tree.get(path) ?? "").replace("v1.8.2", "v1.8.3"));
});
