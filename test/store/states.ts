// Test helper: rollout states that depend only on a number, each differing from the previous in a few nodes.
import { Participants } from "../../src/rollout/participants.js";
import type { Participant, RolloutState } from "../../src/rollout/state.js";
import type { StoredRollout } from "../../src/store/store-model.js";

/**
 * The state numbered `i`: 300 nodes; node k changes every k+1 steps, so each step changes a few. In its JSON form
 * (no undefined fields), as a store gives it back.
 */
export function stateNumber(i: number): RolloutState {
  const nodes: Record<string, Participant> = {};
  for (let k = 0; k < 300; k++) {
    const since = i - (i % (k + 1));
    nodes[`node-${k}`] = {
      wave: k % 3,
      from: { revision: "a".repeat(40), etag: `"from-${k}"` },
      to: { revision: "b".repeat(40), etag: `"to-${k}"` },
      step: since % 2 === 0 ? "switched" : "healthy",
      switchedAt: since,
      reason: `changed at ${since}`,
    };
  }
  const state: RolloutState = {
    id: "1",
    from: "a".repeat(40),
    to: "b".repeat(40),
    phase: "progressing",
    wave: i % 3,
    startedAt: 0,
    policy: {
      waves: [0, 1, 2].map((w) => ({ name: `w${w}`, soakMs: 0, maxNodes: undefined })),
      health: { probe: undefined, deadlineMs: 600_000, maxFailures: { count: 0 } },
      onFailure: "rollback",
    },
    waves: [{ releasedAt: i }, {}, {}],
    nodes: Participants.fromRecord(nodes),
  };
  const stored = JSON.parse(JSON.stringify(state)) as StoredRollout;
  return { ...stored, nodes: Participants.fromRecord(stored.nodes) };
}
