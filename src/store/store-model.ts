// The embedded store's data in memory, the journal records that change it, and its snapshot form. Pure.
import { changedSince, Participants } from "../rollout/participants.js";
import type { Participant, RolloutEvent, RolloutState } from "../rollout/state.js";
import { KEPT_EVENTS, type EventQuery, type Json, type NodeRecordKind, type StoredEvent } from "./store.js";

export interface StoreModel {
  version: number;
  rollout: RolloutState | undefined;
  /** The latest events (at least KEPT_EVENTS once there are that many), oldest first. */
  events: StoredEvent[];
  nextSeq: number;
  records: Record<NodeRecordKind, Map<string, unknown>>;
}

type Header = Omit<RolloutState, "nodes">;

/** One transaction: a rollout change (as a delta of its nodes) with its events, or a batch of node records. */
export type JournalRecord =
  | {
      t: "rollout";
      version: number;
      header: Header | null;
      set: Record<string, Participant>;
      del: string[];
      events: StoredEvent[];
    }
  | { t: "records"; kind: NodeRecordKind; entries: Array<[string, Json]> };

/** A rollout as stored: its nodes as a plain object `{ name: participant }`. */
export type StoredRollout = Header & { nodes: Record<string, Participant> };

export interface Snapshot {
  format: 1;
  /** Which journal continues it: `journal-<generation>.log`. */
  generation: number;
  version: number;
  /** Written from the state (its table writes as a plain object), read back as a StoredRollout. */
  rollout: RolloutState | StoredRollout | null;
  events: StoredEvent[];
  nextSeq: number;
  records: Record<NodeRecordKind, Array<[string, unknown]>>;
}

export function emptyModel(): StoreModel {
  return {
    version: 0,
    rollout: undefined,
    events: [],
    nextSeq: 1,
    records: { fetch: new Map(), report: new Map() },
  };
}

/**
 * The record that moves `model` to `state` with `events`: only the nodes whose participant changed (by identity,
 * then by value) are written, so a step that touches a few nodes of 100,000 writes a few. For a state stepped from
 * the stored one, only the participants the step replaced are looked at.
 */
