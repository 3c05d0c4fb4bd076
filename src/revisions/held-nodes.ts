// Which nodes are served another document than the current revision's, and whether this server has its bytes:
// pure functions over the rollout state, the fleets and the documents kept.
import type { CompiledFleet, CompiledNode } from "../fleet/load-fleet.js";
import type { HeldDocument } from "../rollout/document-pack.js";
import { servesNew, type Doc, type RolloutState } from "../rollout/state.js";

/** Nodes served another document than the current revision's: those whose bytes are here, and the others. */
export interface Wanted {
  held: Map<string, HeldDocument>;
  missing: Map<string, Doc>;
}

export const noneWanted = (): Wanted => ({ held: new Map(), missing: new Map() });

type EtagOf = (node: CompiledNode) => string;

/** Documents kept here, by ETag. */
interface Kept {
  get(etag: string): HeldDocument | undefined;
}

/** `node`'s document of `fleet`, as a held document. */
export function heldOf(fleet: CompiledFleet, node: CompiledNode, etagOf: EtagOf): HeldDocument {
  return { revision: fleet.revision, etag: etagOf(node), json: [node.json] };
}

/**
 * Of `names` (default: every node taking part), the nodes `state` serves a document that is not `fleet`'s and that
 * `kept` does not have, and those documents.
 */
export function missingByState(
  state: RolloutState | undefined,
  fleet: CompiledFleet | undefined,
  etagOf: EtagOf,
  kept: Kept,
  names?: Iterable<string>,
): Map<string, Doc> {
  const missing = new Map<string, Doc>();
  if (state === undefined || fleet === undefined) return missing;
  for (const name of names ?? state.nodes.keys()) {
    const p = state.nodes.get(name);
    if (p === undefined) continue;
    const doc: Doc = servesNew(p) ? p.to : p.from;
    const node = fleet.nodes.get(name);
    if (node !== undefined && doc.etag !== etagOf(node) && kept.get(doc.etag) === undefined)
      missing.set(name, doc);
  }
  return missing;
}

/** `wanted` with every missing document found in `kept` (by ETag) held. */
export function resolveWanted(wanted: Wanted, kept: Kept): Wanted {
  const held = new Map(wanted.held);
  const missing = new Map<string, Doc>();
  for (const [name, doc] of wanted.missing) {
    const found = kept.get(doc.etag);
    if (found !== undefined) held.set(name, found);
    else missing.set(name, doc);
  }
  return { held, missing };
}

/**
 * What each node of `fleet` whose bytes change was served just before it: its held document, the document it
 * waits for (a pending node was never served the previous revision), what the stored rollout gave it (the first
 * revision after a start), or its document of `previous`.
 */
export function servedBefore(
  fleet: CompiledFleet,
  previous: CompiledFleet | undefined,
  serving: Wanted,
  stored: Wanted | undefined,
  etagOf: EtagOf,
): Wanted {
  const before = noneWanted();
  for (const node of fleet.nodes.values()) {
    const etag = etagOf(node);
    const held = serving.held.get(node.name) ?? stored?.held.get(node.name);
    const pending = serving.missing.get(node.name) ?? stored?.missing.get(node.name);
    const prevNode = previous?.nodes.get(node.name);
    if (held !== undefined) {
      if (held.etag !== etag) before.held.set(node.name, held);
    } else if (pending !== undefined) {
      if (pending.etag !== etag) before.missing.set(node.name, pending);
    } else if (previous !== undefined && prevNode !== undefined) {
      const was = heldOf(previous, prevNode, etagOf);
      if (was.etag !== etag) before.held.set(node.name, was);
    }
  }
  return before;
}
