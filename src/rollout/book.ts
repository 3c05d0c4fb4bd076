// The planner's bookkeeping of a rollout, kept up to date as participants change so a step costs what changed: per
// wave its members, how many nodes are at each step and where its next waiting node is; the deadlines still to come;
// the nodes to judge at the next step whatever was seen. Derived from the state alone (a full recount gives the same).
import { every, runAtOnce, type Sliced } from "../lib/slices.js";
import { DeadlineHeap } from "./deadline-heap.js";
import type { ParticipantsEditor } from "./participants.js";
import type { NodeStep, Participant, RolloutState } from "./state.js";

export const NODE_STEPS: readonly NodeStep[] = [
  "waiting",
  "switched",
  "healthy",
  "failed",
  "offline",
  "rolled-back",
];

export interface WaveBook {
  /** The wave's nodes, in the state's order. */
  members: string[];
  /** How many of them are at each step. */
  count: Record<NodeStep, number>;
  /** No member before this index is waiting (members only stop waiting once their wave is released). */
  cursor: number;
}

export interface Book {
  waves: WaveBook[];
  /** Every switched node's deadline (plus stale entries, recognised when due). */
  deadlines: DeadlineHeap;
  /** Nodes put on switched or healthy by anything but a judgement: judged at the next judgement whatever was seen. */
  pending: Set<string>;
  /** Judge every node at the next step (nothing is known of what was seen before). */
  full: boolean;
}

/** When a switched participant fails unless healthy by then. */
export function deadlineOf(p: Participant, deadlineMs: number): number | undefined {
  if (p.step !== "switched") return undefined;
  const since = p.unhealthySince ?? p.switchedAt;
  return since === undefined ? undefined : since + deadlineMs;
}

const zero = (): Record<NodeStep, number> => ({
  waiting: 0,
  switched: 0,
  healthy: 0,
  failed: 0,
  offline: 0,
  "rolled-back": 0,
});

/** The bookkeeping of `state` counted from scratch (every node to be judged at the next step). */
export function recount(state: RolloutState): Book {
  return runAtOnce(recountInSlices(state));
}

function* recountInSlices(state: RolloutState): Sliced<Book> {
  const waves: WaveBook[] = state.policy.waves.map(() => ({ members: [], count: zero(), cursor: 0 }));
  const deadlines = new DeadlineHeap();
  const turn = every(5000);
  for (const [name, p] of state.nodes) {
    if (turn()) yield;
    const w = waves[p.wave];
    if (w === undefined) continue;
    w.members.push(name);
    w.count[p.step]++;
    const at = deadlineOf(p, state.policy.health.deadlineMs);
    if (at !== undefined) deadlines.push(at, name);
  }
  return { waves, deadlines, pending: new Set(), full: true };
}

const books = new WeakMap<RolloutState, Book>();

/**
 * The bookkeeping of `state` for a step: the one its own step left (handed over: `state` keeps none, so stepping
 * `state` again counts afresh and gets the same answer), or a recount.
 */
export function* takeBook(state: RolloutState): Sliced<Book> {
  const kept = books.get(state);
  if (kept === undefined) return yield* recountInSlices(state);
  books.delete(state);
  return kept;
}

/** Leaves `book` with the state a step produced. */
export function keepBook(state: RolloutState, book: Book): void {
  books.set(state, book);
}

/** A state while a step decides: its header as data, its participants as a DraftNodes. */
export interface RolloutDraft extends Omit<RolloutState, "nodes"> {
  nodes: DraftNodes;
}

/** The participants of a step being taken: every replacement goes through `set`, which keeps the book true. */
export class DraftNodes {
  constructor(
    readonly table: ParticipantsEditor,
    readonly book: Book,
    private readonly deadlineMs: number,
  ) {}

  get(name: string): Participant | undefined {
    return this.table.get(name);
  }

  /** Every participant in order (the whole table: for rare actions and full judgements). */
  [Symbol.iterator](): IterableIterator<[string, Participant]> {
    return this.table[Symbol.iterator]();
  }

  /** `names` that take part, in the state's order. */
  inOrder(names: Iterable<string>): string[] {
    const positions: number[] = [];
    for (const n of names) {
      const i = this.table.position(n);
      if (i !== undefined) positions.push(i);
    }
    // A typed array sorts numerically, natively.
    return Array.from(Int32Array.from(positions).sort(), (i) => this.table.nameAt(i)!);
  }

  /** Replaces `name`'s participant by `next`; `judged`: by a judgement of what was seen (else judged next step). */
  set(name: string, next: Participant, judged = false): void {
    const old = this.table.get(name);
    if (old === undefined || old === next) return;
    this.table.set(name, next);
    const w = this.book.waves[next.wave];
    if (w !== undefined) {
      w.count[old.step]--;
      w.count[next.step]++;
      if (next.step === "waiting" && old.step !== "waiting") w.cursor = 0;
    }
    const at = deadlineOf(next, this.deadlineMs);
    if (at !== undefined && at !== deadlineOf(old, this.deadlineMs)) this.book.deadlines.push(at, name);
    if (!judged && (next.step === "switched" || next.step === "healthy")) this.book.pending.add(name);
  }
}

/**
 * Where the bookkeeping kept with `state` (by the step that produced it) differs from a full recount, or undefined
 * when it does not (for tests): members and counts per wave, no waiting member before a wave's cursor, a deadline
 * entry for every switched node. A state no step produced has nothing kept: nothing to differ.
 */
export function bookMismatch(state: RolloutState): string | undefined {
  const book = books.get(state);
  if (book === undefined) return undefined;
  const full = recount(state);
  for (const [i, w] of full.waves.entries()) {
    const kept = book.waves[i];
    if (kept === undefined) return `wave ${i}: not kept`;
    if (kept.members.join() !== w.members.join()) return `wave ${i}: members differ`;
    for (const s of NODE_STEPS)
      if (kept.count[s] !== w.count[s]) return `wave ${i}: ${s} kept ${kept.count[s]}, counted ${w.count[s]}`;
    const early = kept.members.slice(0, kept.cursor).find((n) => state.nodes.get(n)?.step === "waiting");
    if (early !== undefined) return `wave ${i}: ${early} waits before the cursor`;
  }
  const kept = new Set([...book.deadlines.entries()].map(([at, n]) => `${at} ${n}`));
  for (const [at, n] of full.deadlines.entries())
    if (!kept.has(`${at} ${n}`)) return `${n}: deadline ${at} not kept`;
  return undefined;
}
