// A min-heap of (time, node): the switched nodes whose deadline may pass, so a step visits only those that are due.

/** Entries are never removed early: a stale one (the node moved on) is popped when due and judged to be stale. */
export class DeadlineHeap {
  private readonly at: number[] = [];
  private readonly names: string[] = [];

  get size(): number {
    return this.at.length;
  }

  push(at: number, name: string): void {
    let i = this.at.length;
    this.at.push(at);
    this.names.push(name);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent]! <= at) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns every node due at `now` (time <= now), earliest first. */
  popDue(now: number): string[] {
    const out: string[] = [];
    while (this.at.length > 0 && this.at[0]! <= now) out.push(this.pop());
    return out;
  }

  /** Every entry, in no particular order. */
  *entries(): IterableIterator<[number, string]> {
    for (let i = 0; i < this.at.length; i++) yield [this.at[i]!, this.names[i]!];
  }

  private pop(): string {
    const top = this.names[0]!;
    const lastAt = this.at.pop()!;
    const lastName = this.names.pop()!;
    if (this.at.length > 0) {
      this.at[0] = lastAt;
      this.names[0] = lastName;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.at.length && this.at[l]! < this.at[m]!) m = l;
        if (r < this.at.length && this.at[r]! < this.at[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private swap(i: number, j: number): void {
    [this.at[i], this.at[j]] = [this.at[j]!, this.at[i]!];
    [this.names[i], this.names[j]] = [this.names[j]!, this.names[i]!];
  }
}
