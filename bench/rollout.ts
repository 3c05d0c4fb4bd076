// Rollout figures at fleet scale: planner steps and state-store writes for a rollout of N nodes (default 100,000),
// and the longest the event loop was blocked in each (what a node request waits at most). Between steps, as in a
// server, every switched node fetches its new document and 1/20 of the others poll (a kubelet polls every 20 s and
// the driver steps every second); each step is told which nodes fetched. The first step knows nothing and judges all.
// The start and the steps run in slices as the server runs them (RolloutController), giving the event loop a turn
// every 10 ms; so do the store's encoding of a commit and of a compaction.
// node --import tsx bench/rollout.ts [nodes]
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FetchSeen } from "../src/rollout/observations.js";
import { changedSince } from "../src/rollout/participants.js";
import { startInSlices } from "../src/rollout/start.js";
import { servedDoc, type Doc } from "../src/rollout/state.js";
import { stepInSlices } from "../src/rollout/step.js";
import { runInSlices } from "../src/lib/slices.js";
import { JournalStore } from "../src/store/journal-store.js";

const count = Number(process.argv[2] ?? 100_000);
const names = Array.from({ length: count }, (_, i) => `node-${String(i).padStart(6, "0")}`);
const docs = (rev: string): Map<string, Doc> =>
  new Map(names.map((n) => [n, { revision: rev, etag: `"${rev}-${n}"` }]));
const from = docs("a".repeat(40));
const to = docs("b".repeat(40));
const fetches = new Map<string, FetchSeen>(names.map((n) => [n, { at: 0, ...from.get(n)! }]));
const obs = { fetches, reports: new Map(), probes: new Map() };
// The longest gap between two turns of a 1 ms timer: how long the event loop was blocked at most.
let last = performance.now();
let longest = 0;
const ticker = setInterval(() => {
  const t = performance.now();
  longest = Math.max(longest, t - last);
  last = t;
}, 1);
const time = async <T>(label: string, fn: () => T | Promise<T>): Promise<T> => {
  await new Promise((r) => setTimeout(r, 5));
  longest = 0;
  last = performance.now();
  const t = performance.now();
  const out = await fn();
  const ms = performance.now() - t;
  longest = Math.max(longest, performance.now() - last);
  console.log(`${label}: ${ms.toFixed(1)} ms (event loop blocked ${longest.toFixed(1)} ms at most)`);
  return out;
};

const rollout = {
  policy: {
    waves: [
      { name: "canary", soakMs: 0, maxNodes: undefined },
      { name: "early", soakMs: 0, maxNodes: { percent: 10 } },
      { name: "rest", soakMs: 0, maxNodes: { percent: 25 } },
    ],
    health: { probe: undefined, deadlineMs: 600_000, maxFailures: { percent: 1 } },
    onFailure: "rollback" as const,
  },
  waveOf: new Map(names.map((n, i) => [n, i === 0 ? 0 : i < count / 10 ? 1 : 2])),
  probeOf: new Map<string, string>(),
};
const started = await time(`start a rollout of ${count} nodes`, () =>
  runInSlices(startInSlices({ id: "1", now: 1, rollout, from: "a", to: "b", target: to, served: from, obs })),
);
let state = started.state!;
const dir = await mkdtemp(join(tmpdir(), "rollout-bench-"));
const store = await JournalStore.open(dir);
let version = (
  await time("store: first commit (every node)", () => store.commitRollout(0, state, started.events))
).version;
let steps = 0;
let now = 1;
let changed: Set<string> | undefined;
while (state.phase === "progressing") {
  now += 1000;
  const before = state;
  const step = await time(`step ${++steps} (wave ${state.wave}, ${changed?.size ?? "all"} nodes seen)`, () =>
    runInSlices(stepInSlices(before, { now, obs, changed })),
  );
  state = step.state;
  version = (
    await time(`  store: commit of step ${steps}`, () => store.commitRollout(version, state, step.events))
  ).version;
  changed = new Set<string>();
  for (const n of changedSince(before.nodes, state.nodes) ?? []) changed.add(n);
  for (let i = steps % 20; i < count; i += 20) changed.add(names[i]!);
  for (const n of changed) fetches.set(n, { at: now, ...servedDoc(state, n, to.get(n))! });
}
const files = await readdir(dir);
const bytes = (await Promise.all(files.map((f) => stat(join(dir, f)).then((st) => st.size)))).reduce(
  (a, b) => a + b,
  0,
);
console.log(`phase ${state.phase} after ${steps} steps; state folder ${(bytes / 1e6).toFixed(1)} MB`);
await store.close();
const reopened = await time("store: reopen (replay)", () => JournalStore.open(dir));
await reopened.close();
console.log(`rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
clearInterval(ticker);
await rm(dir, { recursive: true, force: true });
