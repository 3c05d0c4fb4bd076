// Re-judges every node of a rollout from what was seen: healthy, not yet (and why), failed past its deadline, back.
import { EventLog, nodeList } from "./events.js";
import { describeHealth, nodeHealth } from "./health.js";
import { lastSeen, type Observations } from "./observations.js";
import type { RolloutState } from "./state.js";

/**
 * Updates `draft` (mutated) at `now`. A switched node becomes healthy, or fails once it has not been healthy for the
 * policy's deadline (from its switch, or from the moment it stopped being healthy). A healthy node that is no longer
 * healthy is judged again with a fresh deadline. An offline node heard of again before its wave is released waits
 * for its batch like the others. A failed node stays failed (until an operator resumes).
 */
export function evaluateNodes(draft: RolloutState, obs: Observations, now: number, log: EventLog): void {
  const { deadlineMs, probe } = draft.policy.health;
  const back: string[] = [];
  for (const [name, p] of Object.entries(draft.nodes)) {
    if (p.step === "offline" && p.switchedAt === undefined) {
      const seen = lastSeen(obs, name);
      if (seen !== undefined && seen >= draft.startedAt) {
        draft.nodes[name] = { ...p, step: "waiting" };
        back.push(name);
      }
      continue;
    }
    if ((p.step !== "switched" && p.step !== "healthy") || p.switchedAt === undefined) continue;
    const health = nodeHealth(name, p.to, p.switchedAt, obs, probe !== undefined);
    if (health.healthy) {
      if (p.step !== "healthy")
        draft.nodes[name] = { ...p, step: "healthy", unhealthySince: undefined, reason: undefined };
      continue;
    }
    const since = p.step === "healthy" ? now : (p.unhealthySince ?? p.switchedAt);
    if (now - since >= deadlineMs) {
      const reason = describeHealth(health, now);
      draft.nodes[name] = { ...p, step: "failed", unhealthySince: since, reason };
      log.add("planner", "node-failed", `${name}: ${reason}`, {
        wave: draft.policy.waves[p.wave]?.name,
        nodes: [name],
      });
    } else if (p.step !== "switched" || p.unhealthySince !== since || p.reason !== health.reason)
      // Replaced only when something changed: an unchanged participant stays the same object (nothing to store).
      draft.nodes[name] = { ...p, step: "switched", unhealthySince: since, reason: health.reason };
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
