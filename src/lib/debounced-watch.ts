// Watch folders and call back once things have been quiet for a while: editors, Secrets and git-sync write in bursts.
import { watch as fsWatch, type FSWatcher } from "node:fs";

export interface WatchTarget {
  dir: string;
  /** Watch the whole tree below `dir`. Default false. */
  recursive?: boolean;
  /** Only events whose file name passes count (a null name, when the platform gives none, always counts). */
  accept?: (name: string) => boolean;
}

/**
 * An `accept` for files replaced in place or through Kubernetes' `..data` symlink swap: the given names, and any
 * name starting with `..`.
 */
export function acceptNames(names: readonly string[]): (name: string) => boolean {
  const set = new Set(names);
  return (name) => set.has(name) || name.startsWith("..");
}

export interface DebouncedWatch {
  /** Re-creates the watchers (e.g. after a symlinked folder was switched to a new target). */
  rewatch(targets: readonly WatchTarget[]): void;
  /** Calls `onChange` after the quiet period, as an event would (for signals and fallback checks). */
  poke(): void;
  close(): void;
}

/**
 * Watches `targets` and calls `onChange` once no accepted event came for `quietMs`. `onUnwatchable` is told about a
 * folder that cannot be watched (the caller falls back to signals or polling). Never throws from an event.
 */
export function watchDebounced(
  targets: readonly WatchTarget[],
  quietMs: number,
  onChange: () => void,
  onUnwatchable: (dir: string, error: unknown) => void = () => undefined,
): DebouncedWatch {
  let timer: NodeJS.Timeout | undefined;
  let watchers: FSWatcher[] = [];
  let closed = false;
  const poke = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, quietMs);
    timer.unref();
  };
  // The new watchers are opened before the old ones close: a folder watched by both is never unwatched in between,
  // so an event (a symlink switched) cannot fall into the gap.
  const open = (list: readonly WatchTarget[]): void => {
    const old = watchers;
    watchers = [];
    for (const t of list)
      try {
        const w = fsWatch(t.dir, { recursive: t.recursive === true }, (_event, name) => {
          if (name === null || t.accept === undefined || t.accept(name)) poke();
        });
        w.on("error", () => undefined);
        watchers.push(w);
      } catch (e) {
        onUnwatchable(t.dir, e);
      }
    for (const w of old) w.close();
  };
  open(targets);
  return {
    rewatch: (list) => {
      if (!closed) open(list);
    },
    poke,
    close: () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const w of watchers) w.close();
      watchers = [];
    },
  };
}
