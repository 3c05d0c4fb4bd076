// A StateStore in memory: the same records as the journal, kept nowhere. For a server given no state folder.
import type { RolloutEvent, RolloutState } from "../rollout/state.js";
import { ModelStore } from "./model-store.js";
import { applyRecord, emptyModel, rolloutRecord } from "./store-model.js";
import type { CommitResult, Json, NodeRecordKind } from "./store.js";

export class MemoryStore extends ModelStore {
  constructor() {
    super(emptyModel());
  }

  commitRollout(
    expected: number,
    state: RolloutState | undefined,
    events: readonly RolloutEvent[],
  ): Promise<CommitResult> {
    if (this.model.version !== expected) return Promise.resolve({ ok: false, version: this.model.version });
    applyRecord(this.model, rolloutRecord(this.model, state, events), state);
    return Promise.resolve({ ok: true, version: this.model.version });
  }

  putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void> {
    for (const [node, value] of records) this.model.records[kind].set(node, value);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
