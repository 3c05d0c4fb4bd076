// Rolling back: every node switched by a rollout is served its previous document again, and the rollout ends.
import { EventLog, nodeList } from "./events.js";
import type { RolloutDraft } from "./book.js";
import { servesNew, updateNodes, type Actor } from "./state.js";

/** Ends `draft` as rolled-back (mutated): every node served its new document goes back to its `from`. */
export function rollBack(draft: RolloutDraft, log: EventLog, actor: Actor, why: string): void {
  const back = updateNodes(draft, servesNew, (p) => ({ ...p, step: "rolled-back" }));
  draft.phase = "rolled-back";
  draft.reason = why;
  log.add(
    actor,
    "rolled-back",
    back.length === 0
      ? `rolled back (no node had been switched yet): ${why}`
      : `rolled back: ${nodeList(back)} ${back.length === 1 ? "gets its" : "get their"} previous document again; ${why}`,
    { nodes: back },
  );
}
