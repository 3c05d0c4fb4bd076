// Operator actions on a rollout: pause, resume, promote, abort. Each is an event naming who did it.
import { EventLog, nodeList } from "./events.js";
import { rollBack } from "./rollback.js";
import type { RolloutDraft } from "./book.js";
import { isFinished, updateNodes, type RolloutState } from "./state.js";

export type ActionKind = "pause" | "resume" | "promote" | "abort";
export const ACTION_KINDS: readonly ActionKind[] = ["pause", "resume", "promote", "abort"];

export interface OperatorAction {
  kind: ActionKind;
  /** Who asked: the admin token's name (`anonymous` when tokens are off); the event's actor is `operator:<by>`. */
  by: string;
  /** What the client said about itself (the CLI sends the user name): shown as context, never as the actor. */
  note?: string | undefined;
}

/** `alice`, or `alice (client user "bob")` when the client named a user. */
function who(action: OperatorAction): string {
  return action.note === undefined || action.note === ""
    ? action.by
    : `${action.by} (client user ${JSON.stringify(action.note)})`;
}

/** Why `action` cannot apply to `state` now, or undefined when it can. */
export function refusal(
  state: Pick<RolloutState, "id" | "phase">,
  action: OperatorAction,
): string | undefined {
  if (isFinished(state))
    return `rollout ${state.id} has already ${state.phase === "succeeded" ? "succeeded" : "been rolled back"}`;
  if (action.kind === "pause" && state.phase !== "progressing")
    return `rollout ${state.id} is not progressing (it is ${state.phase})`;
  if (action.kind === "resume" && state.phase === "progressing")
    return `rollout ${state.id} is already progressing`;
  return undefined;
}

/**
 * Applies `action` to `draft` (mutated) and logs it, or returns why it cannot apply (nothing changes then).
 * pause: no node switches until resumed. resume: continue; after a failure hold, failed nodes get a new deadline.
 * promote: every remaining node gets the new document now and the rollout succeeds. abort: roll back.
 */
export function applyAction(
  draft: RolloutDraft,
  action: OperatorAction,
  now: number,
  log: EventLog,
): { ok: true } | { ok: false; reason: string } {
  const refused = refusal(draft, action);
  if (refused !== undefined) return { ok: false, reason: refused };
  const actor = `operator:${action.by}` as const;
  const by = who(action);
  switch (action.kind) {
    case "pause":
      draft.phase = "paused";
      draft.reason = `paused by ${by}`;
      log.add(actor, "paused", `paused by ${by}: no node switches until resumed`);
      break;
    case "resume": {
      const retried = updateNodes(
        draft,
        (p) => p.step === "failed",
        (p) => ({ ...p, step: "switched", unhealthySince: now }),
      );
      draft.phase = "progressing";
      draft.reason = undefined;
      log.add(
        actor,
        "resumed",
        `resumed by ${by}` +
          (retried.length === 0 ? "" : `; ${nodeList(retried)} (failed) get a new deadline`),
        { nodes: retried },
      );
      break;
    }
    case "promote": {
      const pushed = updateNodes(
        draft,
        (p) => p.step === "waiting" || (p.step === "offline" && p.switchedAt === undefined),
        (p) => ({ ...p, step: p.step === "offline" ? "offline" : "switched", switchedAt: now }),
      );
      for (const w of draft.waves) w.doneAt ??= now;
      draft.wave = draft.waves.length;
      draft.phase = "succeeded";
      draft.reason = `promoted by ${by}`;
      log.add(
        actor,
        "promoted",
        `promoted by ${by}: health gates skipped` +
          (pushed.length === 0 ? "" : `; ${nodeList(pushed)} get the new document now`),
        { nodes: pushed },
      );
      break;
    }
    case "abort":
      log.add(actor, "aborted", `aborted by ${by}`);
      rollBack(draft, log, actor, `aborted by ${by}`);
      break;
  }
  return { ok: true };
}
