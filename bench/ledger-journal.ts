// What a single server's fetch ledger and agent reports cost in its state folder: N nodes (default 100,000) polling
// every 20 s, each also posting an agent report after every poll, each node's document and report changing once a
// minute (the worst the brief allows). Time is simulated (a flush per simulated second, as the server does), the
// journal, its fsyncs and its compactions are real.
// node --import tsx bench/ledger-journal.ts [nodes] [simulated seconds]
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../src/lib/logger.js";
import { AgentReports, type StoredReport } from "../src/server/fleet-view/agent-reports.js";
import { FetchLedger, type FetchRecord } from "../src/server/fleet-view/fetch-ledger.js";
import { SharedFleetView } from "../src/server/fleet-view/shared-view.js";
import { JournalStore } from "../src/store/journal-store.js";

const count = Number(process.argv[2] ?? 100_000);
const seconds = Number(process.argv[3] ?? 300);
const POLL_S = 20;
const CHANGE_S = 60;
const names = Array.from({ length: count }, (_, i) => `node-${String(i).padStart(6, "0")}`);
const revision = (gen: number) => gen.toString(16).padStart(40, "0");
const etag = (gen: number, i: number) =>
  `"${(gen * 1_000_003 + i).toString(16)}-9f2c4e1ab37d0c55e8a1b2c3d4e5f60718293a4b"`;

const fetchOf = (at: number, gen: number, i: number): FetchRecord => ({
  at,
  status: gen % 2 === 0 ? 200 : 304,
  etag: etag(gen, i),
  revision: revision(gen),
  format: "json",
  client: "manifest-agent",
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  userAgent: "manifest-agent/0.1.0 (linux; x64)",
});
const reportOf = (at: number, gen: number, i: number): StoredReport => ({
  revision: revision(gen),
  etag: etag(gen, i),
  converged: true,
  pods: ["kube-proxy", "node-exporter", "log-shipper"].map((p) => ({
    name: `kube-system/${p}-${names[i]!}`,
    state: "running" as const,
  })),
  errors: [],
  receivedAt: at,
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  userAgent: "manifest-agent/0.1.0 (linux; x64)",
});

const dir = await mkdtemp(join(tmpdir(), "ms-bench-ledger-"));
const store = await JournalStore.open(dir);
const ledger = new FetchLedger();
const reports = new AgentReports();
const view = new SharedFleetView({ store, ledger, reports, logger: silentLogger(), flushMs: 3_600_000 });
await view.start();

// Node i polls at seconds i*POLL_S/count + k*POLL_S; its document changes once a minute, at a moment of the minute
// spread over the fleet independently of its polling phase.
const generation = (i: number, t: number) => Math.floor(t / CHANGE_S - ((i * 7919) % count) / count);
let worstFlushMs = 0;
let worstGapMs = 0;
let rowsFrom = 0;
let measuredFrom = { ...store.stats };
const warmup = POLL_S + CHANGE_S;
const started = performance.now();
for (let s = 0; s < seconds + warmup; s++) {
  if (s === warmup) {
    measuredFrom = { ...store.stats };
    rowsFrom = view.counters.rowsWritten;
  }
  const from = Math.floor(((s % POLL_S) * count) / POLL_S);
  const to = Math.floor((((s % POLL_S) + 1) * count) / POLL_S);
  for (let i = from; i < to; i++) {
    const at = s * 1000 + (((i * POLL_S * 1000) / count) % 1000);
    const gen = generation(i, at / 1000);
    const f = fetchOf(at, gen, i);
    ledger.record(names[i]!, f);
    view.noteFetch(names[i]!, f);
    reports.receive(names[i]!, reportOf(at + 50, gen, i));
  }
  // The longest the event loop is blocked while the flush (and any compaction) runs: the gap between 1 ms ticks.
  const t = performance.now();
  let tick = t;
  const probe = setInterval(() => {
    const now = performance.now();
    if (s >= warmup) worstGapMs = Math.max(worstGapMs, now - tick);
    tick = now;
  }, 1);
  await view.flush();
  clearInterval(probe);
  if (s >= warmup) worstGapMs = Math.max(worstGapMs, performance.now() - tick);
  worstFlushMs = Math.max(worstFlushMs, performance.now() - t);
}
const wallS = (performance.now() - started) / 1000;
const rows = (view.counters.rowsWritten - rowsFrom) / seconds;
const end = store.stats;
const per = (k: keyof typeof end) => (end[k] - measuredFrom[k]) / seconds;
await view.close();
const files = await readdir(dir);
let onDisk = 0;
for (const f of files) onDisk += (await stat(join(dir, f))).size;
await store.close();
const t0 = performance.now();
const reopened = await JournalStore.open(dir);
const reopenMs = performance.now() - t0;
const back = new FetchLedger();
const backReports = new AgentReports();
const check = new SharedFleetView({
  store: reopened,
  ledger: back,
  reports: backReports,
  logger: silentLogger(),
});
await check.start();
await check.close();
await reopened.close();
await rm(dir, { recursive: true, force: true });

const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
console.log(
  `${count} nodes polling every ${POLL_S} s and reporting after each poll, a change per node per ${CHANGE_S} s`,
);
console.log(`simulated ${seconds} s after a ${warmup} s warm-up, in ${wallS.toFixed(1)} s of wall time`);
console.log(`polls + reports: ${((2 * count) / POLL_S).toFixed(0)}/s; rows written: ${rows.toFixed(0)}/s`);
console.log(
  `journal: ${mb(per("journalBytes"))} MiB/s, ${per("transactions").toFixed(2)} fsyncs/s (transactions)`,
);
console.log(
  `compactions: ${end.compactions - measuredFrom.compactions} in ${seconds} s, snapshots ${mb(per("snapshotBytes"))} MiB/s, last snapshot ${mb(end.snapshotBytes / Math.max(1, end.compactions))} MiB avg`,
);
console.log(`state folder at the end: ${mb(onDisk)} MiB (${files.join(", ")})`);
console.log(
  `longest flush (compaction included): ${worstFlushMs.toFixed(0)} ms; event loop blocked at most ${worstGapMs.toFixed(0)} ms at a time meanwhile`,
);
console.log(
  `reopen: ${reopenMs.toFixed(0)} ms; read back ${back.size} fetches and ${backReports.size} reports`,
);
