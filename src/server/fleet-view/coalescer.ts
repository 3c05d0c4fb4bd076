// Latest-per-node records on their way to a store: only what says something new, or refreshes an old row. Pure.

/** Latest-per-node records waiting to be written, against the last one written (or read) of each node. */
export class Coalescer<T> {
  readonly pending = new Map<string, T>();
  readonly stored = new Map<string, T>();

  constructor(
    private readonly same: (a: T, b: T) => boolean,
    private readonly at: (r: T) => number,
  ) {}

  /** Pending when it says something new, or the stored one is `refreshMs` old. A Map lookup and at most one write. */
  note(node: string, record: T, refreshMs: number): void {
    const last = this.stored.get(node);
    if (last === undefined || !this.same(last, record) || this.at(record) - this.at(last) >= refreshMs)
      this.pending.set(node, record);
  }

  /** The pending records, now in flight. */
  take(): Array<[string, T]> {
    const out = [...this.pending];
    this.pending.clear();
    return out;
  }

  /** `batch` is stored. */
  written(batch: ReadonlyArray<[string, T]>): void {
    for (const [node, r] of batch) this.stored.set(node, r);
  }

  /** `batch` failed: pending again, unless something newer for the node arrived meanwhile. */
  failed(batch: ReadonlyArray<[string, T]>): void {
    for (const [node, r] of batch) if (!this.pending.has(node)) this.pending.set(node, r);
  }

  /** A record read from the store (newer than what is known as stored) is stored. */
  read(node: string, record: T): void {
    const last = this.stored.get(node);
    if (last === undefined || this.at(last) < this.at(record)) this.stored.set(node, record);
  }
}
