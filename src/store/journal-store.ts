// The embedded state store under --state-dir: an append-only journal (fsync per transaction) over an atomic snapshot.
import { mkdir, open, readdir, readFile, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { ManifestServerError, messageOf } from "../lib/errors.js";
import { syncDir, writeFileAtomic } from "../lib/atomic-file.js";
import type { RolloutEvent, RolloutState } from "../rollout/state.js";
import { lockDir, type DirLock } from "./dir-lock.js";
import { ModelStore } from "./model-store.js";
import { decodeJournal, encodeInSlices } from "./journal-file.js";
import { runInSlices } from "../lib/slices.js";
import {
  applyRecord,
  emptyModel,
  modelFromSnapshot,
  rolloutRecord,
  snapshotText,
  type JournalRecord,
  type StoreModel,
} from "./store-model.js";
import type { CommitResult, Json, NodeRecordKind } from "./store.js";

const SNAPSHOT = "snapshot.json";
const journalName = (generation: number): string => `journal-${generation}.log`;

export interface JournalStoreOptions {
  /** The journal is folded into a new snapshot once it is this large (default 16 MiB) … */
  compactAtBytes?: number;
  /**
   * … and at least this many times the last snapshot's size (default 1), so compacting never writes more than the
   * journal did: 100,000 nodes' fetch records and reports make a snapshot of tens of MiB.
   */
  compactAtSnapshotRatio?: number;
}

/** What the journal wrote since it was opened: transactions (one fsync each), bytes, compactions. */
export interface JournalStats {
  transactions: number;
  journalBytes: number;
  compactions: number;
  snapshotBytes: number;
  /** The current journal's size. */
  pendingBytes: number;
}

/** What opening found: how many journal records were replayed, and how many bytes of a torn last write were cut. */
export interface OpenReport {
  replayed: number;
  tornBytes: number;
}

/**
 * A StateStore in one folder, for one process at a time: `snapshot.json` (written atomically) plus
 * `journal-<generation>.log`, one checksummed line per transaction, fsynced before the call resolves. A process
 * killed at any point leaves either the transaction whole or none of it; reopening cuts a torn last line.
 */
export class JournalStore extends ModelStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private broken: Error | undefined;
  private readonly written = { transactions: 0, journalBytes: 0, compactions: 0, snapshotBytes: 0 };

  private constructor(
    private readonly dir: string,
    private readonly lock: DirLock,
    model: StoreModel,
    private generation: number,
    private handle: FileHandle,
    private bytes: number,
    private readonly options: JournalStoreOptions,
    readonly opened: OpenReport,
    /** The size of the snapshot the journal continues (0: none). */
    private snapshotSize: number,
  ) {
    super(model);
  }

  /** What was written since the store was opened. */
  get stats(): JournalStats {
    return { ...this.written, pendingBytes: this.bytes };
  }

  /** Opens (creating) the store in `dir`. Throws `state-dir-locked`, or `state-store-corrupt` on damaged data. */
  static async open(dir: string, options: JournalStoreOptions = {}): Promise<JournalStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await lockDir(dir);
    let handle: FileHandle | undefined;
    try {
      const snapshot = await readFile(join(dir, SNAPSHOT), "utf8").catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
      const { model, generation } =
        snapshot === undefined
          ? { model: emptyModel(), generation: 0 }
          : modelFromSnapshot(JSON.parse(snapshot));
      const path = join(dir, journalName(generation));
      handle = await open(path, "a+");
      const bytes = await handle.readFile();
      const decoded = decodeJournal(bytes);
      for (const record of decoded.records) applyRecord(model, record);
      if (decoded.torn) {
        await handle.truncate(decoded.validBytes);
        await handle.sync();
      }
      for (const name of await readdir(dir))
        if ((name.startsWith("journal-") && name !== journalName(generation)) || /^\..*\.tmp$/.test(name))
          await rm(join(dir, name), { force: true });
      const report = { replayed: decoded.records.length, tornBytes: bytes.length - decoded.validBytes };
      const snapshotSize = snapshot === undefined ? 0 : Buffer.byteLength(snapshot);
      return new JournalStore(
        dir,
        lock,
        model,
        generation,
        handle,
        decoded.validBytes,
        options,
        report,
        snapshotSize,
      );
    } catch (cause) {
      await handle?.close();
      await lock.release();
      if (cause instanceof ManifestServerError) throw cause;
      throw new ManifestServerError(
        "state-store-corrupt",
        `cannot read the state in ${dir}: ${messageOf(cause)}`,
        {
          cause,
          hint: "move the folder aside to start with no rollout state (the served revisions are not affected)",
        },
      );
    }
  }

  commitRollout(
    expected: number,
    state: RolloutState | undefined,
    events: readonly RolloutEvent[],
  ): Promise<CommitResult> {
    return this.serial(async () => {
      if (this.model.version !== expected) return { ok: false, version: this.model.version };
      await this.write(rolloutRecord(this.model, state, events), state);
      return { ok: true, version: this.model.version };
    });
  }

  putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void> {
    return this.serial(async () => {
      if (records.length > 0)
        await this.write({ t: "records", kind, entries: records.map(([n, v]) => [n, v]) });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.handle.close();
    await this.lock.release();
  }

  /** Runs write transactions one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed)
        throw new ManifestServerError("state-store-closed", `the state store in ${this.dir} is closed`);
      if (this.broken !== undefined) throw this.broken;
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Appends one record, fsyncs, then applies it in memory (keeping `state`, the rollout it was made from, as is);
   * compacts when the journal has grown.
   */
  private async write(record: JournalRecord, state?: RolloutState): Promise<void> {
    // Encoded a slice at a time: a record of thousands of nodes does not hold up requests.
    const data = await runInSlices(encodeInSlices(record));
    try {
      await this.handle.write(data);
      await this.handle.datasync();
    } catch (cause) {
      // Cut a partial write so the next record does not follow damage; if even that fails, stop writing.
      await this.handle.truncate(this.bytes).catch((e: unknown) => {
        this.broken = new ManifestServerError(
          "state-store-failed",
          `the state journal in ${this.dir} cannot be repaired: ${messageOf(e)}`,
        );
      });
      throw new ManifestServerError(
        "state-store-failed",
        `cannot write the state in ${this.dir}: ${messageOf(cause)}`,
        { cause },
      );
    }
    this.bytes += data.length;
    this.written.transactions++;
    this.written.journalBytes += data.length;
    applyRecord(this.model, record, state);
    const { compactAtBytes = 16 * 1024 * 1024, compactAtSnapshotRatio = 1 } = this.options;
    if (this.bytes >= Math.max(compactAtBytes, compactAtSnapshotRatio * this.snapshotSize))
      await this.compact();
  }

  /**
   * Folds the journal into a new snapshot: an empty next journal first, then the snapshot naming it (atomic rename),
   * then the old journal goes. A crash between any two steps reopens to the same data.
   */
  private async compact(): Promise<void> {
    const next = this.generation + 1;
    const freshPath = join(this.dir, journalName(next));
    await rm(freshPath, { force: true });
    // Append mode: a write cut short and truncated away never leaves a hole before the next one.
    const fresh = await open(freshPath, "a+");
    await fresh.sync();
    await syncDir(this.dir);
    let size = 0;
    const counted = function* (pieces: Iterable<string>): Generator<string> {
      for (const piece of pieces) {
        size += Buffer.byteLength(piece);
        yield piece;
      }
    };
    await writeFileAtomic(join(this.dir, SNAPSHOT), this.dir, counted(snapshotText(this.model, next)));
    this.snapshotSize = size;
    this.written.compactions++;
    this.written.snapshotBytes += this.snapshotSize;
    await this.handle.close();
    await rm(join(this.dir, journalName(this.generation)), { force: true });
    this.handle = fresh;
    this.generation = next;
    this.bytes = 0;
  }
}
