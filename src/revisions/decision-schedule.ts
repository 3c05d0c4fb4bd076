// When stored rollout decisions take effect on this server. On replicas the store gives each decision that changes
// served documents a time (its clock), the same for every replica: until then its nodes keep what they had, and
// while this server cannot tell whether that time has passed, they are refused rather than guessed.
import type { CompiledFleet, CompiledNode } from "../fleet/load-fleet.js";
import type { HeldDocument } from "../rollout/document-pack.js";
import {
  nextEffective,
  notYetEffective,
  straddles,
  type PendingServing,
  type TimeBounds,
} from "../rollout/serving.js";

export class DecisionSchedule {
  /** When the next pending decision takes effect (store clock). */
  private next: number | undefined;
  /** Nodes whose document until a pending decision takes effect is not kept here. */
  private unknown = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * `dbTime`: the store's clock (undefined: decisions apply at once); `due`: called when a pending decision
   * has surely taken effect (the caller recomputes its holds, calling `apply` again).
   */
  constructor(
    private readonly dbTime: (() => TimeBounds | undefined) | undefined,
    private readonly due: () => void,
  ) {}

  /**
   * Changes `held` (what the latest stored state holds, by node) into what is served now: each node of a decision
   * not yet effective keeps the document it had before it (`docOf` finds kept documents by ETag; a node whose
   * document is its revision's own is not held). Arms the switch to the next decision.
   */
  apply(
    held: Map<string, HeldDocument>,
    pending: readonly PendingServing[],
    fleet: CompiledFleet | undefined,
    docOf: (etag: string) => HeldDocument | undefined,
    etagOf: (node: CompiledNode) => string,
  ): void {
    this.unknown = new Set();
    this.next = undefined;
    clearTimeout(this.timer);
    if (pending.length === 0 || fleet === undefined) return;
    // Without the clock (not read yet), no pending decision counts as effective.
    const at = this.dbTime?.()?.lower ?? -Infinity;
    for (const [name, doc] of notYetEffective(pending, at)) {
      const node = fleet.nodes.get(name);
      if (node === undefined) continue;
      if (doc.etag === etagOf(node)) {
        held.delete(name);
        continue;
      }
      const kept = docOf(doc.etag);
      if (kept !== undefined) held.set(name, kept);
      else this.unknown.add(name);
    }
    // Without the clock, the first request that has it switches (the earliest decision may be due by then).
    this.next = nextEffective(pending, at);
    if (this.next !== undefined && Number.isFinite(at)) this.arm(this.next - at);
  }

  /**
   * True while a decision changing `node` may or may not be effective at `now`, or while the document it keeps
   * until then is not kept here. Calls `due` first when a decision has surely taken effect.
   */
  unsure(node: string, now: TimeBounds, pending: readonly PendingServing[]): boolean {
    if (this.next !== undefined && this.next <= now.lower) this.due();
    return this.unknown.has(node) || straddles(pending, node, now);
  }

  close(): void {
    clearTimeout(this.timer);
  }

  /** Switches once the next decision is due (requests switch too, as soon as they see it is). */
  private arm(inMs: number): void {
    this.timer = setTimeout(
      () => {
        const now = this.dbTime?.();
        if (now === undefined || this.next === undefined) return;
        if (this.next <= now.lower) this.due();
        else this.arm(this.next - now.lower);
      },
      Math.max(1, inMs + 1),
    );
    this.timer.unref();
  }
}
