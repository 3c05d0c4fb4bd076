// Held documents made to share their bytes with the current revision: a node held on its previous document then costs
// what differs between its two documents, not a second copy (a change of one image tag on every node of a large fleet
// would otherwise keep every document twice).
import type { CompiledFleet } from "../fleet/load-fleet.js";
import { joined, shareWith } from "../lib/shared-bytes.js";
import type { HeldDocument } from "../rollout/document-pack.js";

/**
 * `held` (node → document) with each document's bytes shared with `fleet`'s document of that node where they are
 * the same (the bytes sent do not change). Works `sliceMs` at a time, giving the event loop a turn between slices.
 */
export async function shareHeld(
  held: ReadonlyMap<string, HeldDocument>,
  fleet: CompiledFleet,
  sliceMs = 10,
): Promise<Map<string, HeldDocument>> {
  const out = new Map<string, HeldDocument>();
  let started = performance.now();
  for (const [name, doc] of held) {
    const base = fleet.nodes.get(name)?.json;
    out.set(name, base === undefined ? doc : { ...doc, json: shareWith(joined(doc.json), base) });
    if (performance.now() - started >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
  return out;
}
