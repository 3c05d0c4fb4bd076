// Collects the events of one planning step: every decision and operator action, with its time and actor.
import type { Actor, RolloutEvent } from "./state.js";

/** Node names listed in one event at most (the message says how many more). */
export const MAX_EVENT_NODES = 1000;

/** `a, b, c` or `a, b, c and 12 more`, showing at most `shown` names. */
export function nodeList(nodes: readonly string[], shown = 10): string {
  const head = nodes.slice(0, shown).join(", ");
  return nodes.length > shown ? `${head} and ${nodes.length - shown} more` : head;
}

export class EventLog {
  readonly events: RolloutEvent[] = [];
  constructor(
    private readonly rollout: string,
    private readonly now: number,
  ) {}

  add(
    actor: Actor,
    kind: RolloutEvent["kind"],
    message: string,
    extra: { wave?: string | undefined; nodes?: readonly string[] | undefined } = {},
  ): void {
    this.events.push({
      rollout: this.rollout,
      at: this.now,
      actor,
      kind,
      message,
      ...(extra.wave === undefined ? {} : { wave: extra.wave }),
      ...(extra.nodes === undefined ? {} : { nodes: extra.nodes.slice(0, MAX_EVENT_NODES) }),
    });
  }
}
