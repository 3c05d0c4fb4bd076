// Drives the planner against a state store: each decision is committed (compare-and-set) before it takes effect,
// so a process killed at any point resumes from the last committed step, and only one writer decides at a time.
import type { StateStore } from "../store/store.js";
import type { OperatorAction } from "./actions.js";
import type { ByNode, Observations } from "./observations.js";
import { changedSince } from "./participants.js";
import type { ResolvedRollout } from "./policy.js";
import { servingChanges, type PendingServing, type ServingChanges } from "./serving.js";
import { startInSlices } from "./start.js";
import { isFinished, servedDoc, type Doc, type RolloutEvent, type RolloutState } from "./state.js";
import { stepInSlices, type StepResult } from "./step.js";
import { runInSlices } from "../lib/slices.js";

export interface NewRevision {
  revision: string;
  /** Every node of the new revision and its document. */
  target: ReadonlyMap<string, Doc>;
  /** The new revision's policy; undefined: every node gets it at once. */
  rollout: ResolvedRollout | undefined;
  /** The documents of the revision served until now (what nodes outside the running rollout get). */
  previous: ByNode<Doc>;
  /** The revision served until now, for display. */
  from: string;
  /** Since when the observations are complete (see StartInput.observingSince). */
  observingSince?: number | undefined;
}

/** What a call decided: its events, refused actions, and whether another writer had moved first (nothing done). */
export interface Decision {
  events: RolloutEvent[];
  refused: StepResult["refused"];
  conflict: boolean;
}

const NONE: Decision = { events: [], refused: [], conflict: false };

export class RolloutController {
  private constructor(
    private readonly store: StateStore,
    private committedVersion: number,
    private current: RolloutState | undefined,
    private pendingServing: readonly PendingServing[],
  ) {}

  /** A controller at the store's current rollout. */
  static async open(store: StateStore): Promise<RolloutController> {
    const { version, state, pending } = await store.readRollout();
    return new RolloutController(store, version, state, pending ?? []);
  }

  get state(): RolloutState | undefined {
    return this.current;
  }

  /** Decisions on served documents that were not yet effective when read or committed (replicas; else empty). */
  get pending(): readonly PendingServing[] {
    return this.pendingServing;
  }

  /** The store version of `state`. */
  get version(): number {
    return this.committedVersion;
  }

  /** The document `node` is served: its rollout's decision, else `target` (the revision's own document). */
  served(node: string, target: Doc | undefined): Doc | undefined {
    return servedDoc(this.current, node, target);
  }

  /**
   * A new valid revision. Starts its rollout (superseding a running one), or with no policy, or no node whose bytes
   * change, ends any running rollout so every node gets the revision. The revision of the current rollout again
   * (after a restart) changes nothing.
   */
  async newRevision(input: NewRevision, obs: Observations, now: number): Promise<Decision> {
    if (this.current?.to === input.revision) return NONE;
    const running = this.current !== undefined && !isFinished(this.current) ? this.current : undefined;
    const served = {
      get: (node: string) => servedDoc(this.current, node, input.previous.get(node)),
    };
    const started =
      input.rollout === undefined
        ? { state: undefined, events: [] }
        : await runInSlices(
            startInSlices({
              id: String(Number(this.current?.id ?? 0) + 1),
              now,
              rollout: input.rollout,
              from: input.from,
              to: input.revision,
              target: input.target,
              served,
              obs,
              observingSince: input.observingSince,
              superseding: running,
            }),
          );
    // With no new rollout, the nodes a running one still holds move to the new revision at once.
    const events =
      started.state === undefined && running !== undefined
        ? [supersededAtOnce(running, input.revision, now)]
        : started.events;
    if (started.state === undefined && this.current === undefined) return NONE;
    const changes = servingChanges(
      input.target.keys(),
      this.current,
      (node) => input.previous.get(node),
      started.state,
      (node) => input.target.get(node),
    );
    return this.commit(started.state, events, [], changes);
  }

  /**
   * One planner step at `now` with what was seen and the operators' actions (nothing without a running rollout).
   * `changed`: the nodes whose observations may have changed since the last step (see StepInput.changed).
   */
  async step(
    obs: Observations,
    now: number,
    actions: readonly OperatorAction[] = [],
    changed?: Iterable<string>,
  ): Promise<Decision> {
    if (this.current === undefined)
      return { ...NONE, refused: actions.map((action) => ({ action, reason: "no rollout" })) };
    // A large step (thousands of nodes judged or switched) gives the event loop turns: requests are answered meanwhile.
    const r = await runInSlices(stepInSlices(this.current, { now, obs, actions, changed }));
    if (r.events.length === 0 && unchanged(this.current, r.state)) {
      // Equal to the committed state; kept for the planner's bookkeeping it carries (nothing to store).
      this.current = r.state;
      return { ...NONE, refused: r.refused };
    }
    // Only the participants the step replaced can be served something else.
    const none = () => undefined;
    const touched = changedSince(this.current.nodes, r.state.nodes) ?? r.state.nodes.keys();
    const changes = servingChanges(touched, this.current, none, r.state, none);
    return this.commit(r.state, r.events, r.refused, changes);
  }

  /** Commits `state`; on a conflict, takes the store's state instead (another writer decided) and decides nothing. */
  private async commit(
    state: RolloutState | undefined,
    events: RolloutEvent[],
    refused: StepResult["refused"],
    serving: ServingChanges,
  ): Promise<Decision> {
    const changed = Object.keys(serving).length > 0;
    const r = await this.store.commitRollout(
      this.committedVersion,
      state,
      events,
      changed ? serving : undefined,
    );
    if (!r.ok) {
      const latest = await this.store.readRollout();
      this.committedVersion = latest.version;
      this.current = latest.state;
      this.pendingServing = latest.pending ?? [];
      return { events: [], refused: [], conflict: true };
    }
    this.committedVersion = r.version;
    this.current = state;
    const at = r.effectiveAt;
    if (changed && at !== undefined)
      this.pendingServing = [
        // Older decisions are long effective: a minute keeps every one that may still be pending.
        ...this.pendingServing.filter((p) => p.effectiveAt > at - 60_000),
        { version: r.version, effectiveAt: at, before: serving },
      ];
    return { events, refused, conflict: false };
  }
}

/** True when a step changed nothing: the same participants (steps replace, never change, them) and header. */
function unchanged(before: RolloutState, after: RolloutState): boolean {
  const { nodes: a, ...headerA } = before;
  const { nodes: b, ...headerB } = after;
  const changed = changedSince(a, b) ?? b.keys();
  for (const name of changed) if (a.get(name) !== b.get(name)) return false;
  return JSON.stringify(headerA) === JSON.stringify(headerB);
}

function supersededAtOnce(running: RolloutState, revision: string, now: number): RolloutEvent {
  return {
    rollout: running.id,
    at: now,
    actor: "planner",
    kind: "superseded",
    message: `superseded by ${revision}, which has no rollout policy (or changes no node's document): every node gets it at once`,
  };
}
