// Long computations written as generators that yield between slices of work: run at once where nothing waits on
// them (pure callers, tests), or a slice at a time in a server so requests are answered between slices.

/** A computation that yields between slices of its work and returns `T`. */
export type Sliced<T> = Generator<void, T, void>;

/** Runs `work` to its end at once. */
export function runAtOnce<T>(work: Sliced<T>): T {
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
  }
}

/** Runs `work` giving the event loop a turn once a slice of it has taken `sliceMs` or more. */
export async function runInSlices<T>(work: Sliced<T>, sliceMs = 10): Promise<T> {
  let started = performance.now();
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
    if (performance.now() - started >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
}

/** Yield once every `every` calls (a counter for loops inside a Sliced computation). */
export function every(n: number): () => boolean {
  let i = 0;
  return () => ++i % n === 0;
}

/** A value that writes itself as a JSON object from its entries (as its toJSON would), without building it. */
export interface JsonEntries {
  jsonEntries(): Iterable<readonly [string, unknown]>;
}

const hasEntries = (v: object): v is JsonEntries =>
  typeof (v as Partial<JsonEntries>).jsonEntries === "function";

/**
 * JSON.stringify(value) as UTF-8 bytes, built a slice at a time: objects and arrays down to `depth` levels are walked
 * (yielding every few hundred of their members), deeper values are stringified whole; text is turned into bytes 64 KiB at a
 * time. The same bytes as JSON.stringify for plain data (objects, arrays, strings, numbers, booleans, null, undefined
 * properties, toJSON methods, JsonEntries).
 */
export function* jsonInSlices(value: unknown, depth = 3): Sliced<Buffer[]> {
  const out = new JsonOut();
  if (!(yield* encode(value, depth, every(200), out))) out.push("null");
  return out.done();
}

/** jsonInSlices as one string (for tests and small values). */
export function* stringifyInSlices(value: unknown, depth = 3): Sliced<string> {
  return Buffer.concat(yield* jsonInSlices(value, depth)).toString("utf8");
}

class JsonOut {
  private text = "";
  private readonly chunks: Buffer[] = [];

  push(s: string): void {
    this.text += s;
    if (this.text.length >= 65_536) this.flush();
  }

  done(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.text.length > 0) this.chunks.push(Buffer.from(this.text, "utf8"));
    this.text = "";
  }
}

/** `v` after its toJSON, as JSON.stringify sees it. */
function resolved(v: unknown): unknown {
  return v !== null &&
    typeof v === "object" &&
    !hasEntries(v) &&
    typeof (v as { toJSON?: unknown }).toJSON === "function"
    ? (v as { toJSON: () => unknown }).toJSON()
    : v;
}

/** Writes `value` to `out`; false (nothing written) for what JSON.stringify leaves out (undefined, functions). */
function* encode(value: unknown, depth: number, turn: () => boolean, out: JsonOut): Sliced<boolean> {
  const v = resolved(value);
  if (depth === 0 || v === null || typeof v !== "object") {
    const s = JSON.stringify(v) as string | undefined;
    if (s !== undefined) out.push(s);
    return s !== undefined;
  }
  if (Array.isArray(v)) {
    out.push("[");
    let first = true;
    for (const x of v as unknown[]) {
      if (turn()) yield;
      if (!first) out.push(",");
      first = false;
      if (!(yield* encode(x, depth - 1, turn, out))) out.push("null");
    }
    out.push("]");
    return true;
  }
  out.push("{");
  let first = true;
  for (const [k, raw] of hasEntries(v) ? v.jsonEntries() : Object.entries(v)) {
    if (turn()) yield;
    const x = resolved(raw);
    if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
    out.push(`${first ? "" : ","}${JSON.stringify(k)}:`);
    first = false;
    if (!(yield* encode(x, depth - 1, turn, out))) out.push("null");
  }
  out.push("}");
  return true;
}
