// Re-judges the nodes of a rollout from what was seen: healthy, not yet (and why), failed past its deadline, back.
import type { RolloutDraft } from "./book.js";
import { EventLog, nodeList } from "./events.js";
import { describeHealth, nodeHealth } from "./health.js";
import { lastSeen, type Observations } from "./observations.js";
import type { Participant } from "./state.js";
import { every, type Sliced } from "../lib/slices.js";

/** Nodes judged between two turns of the event loop (when run in slices). */
const SLICE = 1000;

/**
 * The nodes to judge at `now`, in the state's order: every node when nothing is known of the last judgement (the
 * book says `full`, or `changed` is undefined), else those whose observations changed (`changed`), those put on
 * switched or healthy since the last judgement, and those whose deadline has come. Judging any other node would
 * change nothing: a judgement depends only on the participant, what was seen of it, and whether its deadline passed.
 */
function toJudge(
  draft: RolloutDraft,
  changed: Iterable<string> | undefined,
  now: number,
): Iterable<[string, Participant]> {
  const { book } = draft.nodes;
  const pending = book.pending;
  book.pending = new Set();
  const due = book.deadlines.popDue(now);
  if (book.full || changed === undefined) {
    book.full = false;
    return draft.nodes;
  }
  const names = new Set(pending);
  for (const n of changed) names.add(n);
  for (const n of due) names.add(n);
  return draft.nodes.inOrder(names).map((n) => [n, draft.nodes.get(n)!] as [string, Participant]);
}

/**
 * Updates `draft` (mutated) at `now`. A switched node becomes healthy, or fails once it has not been healthy for the
 * policy's deadline (from its switch, or from the moment it stopped being healthy). A healthy node that is no longer
 * healthy is judged again with a fresh deadline. An offline node heard of again before its wave is released waits
 * for its batch like the others. A failed node stays failed (until an operator resumes). `changed`: the nodes whose
 * observations may have changed since the step that produced the state (undefined: any may have).
 */
export function* evaluateNodes(
  draft: RolloutDraft,
  obs: Observations,
  now: number,
  log: EventLog,
  changed?: Iterable<string>,
): Sliced<void> {
  const { deadlineMs, probe } = draft.policy.health;
  const back: string[] = [];
  const set = (name: string, p: Participant): void => draft.nodes.set(name, p, true);
  const turn = every(SLICE);
  for (const [name, p] of toJudge(draft, changed, now)) {
    if (turn()) yield;
    if (p.step === "offline" && p.switchedAt === undefined) {
      const seen = lastSeen(obs, name);
      if (seen !== undefined && seen >= draft.startedAt) {
        set(name, { ...p, step: "waiting" });
        back.push(name);
      }
      continue;
    }
    if ((p.step !== "switched" && p.step !== "healthy") || p.switchedAt === undefined) continue;
    const health = nodeHealth(name, p.to, p.switchedAt, obs, probe !== undefined);
    if (health.healthy) {
      if (p.step !== "healthy")
        set(name, { ...p, step: "healthy", unhealthySince: undefined, reason: undefined });
      continue;
    }
    const since = p.step === "healthy" ? now : (p.unhealthySince ?? p.switchedAt);
    if (now - since >= deadlineMs) {
      const reason = describeHealth(health, now);
      set(name, { ...p, step: "failed", unhealthySince: since, reason });
      log.add("planner", "node-failed", `${name}: ${reason}`, {
        wave: draft.policy.waves[p.wave]?.name,
        nodes: [name],
      });
    } else if (p.step !== "switched" || p.unhealthySince !== since || p.reason !== health.reason)
      // Replaced only when something changed: an unchanged participant stays the same object (nothing to store).
      set(name, { ...p, step: "switched", unhealthySince: since, reason: health.reason });
  }
  if (back.length > 0)
    log.add(
      "planner",
      "node-back",
      `${nodeList(back)} offline at the start, now back: ${back.length === 1 ? "waits" : "wait"} for ${back.length === 1 ? "its" : "their"} wave like the others`,
      {
        nodes: back,
      },
    );
}
