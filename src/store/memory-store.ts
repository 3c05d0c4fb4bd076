// A StateStore in memory: the same records as the journal, kept nowhere. For a server given no state folder.
import type { RolloutEvent, RolloutState } from "../rollout/state.js";
import { applyRecord, selectEvents, emptyModel, rolloutRecord } from "./store-model.js";
import type {
  CommitResult,
  EventQuery,
  Json,
  NodeRecordKind,
  StateStore,
  StoredEvent,
  VersionedRollout,
} from "./store.js";

export class MemoryStore implements StateStore {
  private readonly model = emptyModel();

  readRollout(): Promise<VersionedRollout> {
    return Promise.resolve({ version: this.model.version, state: this.model.rollout });
  }

  commitRollout(
    expected: number,
    state: RolloutState | undefined,
    events: readonly RolloutEvent[],
  ): Promise<CommitResult> {
    if (this.model.version !== expected) return Promise.resolve({ ok: false, version: this.model.version });
    applyRecord(this.model, rolloutRecord(this.model, state, events));
    return Promise.resolve({ ok: true, version: this.model.version });
  }

  readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    return Promise.resolve(selectEvents(this.model, query));
  }

  putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void> {
    for (const [node, value] of records) this.model.records[kind].set(node, value);
    return Promise.resolve();
  }

  readNodeRecords(kind: NodeRecordKind): Promise<Map<string, unknown>> {
    return Promise.resolve(new Map(this.model.records[kind]));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
