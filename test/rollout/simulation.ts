// Test helper: a fleet driven through commits, polls, reports, operator actions and time, planned step by step.
import type { OperatorAction } from "../../src/rollout/actions.js";
import type { ResolvedRollout } from "../../src/rollout/policy.js";
import { startRollout } from "../../src/rollout/start.js";
import { servedDoc, type Doc, type RolloutEvent, type RolloutState } from "../../src/rollout/state.js";
import { stepRollout } from "../../src/rollout/step.js";
import { World } from "./world.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class Simulation {
  readonly world = new World();
  /** Revisions in the order they were committed: `r0`, `r1`, … */
  readonly revisions: string[] = ["r0"];
  target: Map<string, Doc>;
  state: RolloutState | undefined;
  /** Every event so far, and those of the last call. */
  readonly events: RolloutEvent[] = [];
  last: RolloutEvent[] = [];
  private ids = 0;

  /**
   * `incremental` (default): each step is told which nodes were seen doing something since the last one, as the
   * server does; else every step judges every node.
   */
  constructor(
    readonly nodes: readonly string[],
    readonly rollout: ResolvedRollout,
    private readonly options: { incremental?: boolean } = {},
  ) {
    this.target = new Map(nodes.map((n) => [n, { revision: "r0", etag: `"r0-${n}"` }]));
    for (const n of nodes) this.world.fetches.set(n, { at: this.world.now, ...this.target.get(n)! });
  }

  served(node: string): Doc | undefined {
    return servedDoc(this.state, node, this.target.get(node));
  }

  /** Position of a revision in commit order. */
  age(doc: Doc | undefined): number {
    return doc === undefined ? -1 : this.revisions.indexOf(doc.revision);
  }

  /** A new commit: the nodes in `changes` get new bytes, the others keep theirs. Starts a rollout. */
  commit(changes: readonly boolean[]): void {
    const rev = `r${this.revisions.length}`;
    this.revisions.push(rev);
    const target = new Map<string, Doc>();
    this.nodes.forEach((n, i) =>
      target.set(n, {
        revision: rev,
        etag: changes[i] === true ? `"${rev}-${n}"` : this.target.get(n)!.etag,
      }),
    );
    const served = new Map(this.nodes.map((n) => [n, this.served(n)!]));
    const running = this.state !== undefined && !["succeeded", "rolled-back"].includes(this.state.phase);
    const started = startRollout({
      id: String(++this.ids),
      now: this.world.now,
      rollout: this.rollout,
      from: this.revisions.at(-2)!,
      to: rev,
      target,
      served,
      obs: this.world,
      superseding: running ? this.state : undefined,
    });
    this.target = target;
    this.state = started.state;
    this.record(started.events);
  }

  step(actions: readonly OperatorAction[] = []): void {
    if (this.state === undefined) return this.record([]);
    // A step must never change its input: frozen, any write to it throws.
    const changed = this.world.takeTouched();
    const r = stepRollout(deepFreeze(this.state), {
      now: this.world.now,
      obs: this.world,
      actions,
      changed: this.options.incremental === false ? undefined : changed,
    });
    this.state = r.state;
    this.record(r.events);
  }

  /** `nodes` fetch what they are served; with an agent, report it applied (`ok`: every pod running). */
  poll(nodes: readonly string[], agent: "none" | "ok" | "crash" = "none"): void {
    this.world.fetch(this.state, this.target, nodes);
    if (agent !== "none")
      for (const n of nodes)
        this.world.report(n, [
          agent === "ok"
            ? { name: `kube-system/app-${n}`, state: "running" }
            : { name: `kube-system/app-${n}`, state: "failed", reason: "CrashLoopBackOff" },
        ]);
  }

  private record(events: RolloutEvent[]): void {
    this.last = events;
    this.events.push(...events);
  }
}
