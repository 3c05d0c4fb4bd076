// A document's bytes kept as pieces of another document's where they are the same (a new revision of a node's
// document usually differs from the old in a few bytes), so holding the old one costs only what differs.

/** Bytes as pieces, sent one after the other. */
export type Pieces = readonly Buffer[];

const LARGEST = 4096;
/** Below this many shared bytes, sharing is not worth the pieces: the bytes are kept whole. */
const MIN_SHARED = 512;

/** How many leading bytes `a` and `b` have in common: blocks compared natively, halving at a difference. */
function commonPrefix(a: Buffer, b: Buffer): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  for (let block = LARGEST; block >= 16;) {
    if (i + block <= max && a.compare(b, i, i + block, i, i + block) === 0) i += block;
    else block >>= 1;
  }
  while (i < max && a[i] === b[i]) i++;
  return i;
}

/** How many trailing bytes `a` and `b` have in common, at most `max`. */
function commonSuffix(a: Buffer, b: Buffer, max: number): number {
  let n = 0;
  for (let block = LARGEST; block >= 16;) {
    if (
      n + block <= max &&
      a.compare(b, b.length - n - block, b.length - n, a.length - n - block, a.length - n) === 0
    )
      n += block;
    else block >>= 1;
  }
  while (n < max && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * `bytes` as pieces that, concatenated, are exactly `bytes`: the prefix and suffix it shares with `base` are views of
 * `base` (no copy), the rest is a copy of its own. `[bytes]` when they share too little. Cost: one pass over the
 * shared bytes (native comparisons), one copy of the rest.
 */
export function shareWith(bytes: Buffer, base: Buffer): Pieces {
  const prefix = commonPrefix(bytes, base);
  const suffix = commonSuffix(bytes, base, Math.min(bytes.length, base.length) - prefix);
  if (prefix + suffix < MIN_SHARED) return [bytes];
  const pieces: Buffer[] = [];
  if (prefix > 0) pieces.push(base.subarray(0, prefix));
  if (bytes.length - suffix > prefix) pieces.push(Buffer.from(bytes.subarray(prefix, bytes.length - suffix)));
  if (suffix > 0) pieces.push(base.subarray(base.length - suffix));
  return pieces;
}

/** The bytes of `pieces` in one buffer (the piece itself when there is one). */
export function joined(pieces: Pieces): Buffer {
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

/** How many bytes `pieces` hold. */
export function lengthOf(pieces: Pieces): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}
