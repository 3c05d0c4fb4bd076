// The read side both in-process stores share: every read is answered from the in-memory model of the records.
import type { RolloutEvent, RolloutState } from "../rollout/state.js";
import { selectEvents, type StoreModel } from "./store-model.js";
import type {
  CommitResult,
  EventQuery,
  Json,
  NodeRecordKind,
  StateStore,
  StoredEvent,
  VersionedRollout,
} from "./store.js";

/** A StateStore whose state is one StoreModel in memory; subclasses decide how (and whether) writes are kept. */
export abstract class ModelStore implements StateStore {
  protected constructor(protected readonly model: StoreModel) {}

  readRollout(): Promise<VersionedRollout> {
    return Promise.resolve({ version: this.model.version, state: this.model.rollout });
  }

  readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    return Promise.resolve(selectEvents(this.model, query));
  }

  readNodeRecords(kind: NodeRecordKind): Promise<Map<string, unknown>> {
    return Promise.resolve(new Map(this.model.records[kind]));
  }

  abstract commitRollout(
    expected: number,
    state: RolloutState | undefined,
    events: readonly RolloutEvent[],
  ): Promise<CommitResult>;
  abstract putNodeRecords(
    kind: NodeRecordKind,
    records: ReadonlyArray<readonly [string, Json]>,
  ): Promise<void>;
  abstract close(): Promise<void>;
}
