// The benchmark: the server against nginx on the same rendered bytes, fleet-load figures, reload latency, agent idle cost.
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadFleet } from "../src/fleet/load-fleet.js";
import { readFleetDir } from "../src/source/dir-source.js";
import { REPO, runChild, startChild } from "./children.js";
import { DEFAULT_SHAPE, writeFleet } from "./fleet-gen.js";
import { ensureTools, freePort, rssMb, runWrk, type WrkResult } from "./measure.js";
import { startNginx } from "./nginx.js";
import { nodeEtag } from "../src/server/documents/etag.js";

const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    nodes: { type: "string", default: "10000" },
    big: { type: "string", default: "100000" },
    skip: { type: "string", multiple: true, default: [] },
  },
});
const seconds = Number(opts.seconds);
const connections = Number(opts.connections);
const nodes = Number(opts.nodes);
const skip = new Set(opts.skip.flatMap((s) => s.split(",")));
const log = (line: string): void => console.error(`[bench] ${line}`);

interface HttpRow {
  target: string;
  r200: WrkResult;
  r304: WrkResult;
  rss: number;
}
interface LoadFigures {
  nodes: number;
  pods: number;
  loadMs: number;
  readMs: number;
  peakRssMb: number;
  rssMb: number;
}
interface ReloadFigures {
  scenarios: Array<{
    change: string;
    nodesChanged: number;
    fetchMs: number;
    loadMs: number;
    servedMs: number;
    followerMs: number;
  }>;
}
interface AgentFigures {
  rssMb: number;
  cpuMsPerPoll: number;
  polls: number;
  note?: string;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const pad = (s: string, w: number): string => (s.length >= w ? s : s + " ".repeat(w - s.length));
const lpad = (s: string, w: number): string => (s.length >= w ? s : " ".repeat(w - s.length) + s);

async function httpBench(work: string): Promise<HttpRow[]> {
  const fleetDir = join(work, "fleet");
  const www = join(work, "www");
  await mkdir(join(www, "nodes"), { recursive: true });
  await mkdir(join(work, "nginx", "tmp"), { recursive: true });
  const files = await readFleetDir(fleetDir);
  const loaded = loadFleet(files, { revision: "bench" });
  if (!loaded.ok) throw new Error("generated fleet was rejected");
  const names = [...loaded.fleet.nodes.keys()];
  for (const n of loaded.fleet.nodes.values()) await writeFile(join(www, "nodes", n.name), n.json);

  const nginxPort = await freePort();
  const rows: HttpRow[] = [];
  const measure = async (
    target: string,
    url: string,
    etagOf: (name: string) => Promise<string>,
    pids: () => Promise<number[]>,
  ): Promise<void> => {
    const sample = names[Math.floor(names.length / 3)] ?? "";
    const res = await fetch(`${url}/nodes/${sample}`);
    const body = Buffer.from(await res.arrayBuffer());
    const expected = loaded.fleet.nodes.get(sample)?.json;
    if (expected === undefined || !body.equals(expected))
      throw new Error(`${target} serves other bytes for ${sample}`);
    if (res.headers.get("etag") !== (await etagOf(sample)))
      throw new Error(`${target}: unexpected ETag format`);
    const lines: string[] = [];
    for (const name of names) lines.push(`/nodes/${name} ${await etagOf(name)}`);
    const targets = join(work, `${target.replace(/\W+/g, "-")}.txt`);
    await writeFile(targets, lines.join("\n") + "\n");
    const wrkOpts = { seconds, connections, threads: 2 };
    await runWrk(url, targets, "200", { ...wrkOpts, seconds: Math.min(2, seconds) });
    const r200 = await runWrk(url, targets, "200", wrkOpts);
    const r304 = await runWrk(url, targets, "304", wrkOpts);
    if (r304.ok200 > 0 || r304.other > 0 || r200.other > 0)
      throw new Error(`${target}: unexpected statuses ${JSON.stringify({ r200, r304 })}`);
    rows.push({ target, r200, r304, rss: await rssMb(await pids()) });
    log(`${target}: 200 ${fmt(r200.rps)}/s, 304 ${fmt(r304.rps)}/s`);
  };

  for (const workers of [2, 1]) {
    if (skip.has(`nginx${workers}`)) continue;
    const nginx = await startNginx(join(work, "nginx"), www, nginxPort, workers);
    try {
      await measure(
        `nginx (${workers} worker${workers > 1 ? "s" : ""})`,
        nginx.url,
        async (name) => {
          const st = await stat(join(www, "nodes", name));
          return `"${Math.floor(st.mtimeMs / 1000).toString(16)}-${st.size.toString(16)}"`;
        },
        () => nginx.pids(),
      );
    } finally {
      await nginx.stop();
    }
  }
  for (const workers of [1, 2]) {
    if (skip.has(`server${workers}`)) continue;
    const server = await startChild<{ url: string; pids: number[] }>("server-child.ts", [
      fleetDir,
      String(workers),
    ]);
    try {
      await measure(
        workers === 1 ? "manifest-server (1 process)" : `manifest-server (cluster, ${workers} workers)`,
        server.value.url,
        (name) => {
          const node = loaded.fleet.nodes.get(name);
          return Promise.resolve(node === undefined ? "" : nodeEtag(node));
        },
        () => Promise.resolve(server.value.pids),
      );
    } finally {
      await server.stop();
    }
  }
  return rows;
}

function printHttp(rows: readonly HttpRow[]): void {
  const base = rows.find((r) => r.target.startsWith("nginx (2"));
  const header = [
    "target",
    "200 req/s",
    "x nginx",
    "p50 ms",
    "p99 ms",
    "304 req/s",
    "x nginx",
    "p50 ms",
    "p99 ms",
    "RSS MB",
  ];
  const widths = [38, 10, 8, 7, 7, 10, 8, 7, 7, 7];
  console.log(header.map((h, i) => (i === 0 ? pad(h, widths[i] ?? 0) : lpad(h, widths[i] ?? 0))).join(" "));
  for (const r of rows) {
    const cells = [
      r.target,
      fmt(r.r200.rps),
      base === undefined ? "" : fmt(r.r200.rps / base.r200.rps, 2),
      fmt(r.r200.p50ms, 2),
      fmt(r.r200.p99ms, 2),
      fmt(r.r304.rps),
      base === undefined ? "" : fmt(r.r304.rps / base.r304.rps, 2),
      fmt(r.r304.p50ms, 2),
      fmt(r.r304.p99ms, 2),
      fmt(r.rss),
    ];
    console.log(cells.map((c, i) => (i === 0 ? pad(c, widths[i] ?? 0) : lpad(c, widths[i] ?? 0))).join(" "));
  }
}

async function main(): Promise<void> {
  await ensureTools(log);
  const work = await mkdtemp(join(tmpdir(), "ms-bench-"));
  // nginx workers drop to an unprivileged user: they must be able to read the served files.
  await chmod(work, 0o755);
  const cleanup = (): void => void rm(work, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, ${fmt(totalmem() / 2 ** 30, 1)} GiB, node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}; ` +
        `fleet ${nodes} nodes × ${DEFAULT_SHAPE.podsPerNode} pods, ${DEFAULT_SHAPE.groups} groups; wrk -t2 -c${connections} -d${seconds}s`,
    );
    log(`generating a ${nodes}-node fleet in ${work}`);
    await writeFleet(join(work, "fleet"), { ...DEFAULT_SHAPE, nodes });

    let rows: HttpRow[] = [];
    if (!skip.has("http")) rows = await httpBench(work);

    const loads: LoadFigures[] = [];
    for (const n of [10_000, Number(opts.big)]) {
      if (skip.has(`load${n}`) || n <= 0) continue;
      log(`loading ${n} nodes in a child process`);
      loads.push(await runChild<LoadFigures>("load-child.ts", [String(n)]));
    }

    let reload: ReloadFigures | undefined;
    if (!skip.has("reload")) {
      log("measuring one-file changes in a 10,000-node fleet");
      reload = await runChild<ReloadFigures>("reload-child.ts", [String(10_000)]);
    }

    let agent: AgentFigures | undefined;
    if (!skip.has("agent")) {
      if (existsSync(join(REPO, "src", "agent", "agent.ts"))) {
        log("measuring the agent idle on a 304 loop");
        agent = await runChild<AgentFigures>("agent-idle.ts", []);
      } else
        agent = { rssMb: NaN, cpuMsPerPoll: NaN, polls: 0, note: "src/agent does not exist yet: skipped" };
    }

    console.log("");
    console.log(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} (other work on the machine skews every figure)`,
    );
    if (rows.length > 0) printHttp(rows);
    console.log("");
    console.log(
      pad("fleet load (read + loadFleet)", 38) +
        lpad("time s", 10) +
        lpad("target", 10) +
        lpad("peak RSS MB", 13) +
        lpad("target", 10),
    );
    for (const l of loads) {
      const big = l.nodes > 10_000;
      console.log(
        pad(`${l.nodes} nodes × ${l.pods / l.nodes} pods`, 38) +
          lpad(fmt((l.loadMs + l.readMs) / 1000, 2), 10) +
          lpad(big ? "< 20" : "< 2", 10) +
          lpad(fmt(l.peakRssMb), 13) +
          lpad(big ? "< 2048" : "< 400", 10),
      );
    }
    if (reload !== undefined) {
      console.log("");
      console.log(
        pad("one-file change, 10,000 nodes", 38) +
          lpad("nodes", 8) +
          lpad("fetch ms", 10) +
          lpad("load ms", 9) +
          lpad("served ms", 11) +
          lpad("follower ms", 13),
      );
      for (const s of reload.scenarios)
        console.log(
          pad(s.change, 38) +
            lpad(String(s.nodesChanged), 8) +
            lpad(fmt(s.fetchMs), 10) +
            lpad(fmt(s.loadMs), 9) +
            lpad(fmt(s.servedMs), 11) +
            lpad(fmt(s.followerMs), 13),
        );
      console.log("  served ms: from the snapshot being read to the new document fetched (target < 500)");
    }
    if (agent !== undefined) {
      console.log("");
      if (agent.polls === 0) console.log(`agent idle: ${agent.note ?? "no polls measured"}`);
      else
        console.log(
          `agent idle on a 304 loop: RSS ${fmt(agent.rssMb)} MB (target < 60), CPU ${fmt(agent.cpuMsPerPoll, 2)} ms per poll over ${agent.polls} polls (target < 2); ${agent.note ?? ""}`,
        );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
