// Which publication this replica knew of at a past local time: the base a fetch's proposal is judged against.

/** Learned publication numbers by local monotonic time; keeps the last few minutes. */
export class SeqHistory {
  private readonly entries: Array<{ at: number; seq: number }> = [];

  /** A read that began at local time `at` found `seq` as the latest publication. */
  learned(at: number, seq: number): void {
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && seq <= last.seq) return;
    this.entries.push({ at, seq });
    const horizon = at - 600_000;
    while (this.entries.length > 1 && (this.entries[1]?.at ?? Infinity) < horizon) this.entries.shift();
  }

  /** The latest publication known by local time `at` (0: none known). */
  knownAt(at: number): number {
    let seq = 0;
    for (const e of this.entries) {
      if (e.at > at) break;
      seq = e.seq;
    }
    return seq;
  }

  /** The latest publication known now. */
  get latest(): number {
    return this.entries[this.entries.length - 1]?.seq ?? 0;
  }
}
