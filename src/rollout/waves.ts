// Moves a rollout through its waves: release a wave, switch its nodes maxNodes at a time, soak, go on, succeed.
import { formatDuration } from "../lib/duration.js";
import { EventLog, nodeList } from "./events.js";
import { failuresTolerated, maxInFlight } from "./policy.js";
import { every, type Sliced } from "../lib/slices.js";
import type { RolloutDraft } from "./book.js";

/** Nodes switched between two turns of the event loop (when run in slices). */
const SLICE = 1000;

/** The first wave (up to the current one) whose failed nodes exceed maxFailures, with its failed nodes. */
export function failedWave(
  draft: RolloutDraft,
): { wave: number; failed: string[]; tolerated: number } | undefined {
  const waves = draft.nodes.book.waves;
  for (let w = 0; w <= Math.min(draft.wave, waves.length - 1); w++) {
    const { members, count } = waves[w]!;
    const tolerated = failuresTolerated(draft.policy.health.maxFailures, members.length);
    if (count.failed > tolerated)
      return { wave: w, failed: members.filter((n) => draft.nodes.get(n)?.step === "failed"), tolerated };
  }
  return undefined;
}

/** Up to `max` waiting members of `wave`, in order from its cursor (which moves past the members looked at). */
function nextWaiting(draft: RolloutDraft, wave: number, max: number): string[] {
  const w = draft.nodes.book.waves[wave]!;
  const out: string[] = [];
  while (out.length < max && w.cursor < w.members.length) {
    const n = w.members[w.cursor]!;
    if (draft.nodes.get(n)!.step === "waiting") out.push(n);
    w.cursor++;
  }
  return out;
}

/**
 * Advances `draft` (mutated, phase progressing) as far as it can at `now`: releases the current wave, switches
 * its waiting nodes while fewer than maxNodes are in flight (switched, not yet healthy or failed), and once every
 * node of the wave is healthy or failed within maxFailures and that held for the wave's soak, goes to the next
 * wave in the same step. Offline nodes are switched when their wave is released and never hold it. After the
 * last wave, the rollout has succeeded.
 */
export function* advanceWaves(draft: RolloutDraft, now: number, log: EventLog): Sliced<void> {
  while (draft.wave < draft.policy.waves.length) {
    const policy = draft.policy.waves[draft.wave]!;
    const progress = draft.waves[draft.wave]!;
    const { members: names, count } = draft.nodes.book.waves[draft.wave]!;
    const wave = policy.name;
    if (names.length === 0) {
      log.add("planner", "wave-skipped", `wave ${wave}: no node's document changes; skipped`, { wave });
      progress.doneAt = now;
      draft.wave++;
      continue;
    }
    const online = names.length - count.offline;
    const limit = maxInFlight(policy.maxNodes, online);
    if (progress.releasedAt === undefined) {
      progress.releasedAt = now;
      log.add(
        "planner",
        "wave-released",
        `wave ${wave} released: ${names.length} node${names.length === 1 ? "" : "s"}, ${limit} at a time`,
        { wave },
      );
      const absent = count.offline === 0 ? [] : names.filter((n) => draft.nodes.get(n)!.step === "offline");
      for (const n of absent) draft.nodes.set(n, { ...draft.nodes.get(n)!, switchedAt: now });
      if (absent.length > 0)
        log.add(
          "planner",
          "offline",
          `wave ${wave}: ${nodeList(absent)} offline: served the new document, not waited for`,
          {
            wave,
            nodes: absent,
          },
        );
    }
    const batch = nextWaiting(draft, draft.wave, limit - count.switched);
    const turn = every(SLICE);
    for (const n of batch) {
      if (turn()) yield;
      draft.nodes.set(n, {
        ...draft.nodes.get(n)!,
        step: "switched",
        switchedAt: now,
        unhealthySince: now,
        reason: undefined,
      });
    }
    if (batch.length > 0) {
      const done = online - count.waiting;
      log.add("planner", "switched", `wave ${wave}: switched ${nodeList(batch)} (${done} of ${online})`, {
        wave,
        nodes: batch,
      });
    }
    // Every online member healthy or failed.
    const settled = count.waiting === 0 && count.switched === 0 && count["rolled-back"] === 0;
    if (!settled) {
      progress.healthySince = undefined;
      return;
    }
    if (progress.healthySince === undefined) {
      progress.healthySince = now;
      const failed = count.failed;
      log.add(
        "planner",
        "wave-healthy",
        `wave ${wave} healthy` +
          (failed > 0 ? ` (${failed} failed, within maxFailures)` : "") +
          (policy.soakMs > 0 ? `; soaking for ${formatDuration(policy.soakMs)}` : ""),
        { wave },
      );
    }
    if (now - progress.healthySince < policy.soakMs) return;
    progress.doneAt = now;
    const next = draft.policy.waves[draft.wave + 1]?.name;
    log.add("planner", "wave-done", `wave ${wave} done${next === undefined ? "" : `; next: ${next}`}`, {
      wave,
    });
    draft.wave++;
  }
  draft.phase = "succeeded";
  draft.reason = undefined;
  log.add("planner", "succeeded", `rollout ${draft.id} succeeded: every node taking part has ${draft.to}`);
}
