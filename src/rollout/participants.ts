// The nodes taking part in a rollout, by name, as a persistent table: a step that replaces k participants builds a
// new table sharing every untouched chunk with the old one, so its cost follows k, not the fleet's size.
import type { Participant } from "./state.js";

const SHIFT = 8;
const CHUNK = 1 << SHIFT;

/** One serial per table, so a table can say which one it was edited from without keeping it alive. */
let serials = 0;

/**
 * An immutable map of participants in a fixed order (the order they were given in: by name when a rollout starts).
 * The set of names never changes after creation; `edit()` replaces participants. Serialises (JSON) as a plain
 * object `{ name: participant }`, the form stored by every version of the state store.
 */
export class Participants implements Iterable<[string, Participant]> {
  // Private fields: two tables of equal participants are deeply equal whatever their history.
  readonly #serial = ++serials;
  readonly #base: { serial: number; changed: readonly string[] } | undefined;

  private constructor(
    /** Names in order, and each name's position: shared by every table edited from the same origin. */
    private readonly names: readonly string[],
    private readonly positions: ReadonlyMap<string, number>,
    private readonly chunks: ReadonlyArray<readonly Participant[]>,
    base?: { serial: number; changed: readonly string[] },
  ) {
    this.#base = base;
  }

  get serial(): number {
    return this.#serial;
  }

  /** The table this one was edited from (its serial), and the names whose participant that edit replaced. */
  get base(): { serial: number; changed: readonly string[] } | undefined {
    return this.#base;
  }

  /** A table of `entries` in their order; a name given twice keeps its last participant at its first place. */
  static of(entries: Iterable<readonly [string, Participant]>): Participants {
    const positions = new Map<string, number>();
    const names: string[] = [];
    const values: Participant[] = [];
    for (const [name, p] of entries) {
      const at = positions.get(name);
      if (at !== undefined) values[at] = p;
      else {
        positions.set(name, names.length);
        names.push(name);
        values.push(p);
      }
    }
    const chunks: Participant[][] = [];
    for (let i = 0; i < values.length; i += CHUNK) chunks.push(values.slice(i, i + CHUNK));
    return new Participants(names, positions, chunks);
  }

  /**
   * A table of a plain object's entries (as stored), sorted by name: the order a rollout gives its nodes when it
   * starts (an object's own order puts integer-like keys first).
   */
  static fromRecord(record: Readonly<Record<string, Participant>>): Participants {
    return Participants.of(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  get size(): number {
    return this.names.length;
  }

  get(name: string): Participant | undefined {
    const i = this.positions.get(name);
    return i === undefined ? undefined : this.chunks[i >> SHIFT]![i & (CHUNK - 1)];
  }

  has(name: string): boolean {
    return this.positions.has(name);
  }

  /** The place of `name` in the table's order, or undefined when it takes no part. */
  position(name: string): number | undefined {
    return this.positions.get(name);
  }

  /** The name at `position` in the table's order. */
  nameAt(position: number): string | undefined {
    return this.names[position];
  }

  keys(): IterableIterator<string> {
    return this.names.values();
  }

  *values(): IterableIterator<Participant> {
    for (const chunk of this.chunks) yield* chunk;
  }

  *[Symbol.iterator](): IterableIterator<[string, Participant]> {
    let i = 0;
    for (const chunk of this.chunks) for (const p of chunk) yield [this.names[i++]!, p];
  }

  /** The stored form's entries, for JSON written a slice at a time (lib/slices). */
  jsonEntries(): Iterable<[string, Participant]> {
    return this;
  }

  /** The stored form: a plain object in the table's order. */
  toJSON(): Record<string, Participant> {
    const out: Record<string, Participant> = {};
    for (const [name, p] of this) out[name] = p;
    return out;
  }

  /** An editor starting from this table (this table never changes). */
  edit(): ParticipantsEditor {
    return new ParticipantsEditor(this, this.chunks, (chunks, changed) =>
      chunks === this.chunks
        ? this
        : new Participants(this.names, this.positions, chunks, { serial: this.serial, changed }),
    );
  }
}

/**
 * The names whose participant differs between `before` and `after` when `after` was edited from `before` in one
 * edit (a planner step), else undefined (compare them whole).
 */
export function changedSince(before: Participants, after: Participants): readonly string[] | undefined {
  if (after === before) return [];
  return after.base?.serial === before.serial ? after.base.changed : undefined;
}

/** Copy-on-write edits of a table: a chunk is copied the first time one of its participants is replaced. */
export class ParticipantsEditor {
  private chunks: Array<readonly Participant[]> | undefined;
  private readonly copied = new Set<number>();
  private readonly changed = new Set<string>();

  constructor(
    private readonly origin: Participants,
    private readonly originChunks: ReadonlyArray<readonly Participant[]>,
    private readonly build: (
      chunks: ReadonlyArray<readonly Participant[]>,
      changed: string[],
    ) => Participants,
  ) {}

  get size(): number {
    return this.origin.size;
  }

  get(name: string): Participant | undefined {
    if (this.chunks === undefined) return this.origin.get(name);
    const i = this.origin.position(name);
    return i === undefined ? undefined : this.chunks[i >> SHIFT]![i & (CHUNK - 1)];
  }

  position(name: string): number | undefined {
    return this.origin.position(name);
  }

  nameAt(position: number): string | undefined {
    return this.origin.nameAt(position);
  }

  keys(): IterableIterator<string> {
    return this.origin.keys();
  }

  *[Symbol.iterator](): IterableIterator<[string, Participant]> {
    for (const name of this.origin.keys()) yield [name, this.get(name)!];
  }

  /** Replaces the participant of `name`; throws when `name` takes no part (a rollout's set of nodes is fixed). */
  set(name: string, p: Participant): void {
    const i = this.origin.position(name);
    if (i === undefined) throw new Error(`${name} takes no part in this rollout`);
    this.chunks ??= [...this.originChunks];
    const c = i >> SHIFT;
    if (!this.copied.has(c)) {
      this.chunks[c] = [...this.chunks[c]!];
      this.copied.add(c);
    }
    (this.chunks[c] as Participant[])[i & (CHUNK - 1)] = p;
    this.changed.add(name);
  }

  /** The names replaced so far. */
  get replaced(): ReadonlySet<string> {
    return this.changed;
  }

  /** The edited table (the origin itself when nothing was replaced). */
  done(): Participants {
    return this.build(this.chunks ?? this.originChunks, [...this.changed]);
  }
}
