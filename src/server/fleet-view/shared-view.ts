// The fleet view kept in the state store: this server's fetches and reports written (coalesced, batched) and read back.
// Several replicas on PostgreSQL read each other's records continuously; a single server is a replica set of one: it
// writes to the journal under --state-dir and reads it back once, at start, so a restart shows the same fleet.
import type { Logger } from "../../lib/logger.js";
import { messageOf } from "../../lib/errors.js";
import type { Json, NodeRecordKind } from "../../store/store.js";
import { parseReport, type AgentReports, type StoredReport } from "./agent-reports.js";
import { Coalescer } from "./coalescer.js";
import type { ClientKind, FetchLedger, FetchRecord } from "./fetch-ledger.js";

/** The part of a state store this needs: batched writes, a full read, and (shared stores) what changed since. */
export interface NodeRecordStore {
  putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void>;
  readNodeRecords(kind: NodeRecordKind): Promise<Map<string, unknown>>;
  /**
   * What others wrote after a cursor (0: everything). Absent when this process is the store's only writer (the
   * embedded journal, locked to one process): its records are then read once, at start.
   */
  readNodeRecordsSince?(
    kind: NodeRecordKind,
    cursor: number,
  ): Promise<{ records: Map<string, unknown>; cursor: number }>;
}

export interface SharedViewOptions {
  store: NodeRecordStore;
  ledger: FetchLedger;
  reports: AgentReports;
  logger: Logger;
  /** Pending records are written this often, in one batch per kind. Default 250 ms. */
  flushMs?: number;
  /** Others' records are read back this often (shared stores only). Default 400 ms. */
  pullMs?: number;
  /** An unchanged fetch or report refreshes the stored "last seen" at most this often. Default 60 s. */
  refreshMs?: number;
  /** What this is, for the log when it fails and recovers. Default: sharing … through the database. */
  what?: string;
}

/** What was written, for the README's measurement and /status. */
export interface SharedViewCounters {
  fetchesSeen: number;
  reportsSeen: number;
  rowsWritten: number;
  batches: number;
  failedBatches: number;
}

const CLIENTS: readonly string[] = ["kubelet", "manifest-agent", "other"];

/** A fetch record as stored, or undefined when the stored value is not one. */
export function asFetchRecord(v: unknown): FetchRecord | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const str = (k: string) => typeof r[k] === "string";
  if (typeof r["at"] !== "number" || typeof r["status"] !== "number") return undefined;
  if (!str("etag") || !str("revision") || !str("format") || !str("address") || !str("userAgent"))
    return undefined;
  if (!CLIENTS.includes(r["client"] as string)) return undefined;
  return { ...(r as unknown as FetchRecord), client: r["client"] as ClientKind };
}

