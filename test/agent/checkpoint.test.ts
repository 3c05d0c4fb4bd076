// The checkpoint on disk: round trip, atomic replacement, and corrupt or truncated files ignored with a warning.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint } from "../../src/agent/checkpoint.js";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "checkpoint-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const body = '{"apiVersion":"v1","kind":"PodList","items":[]}\n';

test("a saved checkpoint loads back byte for byte, and a missing one is no warning", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await loadCheckpoint(join(dir, "state")), {});
    await saveCheckpoint(join(dir, "state"), {
      url: "http://x/nodes/a",
      body,
      etag: '"abc"',
      savedAt: "2026-01-01T00:00:00.000Z",
    });
    const loaded = await loadCheckpoint(join(dir, "state"));
    assert.deepEqual(loaded.checkpoint, {
      url: "http://x/nodes/a",
      body,
      etag: '"abc"',
      savedAt: "2026-01-01T00:00:00.000Z",
    });
  });
});

test("saving replaces the file atomically and leaves no temp files", async () => {
  await withDir(async (dir) => {
    await saveCheckpoint(dir, { url: "http://x/", body: "one", savedAt: "t1" });
    await saveCheckpoint(dir, { url: "http://x/", body: "two", savedAt: "t2" });
    assert.deepEqual(await readdir(dir), [CHECKPOINT_FILE]);
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.checkpoint?.body, "two");
    assert.equal(loaded.checkpoint?.etag, undefined);
  });
});

test("a truncated checkpoint is ignored with a warning", async () => {
  await withDir(async (dir) => {
    await saveCheckpoint(dir, { url: "http://x/", body, savedAt: "t" });
    const text = await readFile(join(dir, CHECKPOINT_FILE), "utf8");
    await writeFile(join(dir, CHECKPOINT_FILE), text.slice(0, Math.floor(text.length / 2)));
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.checkpoint, undefined);
    assert.match(loaded.warning ?? "", /corrupt or truncated/);
  });
});

test("a checkpoint whose body was altered fails its checksum and is ignored", async () => {
  await withDir(async (dir) => {
    await saveCheckpoint(dir, { url: "http://x/", body, savedAt: "t" });
    const text = await readFile(join(dir, CHECKPOINT_FILE), "utf8");
    await writeFile(join(dir, CHECKPOINT_FILE), text.replace("PodList", "PodLisT"));
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.checkpoint, undefined);
    assert.match(loaded.warning ?? "", /checksum/);
  });
});

test("a file of another format is ignored with a warning", async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, CHECKPOINT_FILE), JSON.stringify({ hello: "world" }));
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.checkpoint, undefined);
    assert.match(loaded.warning ?? "", /unknown format/);
  });
});
