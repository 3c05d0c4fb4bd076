import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ActionKind } from "../../src/rollout/actions.js";
import { maxInFlight, type Amount } from "../../src/rollout/policy.js";
import { bookMismatch } from "../../src/rollout/book.js";
import { servesNew } from "../../src/rollout/state.js";
import { Simulation } from "./simulation.js";
import { policy } from "./world.js";

const MIN = 60_000;

const amount: fc.Arbitrary<Amount | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 1, max: 3 }).map((count) => ({ count })),
  fc.integer({ min: 1, max: 100 }).map((percent) => ({ percent })),
);

/** A fleet of 2–7 nodes in 1–3 waves with random limits. */
const fleet = fc
  .record({
    size: fc.integer({ min: 2, max: 7 }),
    waves: fc.array(fc.record({ maxNodes: amount, soakMs: fc.constantFrom(0, 2 * MIN) }), {
      minLength: 1,
      maxLength: 3,
    }),
    seed: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
    deadlineMs: fc.constantFrom(3 * MIN, 5 * MIN),
    maxFailures: fc.constantFrom(0, 1),
    onFailure: fc.constantFrom("rollback" as const, "pause" as const),
  })
  .map((f) => {
    const nodes = Array.from({ length: f.size }, (_, i) => `n${i}`);
    const waveOf = Object.fromEntries(nodes.map((n, i) => [n, i === 0 ? 0 : f.seed[i]! % f.waves.length]));
    const rollout = policy(
      f.waves.map((w, i) => ({ ...w, name: `w${i}` })),
      waveOf,
      { deadlineMs: f.deadlineMs, maxFailures: { count: f.maxFailures } },
      f.onFailure,
    );
    return { nodes, rollout };
  });

type Op =
  | { op: "time"; ms: number }
  | { op: "poll"; mask: boolean[]; agent: "none" | "ok" | "crash" }
  | { op: "act"; kind: ActionKind }
  | { op: "commit"; changes: boolean[] };

const ops = (actions: readonly ActionKind[]): fc.Arbitrary<Op[]> =>
  fc.array(
    fc.oneof(
      fc.record({ op: fc.constant("time" as const), ms: fc.integer({ min: 0, max: 4 * MIN }) }),
      fc.record({
        op: fc.constant("poll" as const),
        mask: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        agent: fc.constantFrom("none" as const, "ok" as const, "crash" as const),
      }),
      fc.record({ op: fc.constant("act" as const), kind: fc.constantFrom(...actions) }),
      fc.record({
        op: fc.constant("commit" as const),
        changes: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
      }),
    ),
    { maxLength: 60 },
  );

/** Runs one op; the planner takes a step after each. */
function apply(sim: Simulation, o: Op): void {
  if (o.op === "time") sim.world.now += o.ms;
  if (o.op === "poll")
    sim.poll(
      sim.nodes.filter((_, i) => o.mask[i] === true),
      o.agent,
    );
  if (o.op === "commit") sim.commit(o.changes);
  else sim.step(o.op === "act" ? [{ kind: o.kind, by: "op" }] : []);
}

