// Timer delays that Node can honour: setTimeout turns anything above 2^31−1 ms into 1 ms.

/** The longest delay setTimeout keeps (about 24.8 days); longer ones fire after 1 ms with a warning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` clamped to [0, MAX_TIMER_MS] (NaN becomes 0), so a huge computed delay waits long instead of not at all. */
export function clampDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
