// The nodes a new revision changes, as a publication lists them: what lets a replica keep serving the others while
// it switches to that revision or loads it.
import type { CompiledFleet } from "../fleet/load-fleet.js";
import type { NodeChanges } from "./gate.js";

/** A revision changing more nodes than this is published as changing any node (the list stays small). */
const MAX_LISTED_CHANGES = 10_000;

/** The nodes whose document differs between `from` (publication `base`'s revision) and `to`; null: too many. */
export function nodeChanges(base: number, from: CompiledFleet, to: CompiledFleet): NodeChanges | null {
  const nodes = changedNodes(from, to);
  return nodes.size > MAX_LISTED_CHANGES ? null : { base, nodes };
}

/** The nodes of `a` or `b` whose document bytes differ (or that only one has). */
function changedNodes(a: CompiledFleet, b: CompiledFleet): Set<string> {
  const changed = new Set<string>();
  for (const [name, node] of b.nodes)
    if (a.nodes.get(name)?.json.equals(node.json) !== true) changed.add(name);
  for (const name of a.nodes.keys()) if (!b.nodes.has(name)) changed.add(name);
  return changed;
}