/** A stored agent report, validated like a received one, or undefined. */
export function asStoredReport(v: unknown): StoredReport | undefined {
  const parsed = parseReport(v);
  if (!parsed.ok || typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const receivedAt = r["receivedAt"];
  if (
    typeof receivedAt !== "number" ||
    typeof r["address"] !== "string" ||
    typeof r["userAgent"] !== "string"
  )
    return undefined;
  return { ...parsed.report, receivedAt, address: r["address"], userAgent: r["userAgent"] };
}

/** Same report content (what the agent said), whenever and from wherever it came. */
function sameReport(a: StoredReport, b: StoredReport): boolean {
  return (
    a.revision === b.revision &&
    a.etag === b.etag &&
    a.converged === b.converged &&
    JSON.stringify(a.pods) === JSON.stringify(b.pods) &&
    JSON.stringify(a.errors) === JSON.stringify(b.errors)
  );
}

const sameFetch = (a: FetchRecord, b: FetchRecord): boolean =>
  a.etag === b.etag && a.status === b.status && a.client === b.client;

/**
 * Keeps the ledger and reports in the store. A fetch or a report is written when it differs from the last stored one
 * of its node (a fetch: ETag, status or client; a report: revision, ETag, pods, errors) or that one is older than
 * `refreshMs`: a node polling every 20 s costs one row a minute, whichever replica answers. Records wait at most
 * `flushMs` and are written in one batch (one transaction) per kind.
 */
export class SharedFleetView {
  private readonly fetches = new Coalescer<FetchRecord>(sameFetch, (r) => r.at);
  private readonly reported = new Coalescer<StoredReport>(sameReport, (r) => r.receivedAt);
  private readonly cursors: Record<NodeRecordKind, number> = { fetch: 0, report: 0 };
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | undefined;
  private pulling: Promise<void> | undefined;
  private failing = false;
  readonly counters: SharedViewCounters = {
    fetchesSeen: 0,
    reportsSeen: 0,
    rowsWritten: 0,
    batches: 0,
    failedBatches: 0,
  };

  constructor(private readonly options: SharedViewOptions) {
    options.ledger.onServed((node, record) => this.noteFetch(node, record));
    options.reports.onReceive((node, report) => this.noteReport(node, report));
  }

  /** Reads everything stored so far, then keeps writing (and, on a shared store, reading) in the background. */
  async start(): Promise<void> {
    await this.pull().catch((e: unknown) => this.report(e));
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((e: unknown) => this.report(e)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.flushMs ?? 250, () => this.flush());
    if (this.options.store.readNodeRecordsSince !== undefined)
      every(this.options.pullMs ?? 400, () => this.pull());
  }

  /** Stops the timers and writes what is pending (once; failures are logged). */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.flush().catch((e: unknown) => this.report(e));
  }

  /** The hot path's part: a Map lookup and at most one Map write. */
  noteFetch(node: string, record: FetchRecord): void {
    this.counters.fetchesSeen++;
    this.fetches.note(node, record, this.options.refreshMs ?? 60_000);
  }

  /** A report received (agents send one after every pass, so unchanged ones are coalesced like fetches). */
  noteReport(node: string, report: StoredReport): void {
    this.counters.reportsSeen++;
    this.reported.note(node, report, this.options.refreshMs ?? 60_000);
  }

  /** Writes the pending records, one batch per kind; on failure they stay pending for the next try. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Merges what is stored (on a shared store: what others stored since the last read) into the ledger and reports. */
  pull(): Promise<void> {
    this.pulling ??= this.pullOnce().finally(() => {
      this.pulling = undefined;
    });
    return this.pulling;
  }

  private async flushOnce(): Promise<void> {
    const fetches = this.fetches.take();
    const reports = this.reported.take();
    try {
      await this.write("fetch", this.fetches, fetches);
    } catch (e) {
      this.reported.failed(reports);
      throw e;
    }
    await this.write("report", this.reported, reports);
    this.recovered();
  }

  private async write<T>(kind: NodeRecordKind, c: Coalescer<T>, batch: Array<[string, T]>): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.options.store.putNodeRecords(kind, batch as unknown as Array<[string, Json]>);
    } catch (e) {
      this.counters.failedBatches++;
      c.failed(batch);
      throw e;
    }
    this.counters.batches++;
    this.counters.rowsWritten += batch.length;
    c.written(batch);
    this.options.logger.debug({ kind, rows: batch.length }, "node records written");
  }

  private async read(kind: NodeRecordKind): Promise<Map<string, unknown>> {
    const { store } = this.options;
    if (store.readNodeRecordsSince === undefined) return store.readNodeRecords(kind);
    const changes = await store.readNodeRecordsSince(kind, this.cursors[kind]);
    this.cursors[kind] = changes.cursor;
    return changes.records;
  }

  /** The valid records of `kind` read, oldest first (so the bounded ledger and reports keep the latest nodes). */
  private async readValid<T>(
    kind: NodeRecordKind,
    parse: (v: unknown) => T | undefined,
    at: (r: T) => number,
  ): Promise<Array<[string, T]>> {
    const out: Array<[string, T]> = [];
    for (const [node, value] of await this.read(kind)) {
      const r = parse(value);
      if (r !== undefined) out.push([node, r]);
    }
    return out.sort((a, b) => at(a[1]) - at(b[1]));
  }

  private async pullOnce(): Promise<void> {
    const { ledger, reports } = this.options;
    for (const [node, r] of await this.readValid("fetch", asFetchRecord, (f) => f.at)) {
      if ((ledger.get(node)?.at ?? -1) < r.at) ledger.record(node, r);
      this.fetches.read(node, r);
    }
    for (const [node, r] of await this.readValid("report", asStoredReport, (x) => x.receivedAt)) {
      if ((reports.get(node)?.receivedAt ?? -1) < r.receivedAt) reports.set(node, r);
      this.reported.read(node, r);
    }
    this.recovered();
  }

  private get what(): string {
    return this.options.what ?? "sharing the fetch ledger and agent reports through the database";
  }

  private report(e: unknown): void {
    if (!this.failing) this.options.logger.warn({ err: messageOf(e) }, `${this.what} failed; retrying`);
    this.failing = true;
  }

  private recovered(): void {
    if (this.failing) this.options.logger.info(`${this.what} works again`);
    this.failing = false;
  }
}
