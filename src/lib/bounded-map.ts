// A Map with a size bound that forgets the least recently set key: per-node state that hostile input cannot grow.
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  private readonly changeListeners: Array<(key: K) => void> = [];

  constructor(readonly max: number) {}

  /** Sets `key` as the most recent entry; beyond `max` keys the least recently set one is dropped. */
  set(key: K, value: V): void {
    if (!this.map.delete(key) && this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) {
        this.map.delete(oldest.value);
        for (const l of this.changeListeners) l(oldest.value);
      }
    }
    this.map.set(key, value);
    for (const l of this.changeListeners) l(key);
  }

  /** Subscribes to every change of an entry (set or dropped), with its key; listeners must be cheap. */
  onChange(listener: (key: K) => void): void {
    this.changeListeners.push(listener);
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }
}
