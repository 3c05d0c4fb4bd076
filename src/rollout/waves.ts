// Moves a rollout through its waves: release a wave, switch its nodes maxNodes at a time, soak, go on, succeed.
import { formatDuration } from "../lib/duration.js";
import { EventLog, nodeList } from "./events.js";
import { failuresTolerated, maxInFlight } from "./policy.js";
import type { RolloutState } from "./state.js";

/**
 * The nodes taking part, by wave index, in the state's order: sorted by name when the rollout started (a plain
 * object keeps that order; participants are replaced in place, never re-added).
 */
export function membersByWave(state: RolloutState): string[][] {
  const out: string[][] = state.policy.waves.map(() => []);
  for (const [name, p] of Object.entries(state.nodes)) out[p.wave]?.push(name);
  return out;
}

/** The first wave (up to the current one) whose failed nodes exceed maxFailures, with its failed nodes. */
export function failedWave(
  state: RolloutState,
  members: readonly string[][],
): { wave: number; failed: string[]; tolerated: number } | undefined {
  for (let w = 0; w <= Math.min(state.wave, members.length - 1); w++) {
    const names = members[w] ?? [];
    const failed = names.filter((n) => state.nodes[n]?.step === "failed");
    const tolerated = failuresTolerated(state.policy.health.maxFailures, names.length);
    if (failed.length > tolerated) return { wave: w, failed, tolerated };
  }
  return undefined;
}

/**
 * Advances `draft` (mutated, phase progressing) as far as it can at `now`: releases the current wave, switches
 * its waiting nodes while fewer than maxNodes are in flight (switched, not yet healthy or failed), and once every
 * node of the wave is healthy or failed within maxFailures and that held for the wave's soak, goes to the next
 * wave in the same step. Offline nodes are switched when their wave is released and never hold it. After the
 * last wave, the rollout has succeeded.
 */
export function advanceWaves(
  draft: RolloutState,
  members: readonly string[][],
  now: number,
  log: EventLog,
): void {
  while (draft.wave < draft.policy.waves.length) {
    const policy = draft.policy.waves[draft.wave]!;
    const progress = draft.waves[draft.wave]!;
    const names = members[draft.wave] ?? [];
    const wave = policy.name;
    if (names.length === 0) {
      log.add("planner", "wave-skipped", `wave ${wave}: no node's document changes; skipped`, { wave });
      progress.doneAt = now;
      draft.wave++;
      continue;
    }
    const online = names.filter((n) => draft.nodes[n]!.step !== "offline");
    const limit = maxInFlight(policy.maxNodes, online.length);
    if (progress.releasedAt === undefined) {
      progress.releasedAt = now;
      log.add(
        "planner",
        "wave-released",
        `wave ${wave} released: ${names.length} node${names.length === 1 ? "" : "s"}, ${limit} at a time`,
        { wave },
      );
      const absent = names.filter((n) => draft.nodes[n]!.step === "offline");
      for (const n of absent) draft.nodes[n] = { ...draft.nodes[n]!, switchedAt: now };
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
    const inFlight = online.filter((n) => draft.nodes[n]!.step === "switched").length;
    const batch = online
      .filter((n) => draft.nodes[n]!.step === "waiting")
      .slice(0, Math.max(0, limit - inFlight));
    for (const n of batch)
      draft.nodes[n] = {
        ...draft.nodes[n]!,
        step: "switched",
        switchedAt: now,
        unhealthySince: now,
        reason: undefined,
      };
    if (batch.length > 0) {
      const done = online.filter((n) => draft.nodes[n]!.step !== "waiting").length;
      log.add(
        "planner",
        "switched",
        `wave ${wave}: switched ${nodeList(batch)} (${done} of ${online.length})`,
        {
          wave,
          nodes: batch,
        },
      );
    }
    const settled = online.every(
      (n) => draft.nodes[n]!.step === "healthy" || draft.nodes[n]!.step === "failed",
    );
    if (!settled) {
      progress.healthySince = undefined;
      return;
    }
    if (progress.healthySince === undefined) {
      progress.healthySince = now;
      const failed = online.filter((n) => draft.nodes[n]!.step === "failed").length;
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
