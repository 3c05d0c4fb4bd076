// Child process: one-file changes in a served 10,000-node fleet, timed from the snapshot being read to the new document served.
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFleet, type CompiledFleet, type LoadResult } from "../src/fleet/load-fleet.js";
import { createDirSource } from "../src/source/dir-source.js";
import { startServer } from "../src/server/start.js";
import { DEFAULT_SHAPE, nodeName, writeFleet } from "./fleet-gen.js";

interface Scenario {
  change: string;
  /** Edits the fleet folder; returns a node whose document must change. */
  edit(dir: string, round: number): Promise<string>;
}

const replaceIn = async (path: string, from: string | RegExp, to: string): Promise<void> => {
  const text = await readFile(path, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${path} changed nothing`);
  await writeFile(path, next);
};

const SCENARIOS: Scenario[] = [
  {
    change: "nodes/<node>/node-exporter.yaml",
    async edit(dir, round) {
      const node = nodeName(DEFAULT_SHAPE.overrideEvery * 3);
      await replaceIn(join(dir, "nodes", node, "node-exporter.yaml"), /cpu: "\d+m"/, `cpu: "${11 + round}m"`);
      return node;
    },
  },
  {
    change: "groups/g-07/cache.yaml",
    async edit(dir, round) {
      await replaceIn(join(dir, "groups", "g-07", "cache.yaml"), /cpu: "\d+m"/, `cpu: "${26 + round}m"`);
      return nodeName(7);
    },
  },
  {
    change: "common/log-shipper.yaml",
    async edit(dir, round) {
      await replaceIn(join(dir, "common", "log-shipper.yaml"), /cpu: "\d+m"/, `cpu: "${21 + round}m"`);
      return nodeName(1);
    },
  },
  {
    change: "fleet.yaml (one node's var)",
    async edit(dir, round) {
      const node = nodeName(42);
      await replaceIn(
        join(dir, "fleet.yaml"),
        new RegExp(`(${node}: .*ip: ")[^"]+`),
        `$110.99.0.${round + 1}`,
      );
      return node;
    },
  },
];

/** The incremental load must equal a load from scratch: same nodes, documents and warnings. */
function assertSameAsCold(change: string, fleet: CompiledFleet, cold: LoadResult): void {
  if (!cold.ok) throw new Error(`${change}: the cold load rejected what the incremental one accepted`);
  const same =
    fleet.nodes.size === cold.fleet.nodes.size &&
    [...cold.fleet.nodes].every(([name, n]) => fleet.nodes.get(name)?.json.equals(n.json) === true) &&
    JSON.stringify(fleet.warnings) === JSON.stringify(cold.fleet.warnings) &&
    JSON.stringify(fleet.stats) === JSON.stringify(cold.fleet.stats);
  if (!same) throw new Error(`${change}: the incremental load differs from a load from scratch`);
}

async function etagOf(url: string): Promise<string> {
  const res = await fetch(url, { method: "HEAD" });
  await res.arrayBuffer();
  return res.headers.get("etag") ?? "";
}

async function main(): Promise<void> {
  const nodes = Number(process.argv[2] ?? "10000");
  const dir = await mkdtemp(join(tmpdir(), "ms-bench-reload-"));
  const source = createDirSource(dir, { events: false, pollMs: 0 });
  try {
    await writeFleet(dir, { ...DEFAULT_SHAPE, nodes });
    const running = await startServer({ source, listen: "127.0.0.1:0" });
    try {
      const scenarios = [];
      for (const s of SCENARIOS) {
        // The incremental path: the loader gets the served revision as `previous`.
        const node = await s.edit(dir, 0);
        const url = `${running.url}/nodes/${node}`;
        const old = await etagOf(url);
        const t0 = performance.now();
        const snapshot = await source.snapshot();
        const t1 = performance.now();
        const result = loadFleet(snapshot.files, {
          revision: snapshot.revision,
          previous: running.store.current?.fleet,
        });
        if (!result.ok) throw new Error(`${s.change}: rejected ${JSON.stringify(result.issues.slice(0, 2))}`);
        running.store.publish({ fleet: result.fleet, loadedAt: new Date(), meta: snapshot.meta });
        const t2 = performance.now();
        if ((await etagOf(url)) === old) throw new Error(`${s.change}: ${node} was not updated`);
        const t3 = performance.now();
        assertSameAsCold(s.change, result.fleet, loadFleet(snapshot.files, { revision: snapshot.revision }));
        // The server's own follower, as it is wired (whatever it passes to the loader).
        await s.edit(dir, 1);
        const f0 = performance.now();
        const outcome = await running.follower.refresh();
        if (outcome.kind !== "published") throw new Error(`${s.change}: follower ${JSON.stringify(outcome)}`);
        await etagOf(url);
        const f1 = performance.now();
        let changed = 0;
        const now = running.store.current?.fleet;
        for (const [name, n] of now?.nodes ?? [])
          if (!(result.fleet.nodes.get(name)?.json.equals(n.json) ?? false)) changed++;
        scenarios.push({
          change: s.change,
          nodesChanged: changed,
          fetchMs: t1 - t0,
          loadMs: t2 - t1,
          servedMs: t3 - t1,
          followerMs: f1 - f0,
        });
      }
      process.stdout.write(JSON.stringify({ scenarios }) + "\n");
    } finally {
      await running.close(100);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main().catch(async (e: unknown) => {
  await appendFile("/dev/stderr", `${String(e)}\n`);
  process.exit(1);
});