export function rolloutRecord(
  model: StoreModel,
  state: RolloutState | undefined,
  events: readonly RolloutEvent[],
): JournalRecord {
  const before = model.rollout?.nodes;
  const set: Record<string, Participant> = {};
  const del: string[] = [];
  let header: Header | null = null;
  const stepped = before === undefined || state === undefined ? undefined : changedSince(before, state.nodes);
  if (state !== undefined) {
    const { nodes, ...rest } = state;
    header = rest;
    for (const name of stepped ?? nodes.keys()) {
      const p = nodes.get(name)!;
      const old = before?.get(name);
      // A step replaces a participant only to change it: compared by value only when the state was not stepped.
      if (
        old !== p &&
        (old === undefined || stepped !== undefined || JSON.stringify(old) !== JSON.stringify(p))
      )
        set[name] = p;
    }
  }
  if (stepped === undefined)
    for (const name of before?.keys() ?? [])
      if (state === undefined || !state.nodes.has(name)) del.push(name);
  const numbered = events.map((e, i) => ({ ...e, seq: model.nextSeq + i }));
  return { t: "rollout", version: model.version + 1, header, set, del, events: numbered };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The participants of `before` with a record's deletions and replacements. */
function patched(
  before: Participants | undefined,
  set: Readonly<Record<string, Participant>>,
  del: readonly string[],
): Participants {
  const entries = Object.entries(set);
  if (before !== undefined && del.length === 0 && entries.every(([n]) => before.has(n))) {
    const edit = before.edit();
    for (const [n, p] of entries) edit.set(n, p);
    return edit.done();
  }
  const all = before?.toJSON() ?? {};
  for (const n of del) delete all[n];
  return Participants.fromRecord(Object.assign(all, set));
}

/**
 * Applies one journal record to `model` (mutated). Throws on a record this version cannot read. `state`: the state
 * the record was made from (rolloutRecord), kept as is instead of being rebuilt from the record.
 */
export function applyRecord(model: StoreModel, record: unknown, state?: RolloutState): void {
  if (!isRecord(record)) throw new Error("a journal record is not an object");
  if (record["t"] === "records") {
    const r = record as Extract<JournalRecord, { t: "records" }>;
    const map = model.records[r.kind];
    if (map === undefined) throw new Error(`unknown node record kind ${JSON.stringify(r.kind)}`);
    for (const [node, value] of r.entries) map.set(node, value);
    return;
  }
  if (record["t"] !== "rollout")
    throw new Error(`unknown journal record type ${JSON.stringify(record["t"])}`);
  const r = record as Extract<JournalRecord, { t: "rollout" }>;
  if (r.header === null) model.rollout = undefined;
  else model.rollout = state ?? { ...r.header, nodes: patched(model.rollout?.nodes, r.set, r.del) };
  model.version = r.version;
  model.events.push(...r.events);
  model.nextSeq += r.events.length;
  if (model.events.length > 2 * KEPT_EVENTS) model.events = model.events.slice(-KEPT_EVENTS);
}

export function snapshotOf(model: StoreModel, generation: number): Snapshot {
  return {
    format: 1,
    generation,
    version: model.version,
    // The nodes as the table itself: it writes as the same plain object (toJSON, or a slice at a time).
    rollout: model.rollout ?? null,
    events: model.events.slice(-KEPT_EVENTS),
    nextSeq: model.nextSeq,
    records: { fetch: [...model.records.fetch], report: [...model.records.report] },
  };
}

/** Entries serialised per piece of snapshotText: small enough that one piece blocks the event loop briefly. */
const PIECE = 1000;

/** `[k, v], …` (or `"k": v, …` for an object) of `entries`, in pieces of PIECE entries. */
function* pieces(entries: Iterable<[string, unknown]>, asObject: boolean): Generator<string> {
  let part: string[] = [];
  let first = true;
  const piece = () => {
    const text = (first ? "" : ",") + part.join(",");
    first = false;
    part = [];
    return text;
  };
  for (const [k, v] of entries) {
    const key = JSON.stringify(k);
    part.push(asObject ? `${key}:${JSON.stringify(v)}` : `[${key},${JSON.stringify(v)}]`);
    if (part.length === PIECE) yield piece();
  }
  if (part.length > 0) yield piece();
}

/**
 * JSON.stringify(snapshotOf(model, generation)) as pieces, so that 100,000 nodes' records (tens of MiB) are written
 * without one long pause: each piece is written before the next is made. `model` must not change meanwhile.
 */
export function* snapshotText(model: StoreModel, generation: number): Generator<string> {
  const head = {
    format: 1,
    generation,
    version: model.version,
    events: model.events.slice(-KEPT_EVENTS),
    nextSeq: model.nextSeq,
  };
  yield JSON.stringify(head).slice(0, -1);
  if (model.rollout === undefined) yield ',"rollout":null';
  else {
    const { nodes, ...header } = model.rollout;
    yield `,"rollout":${JSON.stringify(header).slice(0, -1)}${Object.keys(header).length > 0 ? "," : ""}"nodes":{`;
    yield* pieces(
      (function* () {
        for (const entry of nodes.jsonEntries()) yield entry;
      })(),
      true,
    );
    yield "}}";
  }
  yield ',"records":{"fetch":[';
  yield* pieces(model.records.fetch, false);
  yield '],"report":[';
  yield* pieces(model.records.report, false);
  yield "]}}";
}

/** The model a snapshot holds; throws when it is not one this version wrote. */
export function modelFromSnapshot(value: unknown): { model: StoreModel; generation: number } {
  if (!isRecord(value) || value["format"] !== 1 || typeof value["generation"] !== "number")
    throw new Error("the snapshot is not a format-1 state snapshot");
  const s = value as unknown as Snapshot;
  return {
    generation: s.generation,
    model: {
      version: s.version,
      rollout:
        s.rollout === null
          ? undefined
          : {
              ...s.rollout,
              nodes: Participants.fromRecord(s.rollout.nodes as Record<string, Participant>),
            },
      events: s.events,
      nextSeq: s.nextSeq,
      records: { fetch: new Map(s.records.fetch), report: new Map(s.records.report) },
    },
  };
}

/** The events of `model` that `query` asks for, oldest first. */
export function selectEvents(model: StoreModel, query: EventQuery = {}): StoredEvent[] {
  const after = query.afterSeq ?? 0;
  const out = model.events.filter(
    (e) => e.seq > after && (query.rollout === undefined || e.rollout === query.rollout),
  );
  return out.slice(0, query.limit ?? 1000);
}
