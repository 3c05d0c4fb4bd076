// Test helper: one rollout from A to B stepped by hand, with what it serves and the events it logged.
import assert from "node:assert/strict";
import type { OperatorAction } from "../../src/rollout/actions.js";
import type { ResolvedRollout } from "../../src/rollout/policy.js";
import { startRollout } from "../../src/rollout/start.js";
import { servedDoc, type RolloutEvent, type RolloutState } from "../../src/rollout/state.js";
import { stepRollout } from "../../src/rollout/step.js";
import { doc, docs, World } from "./world.js";

export interface Run {
  world: World;
  state: RolloutState;
  target: Map<string, ReturnType<typeof doc>>;
  events: RolloutEvent[];
  step(actions?: OperatorAction[]): { refused: string[] };
  /** Nodes served the new revision. */
  onNew(): string[];
  /** The named nodes (default: all) fetch what they are served. */
  poll(nodes?: string[]): void;
}

/** Rollout 1 from A to B of `nodes` (those in `changed` only, when given), after its first step. */
export function start(
  rollout: ResolvedRollout,
  nodes: string[],
  opts: { changed?: string[]; seen?: boolean } = {},
): Run {
  const world = new World();
  const old = docs("A", nodes);
  const target = docs("B", nodes);
  for (const n of nodes)
    if (opts.changed !== undefined && !opts.changed.includes(n)) target.set(n, old.get(n)!);
  if (opts.seen !== false) for (const n of nodes) world.fetches.set(n, { at: world.now, ...old.get(n)! });
  const started = startAB(world, rollout, nodes, target);
  assert.ok(started.state !== undefined);
  const run: Run = {
    world,
    state: started.state,
    target,
    events: [...started.events],
    step(actions = []) {
      const r = stepRollout(run.state, { now: world.now, obs: world, actions });
      run.state = r.state;
      run.events.push(...r.events);
      return { refused: r.refused.map((x) => x.reason) };
    },
    onNew: () => nodes.filter((n) => servedDoc(run.state, n, target.get(n))?.revision === "B"),
    poll(list = nodes) {
      world.fetch(run.state, target, list);
    },
  };
  run.step();
  return run;
}

/** Rollout 1 from A to B for `nodes`, every node changing. */
export function startAB(world: World, rollout: ResolvedRollout, nodes: string[], target = docs("B", nodes)) {
  return startRollout({
    id: "1",
    now: world.now,
    rollout,
    from: "A",
    to: "B",
    target,
    served: docs("A", nodes),
    obs: world,
  });
}

/** The messages of the events of one kind. */
export const messages = (r: Run, kind: RolloutEvent["kind"]) =>
  r.events.filter((e) => e.kind === kind).map((e) => e.message);
