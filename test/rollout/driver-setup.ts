// Test helper: a rollout driver over a fresh revision store and node selection, stepping only when told.
import { silentLogger } from "../../src/lib/logger.js";
import type { DocumentPack } from "../../src/rollout/document-pack.js";
import { RolloutDriver } from "../../src/revisions/rollout-driver.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { nodeEtag } from "../../src/server/documents/etag.js";
import { NodeSelection } from "../../src/server/documents/node-selection.js";
import { MemoryStore } from "../../src/store/memory-store.js";

export async function driverWith(isLeader: () => boolean, state = new MemoryStore(), pack?: DocumentPack) {
  const revisions = new RevisionStore();
  const selection = new NodeSelection();
  const driver = await RolloutDriver.open({
    revisions,
    state,
    pack,
    selection,
    etagOf: nodeEtag,
    fetches: new Map(),
    reports: new Map(),
    logger: silentLogger(),
    tickMs: 0,
    now: () => 1000,
    isLeader,
  });
  return { revisions, selection, state, driver };
}