describe("rollout planner properties", () => {
  it("no node is ever served an older revision than it had, except by a rollback decision", () => {
    fc.assert(
      fc.property(fleet, ops(["pause", "resume", "promote", "abort"]), ({ nodes, rollout }, list) => {
        const sim = new Simulation(nodes, rollout);
        const had = new Map(nodes.map((n) => [n, sim.age(sim.served(n))]));
        for (const o of list) {
          apply(sim, o);
          const rolledBack = new Set(
            sim.last.filter((e) => e.kind === "rolled-back").flatMap((e) => e.nodes ?? []),
          );
          for (const n of nodes) {
            const now = sim.age(sim.served(n));
            if (now < had.get(n)!)
              assert.ok(rolledBack.has(n), `${n} went back from ${had.get(n)} to ${now} without a rollback`);
            had.set(n, now);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("after a rollback every node of the rollout is served exactly what it had before it started", () => {
    fc.assert(
      fc.property(fleet, ops(["pause", "resume", "abort"]), ({ nodes, rollout }, list) => {
        const sim = new Simulation(nodes, rollout);
        for (const o of list) {
          apply(sim, o);
          const state = sim.state;
          if (state?.phase !== "rolled-back") continue;
          for (const [n, p] of state.nodes) assert.deepEqual(sim.served(n), p.from, n);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the planner never switches a node while maxNodes of its wave are in flight", () => {
    fc.assert(
      fc.property(fleet, ops(["pause", "resume", "abort"]), ({ nodes, rollout }, list) => {
        const sim = new Simulation(nodes, rollout);
        for (const o of list) {
          apply(sim, o);
          const state = sim.state;
          if (state === undefined) continue;
          for (const e of sim.last.filter((x) => x.kind === "switched")) {
            const w = state.policy.waves.findIndex((x) => x.name === e.wave);
            const members = [...state.nodes.values()].filter((p) => p.wave === w);
            const online = members.filter((p) => p.step !== "offline").length;
            const inFlight = members.filter((p) => p.step === "switched").length;
            assert.ok(
              inFlight <= maxInFlight(state.policy.waves[w]!.maxNodes, online),
              `wave ${e.wave}: ${inFlight} in flight`,
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("with every node healthy, the rollout always completes", () => {
    fc.assert(
      fc.property(
        fleet,
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        fc.boolean(),
        ({ nodes, rollout }, changes, agent) => {
          const sim = new Simulation(nodes, rollout);
          sim.commit(changes);
          for (
            let i = 0;
            i < 3 * nodes.length + 10 && sim.state !== undefined && sim.state.phase === "progressing";
            i++
          ) {
            sim.poll(nodes, agent ? "ok" : "none");
            sim.world.now += 2 * MIN;
            sim.step();
          }
          assert.ok(sim.state === undefined || sim.state.phase === "succeeded", `phase ${sim.state?.phase}`);
          for (const n of nodes) assert.equal(sim.served(n)?.revision, "r1");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("with the canary failing, no other node ever switches", () => {
    fc.assert(
      fc.property(fleet, ops(["pause", "resume", "abort"]), ({ nodes, rollout: generated }, list) => {
        const rollout = structuredClone(generated);
        // n0 alone in the canary wave, and it never gets healthy: it crashes or never fetches.
        rollout.policy.waves.unshift({ name: "canary", soakMs: 0, maxNodes: undefined });
        for (const n of nodes) rollout.waveOf.set(n, n === "n0" ? 0 : rollout.waveOf.get(n)! + 1);
        rollout.policy.health.maxFailures = { count: 0 };
        const sim = new Simulation(nodes, rollout);
        sim.commit(nodes.map(() => true));
        for (const o of list) {
          if (o.op === "commit") continue;
          if (o.op === "poll")
            sim.poll(
              nodes.filter((n, i) => n !== "n0" && o.mask[i] === true),
              "ok",
            );
          if (o.op === "poll") sim.poll(["n0"], "crash");
          else apply(sim, o);
          sim.step();
          for (const [n, p] of sim.state?.nodes ?? [])
            if (n !== "n0") assert.ok(!servesNew(p), `${n} switched while the canary fails`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("judging only what changed decides exactly what judging every node does, and its bookkeeping is a recount", () => {
    fc.assert(
      fc.property(fleet, ops(["pause", "resume", "promote", "abort"]), ({ nodes, rollout }, list) => {
        const full = new Simulation(nodes, rollout, { incremental: false });
        const incremental = new Simulation(nodes, rollout);
        const check = (): void => {
          assert.equal(JSON.stringify(incremental.state), JSON.stringify(full.state));
          assert.deepEqual(incremental.last, full.last);
          for (const sim of [full, incremental])
            if (sim.state !== undefined) assert.equal(bookMismatch(sim.state), undefined);
        };
        full.commit(nodes.map(() => true));
        incremental.commit(nodes.map(() => true));
        check();
        for (const o of list) {
          apply(full, o);
          apply(incremental, o);
          check();
        }
      }),
      { numRuns: 500 },
    );
  });
});
