// Durations on the command line and in fleet.yaml: `20s`, `5m`, `1h`, `500ms`, `1m30s`, or a bare number of seconds.
import { MAX_TIMER_MS } from "./timers.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration accepted: Node.js timers cannot wait longer (a longer one would fire after 1 ms). */
export const MAX_DURATION_MS = MAX_TIMER_MS;

/**
 * Parses a duration to whole milliseconds, 0 to MAX_DURATION_MS (about 24.8 days). Throws a plain Error naming the
 * accepted forms when the text is not a duration, or the bound when it is longer.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Math.round(Number(trimmed) * 1000);
  else {
    const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) {
      throw new Error(`"${text}" is not a duration: use e.g. 20s, 500ms, 5m, 1h or 1m30s`);
    }
    ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? "s"] ?? 1000), 0));
  }
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS)
    throw new Error(
      `"${text.slice(0, 40)}" is too long: durations are at most ${MAX_DURATION_MS} ms (about 24 days, the longest timer Node.js can set)`,
    );
  return ms;
}

/** A duration for people, the way parseDuration reads it back: `45s`, `10m`, `1h5m`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h > 0 ? `${h}h` : "", m > 0 ? `${m}m` : "", s > 0 ? `${s}s` : ""].join("");
}
