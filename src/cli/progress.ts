// Progress on a terminal for long CLI commands: one self-overwriting stderr line, nothing at all in pipes.
import type { LoadStep } from "../fleet/load-fleet.js";

export interface Progress {
  /** Shows what is happening now, e.g. `reading the fleet`; the elapsed time is appended. */
  phase(text: string): void;
  /** Shows `text done/total`, at most every 100 ms. */
  count(text: string, done: number, total: number): void;
  /** Clears the line. Call before printing results. */
  done(): void;
}

const QUIET: Progress = { phase: () => undefined, count: () => undefined, done: () => undefined };

/**
 * A progress line on `stream` when it is a terminal (`isTTY`), a no-op otherwise, so pipes and files stay clean.
 * `now` is injectable for tests.
 */
export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  now: () => number = Date.now,
): Progress {
  if (stream.isTTY !== true) return QUIET;
  const started = now();
  let shown = false;
  let lastCount = 0;
  const show = (text: string): void => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    const seconds = ((now() - started) / 1000).toFixed(1);
    stream.write(`\r\x1b[K${`${text} (${seconds} s)`.slice(0, width)}`);
    shown = true;
  };
  return {
    phase: (text) => show(`${text}…`),
    count(text, done, total) {
      const t = now();
      if (done < total && t - lastCount < 100) return;
      lastCount = t;
      show(`${text} ${done}/${total}`);
    },
    done() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}

/** A loadFleet progress callback that counts manifest files read, then nodes validated, on `progress`. */
export function loadProgress(progress: Progress, prefix = ""): (step: LoadStep) => void {
  return (step) =>
    progress.count(
      `${prefix}${step.stage === "files" ? "reading manifests" : "validating nodes"}`,
      step.done + 1,
      step.total,
    );
}
