// One fleet view across replicas: this server's fetches and reports written to the state store (coalesced, batched)
// and everyone's read back, so every replica's dashboard and rollout view show the whole fleet.
import type { Logger } from "../../lib/logger.js";
import { messageOf } from "../../lib/errors.js";
import type { Json, NodeRecordKind } from "../../store/store.js";
import { parseReport, type AgentReports, type StoredReport } from "./agent-reports.js";
import type { ClientKind, FetchLedger, FetchRecord } from "./fetch-ledger.js";

/** The part of a state store this needs: batched writes and reads of what changed after a cursor. */
export interface NodeRecordStore {
  putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void>;
  readNodeRecordsSince(
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
  /** Others' records are read back this often. Default 400 ms. */
  pullMs?: number;
  /** An unchanged fetch (same ETag, status, client) refreshes the stored "last seen" at most this often. Default 60 s. */
  refreshMs?: number;
}

/** What was written, for the README's measurement and /status. */
export interface SharedViewCounters {
  fetchesSeen: number;
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

/**
 * Keeps the ledger and reports shared through the store. A fetch is written when it differs from the last stored
 * one of its node (ETag, status or client) or that one is older than `refreshMs`: a node polling every 20 s costs
 * one row a minute, whichever replica answers. Reports are always written (agents send them on change).
 */
export class SharedFleetView {
  private readonly pendingFetches = new Map<string, FetchRecord>();
  private readonly pendingReports = new Map<string, StoredReport>();
  /** The last stored fetch of each node (written here or read back). */
  private readonly stored = new Map<string, FetchRecord>();
  private readonly cursors: Record<NodeRecordKind, number> = { fetch: 0, report: 0 };
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | undefined;
  private pulling: Promise<void> | undefined;
  private failing = false;
  readonly counters: SharedViewCounters = { fetchesSeen: 0, rowsWritten: 0, batches: 0, failedBatches: 0 };

  constructor(private readonly options: SharedViewOptions) {
    options.ledger.onServed((node, record) => this.noteFetch(node, record));
    options.reports.onReceive((node, report) => this.pendingReports.set(node, report));
  }

  /** Reads everything stored so far, then keeps writing and reading in the background. */
  async start(): Promise<void> {
    await this.pull().catch((e: unknown) => this.report(e));
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((e: unknown) => this.report(e)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.flushMs ?? 250, () => this.flush());
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
    const last = this.stored.get(node);
    if (
      last === undefined ||
      last.etag !== record.etag ||
      last.status !== record.status ||
      last.client !== record.client ||
      record.at - last.at >= (this.options.refreshMs ?? 60_000)
    )
      this.pendingFetches.set(node, record);
  }

  /** Writes the pending records, one batch per kind; on failure they stay pending for the next try. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Merges what others stored since the last read into the ledger and reports. */
  pull(): Promise<void> {
    this.pulling ??= this.pullOnce().finally(() => {
      this.pulling = undefined;
    });
    return this.pulling;
  }

  private async flushOnce(): Promise<void> {
    const fetches = [...this.pendingFetches];
    const reports = [...this.pendingReports];
    this.pendingFetches.clear();
    this.pendingReports.clear();
    try {
      if (fetches.length > 0) {
        await this.options.store.putNodeRecords("fetch", fetches as unknown as Array<[string, Json]>);
        this.counters.batches++;
        this.counters.rowsWritten += fetches.length;
        for (const [node, r] of fetches) this.stored.set(node, r);
      }
      if (reports.length > 0) {
        await this.options.store.putNodeRecords("report", reports as unknown as Array<[string, Json]>);
        this.counters.batches++;
        this.counters.rowsWritten += reports.length;
      }
      this.recovered();
    } catch (e) {
      this.counters.failedBatches++;
      // Keep them for the next flush unless something newer for the node arrived meanwhile.
      for (const [n, r] of fetches) if (!this.pendingFetches.has(n)) this.pendingFetches.set(n, r);
      for (const [n, r] of reports) if (!this.pendingReports.has(n)) this.pendingReports.set(n, r);
      throw e;
    }
  }

  private async pullOnce(): Promise<void> {
    const { store, ledger, reports } = this.options;
    const fetches = await store.readNodeRecordsSince("fetch", this.cursors.fetch);
    for (const [node, value] of fetches.records) {
      const r = asFetchRecord(value);
      if (r === undefined) continue;
      if ((ledger.get(node)?.at ?? -1) < r.at) ledger.record(node, r);
      if ((this.stored.get(node)?.at ?? -1) < r.at) this.stored.set(node, r);
    }
    this.cursors.fetch = fetches.cursor;
    const stored = await store.readNodeRecordsSince("report", this.cursors.report);
    for (const [node, value] of stored.records) {
      const r = asStoredReport(value);
      if (r !== undefined && (reports.get(node)?.receivedAt ?? -1) < r.receivedAt) reports.set(node, r);
    }
    this.cursors.report = stored.cursor;
    this.recovered();
  }

  private report(e: unknown): void {
    if (!this.failing)
      this.options.logger.warn(
        { err: messageOf(e) },
        "cannot share the fetch ledger and agent reports through the database; retrying",
      );
    this.failing = true;
  }

  private recovered(): void {
    if (this.failing) this.options.logger.info("sharing the fetch ledger and agent reports again");
    this.failing = false;
  }
}
