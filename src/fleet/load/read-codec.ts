// A read sent from a reader thread in bounded chunks, rebuilt one chunk per turn of the event loop: copying a whole
// large pod between threads at once (structured clone) would itself stall the loop for hundreds of milliseconds.
import { ExactInteger } from "../../lib/exact-integer.js";

/** Values per chunk: each chunk rebuilds in a few milliseconds. */
export const VALUES_PER_CHUNK = 16_384;

/**
 * Part of an encoded value: one op per value, and each op's data in order (the key first inside an object, then
 * the op's own datum: the primitive, a length, a reference or an integer's digits).
 */
export interface GraphChunk {
  ops: Uint8Array;
  data: unknown[];
}

const VALUE = 0;
const UNDEFINED = 1;
const ARRAY = 2;
const OBJECT = 3;
const MAP = 4;
const REF = 5;
const EXACT = 6;

/**
 * Encodes `root` (plain objects, arrays, Maps, ExactIntegers, primitives; objects seen twice are sent once and
 * referenced after) into chunks of VALUES_PER_CHUNK values. Throws for anything else (a class it cannot rebuild).
 */
export function encodeGraph(root: unknown, valuesPerChunk = VALUES_PER_CHUNK): GraphChunk[] {
  const chunks: GraphChunk[] = [];
  let ops: number[] = [];
  let data: unknown[] = [];
  const ids = new Map<object, number>();
  const emit = (op: number, key: string | undefined, ...datum: unknown[]): void => {
    if (ops.length >= valuesPerChunk) {
      chunks.push({ ops: Uint8Array.from(ops), data });
      ops = [];
      data = [];
    }
    ops.push(op);
    if (key !== undefined) data.push(key);
    for (const d of datum) data.push(d);
  };
  const write = (v: unknown, key: string | undefined): void => {
    if (v === undefined) return emit(UNDEFINED, key);
    if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "bigint"))
      return emit(VALUE, key, v);
    if (typeof v !== "object") throw new TypeError(`cannot send a ${typeof v}`);
    const id = ids.get(v);
    if (id !== undefined) return emit(REF, key, id);
    ids.set(v, ids.size);
    if (v instanceof ExactInteger) return emit(EXACT, key, v.text);
    if (Array.isArray(v)) {
      emit(ARRAY, key, v.length);
      for (const item of v as unknown[]) write(item, undefined);
    } else if (v instanceof Map) {
      emit(MAP, key, v.size);
      for (const [k, item] of v as Map<unknown, unknown>) {
        write(k, undefined);
        write(item, undefined);
      }
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      const keys = Object.keys(v);
      emit(OBJECT, key, keys.length);
      for (const k of keys) write((v as Record<string, unknown>)[k], k);
    } else throw new TypeError(`cannot send a ${v.constructor?.name ?? "null-prototype object"}`);
  };
  write(root, undefined);
  chunks.push({ ops: Uint8Array.from(ops), data });
  return chunks;
}

interface Frame {
  kind: typeof ARRAY | typeof OBJECT | typeof MAP;
  target: unknown[] | Record<string, unknown> | Map<unknown, unknown>;
  remaining: number;
  /** A Map's key read, waiting for its value. */
  key?: { value: unknown };
}

/** Rebuilds what encodeGraph encoded, a chunk at a time, in order: shared objects shared again, keys as own keys. */
export class GraphReader {
  private readonly refs: unknown[] = [];
  private readonly stack: Frame[] = [];
  private root: { value: unknown } | undefined;

  /** The value, once every chunk has been read. */
  get result(): { value: unknown } | undefined {
    return this.root;
  }

  read(chunk: GraphChunk): void {
    const { ops, data } = chunk;
    let d = 0;
    for (const op of ops) {
      const top = this.stack.at(-1);
      const key = top?.kind === OBJECT ? (data[d++] as string) : undefined;
      let value: unknown;
      let frame: Frame | undefined;
      if (op === VALUE) value = data[d++];
      else if (op === UNDEFINED) value = undefined;
      else if (op === REF) value = this.refs[data[d++] as number];
      else if (op === EXACT) this.refs.push((value = new ExactInteger(BigInt(data[d++] as string))));
      else {
        const remaining = data[d++] as number;
        const target = op === ARRAY ? [] : op === MAP ? new Map() : {};
        this.refs.push((value = target));
        if (remaining > 0) frame = { kind: op as Frame["kind"], target, remaining };
      }
      this.place(top, key, value);
      if (frame !== undefined) this.stack.push(frame);
    }
  }

  private place(top: Frame | undefined, key: string | undefined, value: unknown): void {
    if (top === undefined) {
      this.root = { value };
      return;
    }
    if (top.kind === ARRAY) (top.target as unknown[]).push(value);
    else if (top.kind === OBJECT) {
      const target = top.target as Record<string, unknown>;
      // An own "__proto__" key, as the readers create it (an assignment would set the prototype instead).
      if (key === "__proto__")
        Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
      else target[key!] = value;
    } else if (top.key === undefined) {
      top.key = { value };
      return;
    } else {
      (top.target as Map<unknown, unknown>).set(top.key.value, value);
      top.key = undefined;
    }
    // A container is placed in its parent when it starts, so one that is full now has no open parent to close.
    if (--top.remaining === 0) this.stack.pop();
  }
}
