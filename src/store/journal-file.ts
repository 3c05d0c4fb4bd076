// The journal's framing: one record per line, `<checksum> <json>\n`, so a write cut short by a crash is detectable.
import { createHash } from "node:crypto";
import { jsonInSlices, type Sliced } from "../lib/slices.js";

/** 16 hex digits of the SHA-256 of the JSON text. */
function checksum(json: string): string {
  return createHash("sha256").update(json).digest("hex").slice(0, 16);
}

/** One record as the bytes appended to the journal, a slice at a time (a record of thousands of nodes is megabytes). */
export function* encodeInSlices(record: unknown): Sliced<Buffer> {
  const json = yield* jsonInSlices(record);
  const hash = createHash("sha256");
  for (const chunk of json) hash.update(chunk);
  return Buffer.concat([Buffer.from(`${hash.digest("hex").slice(0, 16)} `), ...json, Buffer.from("\n")]);
}

export interface DecodedJournal {
  records: unknown[];
  /** Bytes of whole, valid records from the start: the journal is cut back to this on open. */
  validBytes: number;
  /** True when bytes after the last whole record were dropped (a write cut short by a crash). */
  torn: boolean;
}

/** Thrown when a record in the middle of the journal is damaged: not a crash, so nothing is dropped silently. */
export class JournalCorruptError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = "JournalCorruptError";
  }
}

/**
 * Reads a journal's bytes. A damaged or unterminated last record is a torn write (dropped, `torn`); a damaged
 * record followed by valid ones throws JournalCorruptError naming its line. Pure.
 */
export function decodeJournal(bytes: Buffer): DecodedJournal {
  const records: unknown[] = [];
  let offset = 0;
  let line = 0;
  let bad: number | undefined;
  while (offset < bytes.length) {
    const end = bytes.indexOf(0x0a, offset);
    if (end < 0) break;
    line++;
    const text = bytes.subarray(offset, end).toString("utf8");
    const space = text.indexOf(" ");
    const json = text.slice(space + 1);
    let record: unknown;
    let ok = space === 16 && checksum(json) === text.slice(0, 16);
    if (ok)
      try {
        record = JSON.parse(json);
      } catch {
        ok = false;
      }
    if (!ok) {
      bad ??= line;
      offset = end + 1;
      continue;
    }
    if (bad !== undefined)
      throw new JournalCorruptError(
        bad,
        `record ${bad} of the journal is damaged, and valid records follow it`,
      );
    records.push(record);
    offset = end + 1;
  }
  const validBytes = bad === undefined ? offset : byteOffsetOfLine(bytes, bad);
  return { records, validBytes, torn: validBytes < bytes.length };
}

/** Byte offset where 1-based `line` starts. */
function byteOffsetOfLine(bytes: Buffer, line: number): number {
  let offset = 0;
  for (let i = 1; i < line; i++) offset = bytes.indexOf(0x0a, offset) + 1;
  return offset;
}
