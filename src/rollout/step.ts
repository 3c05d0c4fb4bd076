// One planning step of a rollout: apply operator actions, judge every node, gate on failures, advance the waves.
import { applyAction, type OperatorAction } from "./actions.js";
import { DraftNodes, keepBook, takeBook, type RolloutDraft } from "./book.js";
import { evaluateNodes } from "./evaluate.js";
import { EventLog, nodeList } from "./events.js";
import type { Observations } from "./observations.js";
import { rollBack } from "./rollback.js";
import { isFinished, type RolloutEvent, type RolloutState } from "./state.js";
import { advanceWaves, failedWave } from "./waves.js";
import { runAtOnce, type Sliced } from "../lib/slices.js";

export interface StepInput {
  now: number;
  obs: Observations;
  /** Operator actions received since the last step, in order. */
  actions?: readonly OperatorAction[] | undefined;
  /**
   * The nodes whose observations may have changed since the step that produced `state` (a hint that makes a step
   * cost what changed). Undefined: any may have, every node is judged. A node missing from it is judged as before.
   */
  changed?: Iterable<string> | undefined;
}

export interface StepResult {
  state: RolloutState;
  /** Every decision and action of this step, in order. */
  events: RolloutEvent[];
  /** Actions that could not apply, and why (e.g. pausing a finished rollout). */
  refused: Array<{ action: OperatorAction; reason: string }>;
}

/**
 * The next state of `state` at `now`. Pure: the input is not changed, nothing is read but the arguments. Call it
 * whenever something was seen, an operator acted, or time passed (a deadline or a soak may have ended); a step
 * with nothing new decides nothing new. The cost follows what changed (see `changed`), not the number of nodes,
 * once the state was produced by a step (else every node is counted once).
 */
export function stepRollout(state: RolloutState, input: StepInput): StepResult {
  return runAtOnce(stepInSlices(state, input));
}

/**
 * stepRollout as a computation that yields between slices of a large step (thousands of nodes judged or switched),
 * for a server to answer requests meanwhile (runInSlices). The same result as stepRollout for the same arguments.
 */
export function* stepInSlices(state: RolloutState, input: StepInput): Sliced<StepResult> {
  // Participants are replaced, never changed in place: unchanged ones stay the same objects (cheap to store).
  const book = yield* takeBook(state);
  const draft: RolloutDraft = {
    ...state,
    waves: state.waves.map((w) => ({ ...w })),
    nodes: new DraftNodes(state.nodes.edit(), book, state.policy.health.deadlineMs),
  };
  const log = new EventLog(state.id, input.now);
  const refused: StepResult["refused"] = [];
  const done = (): StepResult => {
    const next: RolloutState = { ...draft, nodes: draft.nodes.table.done() };
    keepBook(next, book);
    return { state: next, events: log.events, refused };
  };
  for (const action of input.actions ?? []) {
    const r = applyAction(draft, action, input.now, log);
    if (!r.ok) refused.push({ action, reason: r.reason });
  }
  if (isFinished(draft)) return done();
  yield* evaluateNodes(draft, input.obs, input.now, log, input.changed);
  if (draft.phase !== "progressing") return done();
  const over = failedWave(draft);
  if (over === undefined) {
    yield* advanceWaves(draft, input.now, log);
    return done();
  }
  const wave = draft.policy.waves[over.wave]?.name ?? "";
  const reasons = over.failed.slice(0, 3).map((n) => `${n}: ${draft.nodes.get(n)?.reason ?? "failed"}`);
  const why =
    `wave ${wave}: ${over.failed.length} node${over.failed.length === 1 ? "" : "s"} failed, ${over.tolerated} tolerated (${reasons.join("; ")}` +
    `${over.failed.length > 3 ? `; and ${nodeList(over.failed.slice(3), 5)}` : ""})`;
  if (draft.policy.onFailure === "rollback") rollBack(draft, log, "planner", why);
  else {
    draft.phase = "failed";
    draft.reason = why;
    log.add(
      "planner",
      "failed",
      `held (onFailure: pause): ${why}; resume to retry, promote to go on, abort to roll back`,
      {
        wave,
        nodes: over.failed,
      },
    );
  }
  return done();
}
