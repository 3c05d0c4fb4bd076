import assert from "node:assert/strict";
import { rm, symlink, truncate, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createDirSource } from "../../src/source/dir-source.js";
import { BAD_INPUTS } from "../fleet/bad-inputs.js";
import { copyExampleFleet, podYaml, type TempDir } from "../helpers/fleet.js";
import { useErrorLog } from "../helpers/error-log.js";

const log = useErrorLog();

async function snapshotAll(url: string): Promise<Map<string, { etag: string | null; body: Buffer }>> {
  const out = new Map<string, { etag: string | null; body: Buffer }>();
  for (const node of ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"]) {
    const res = await fetch(`${url}/nodes/${node}`);
    assert.equal(res.status, 200);
    out.set(node, { etag: res.headers.get("etag"), body: Buffer.from(await res.arrayBuffer()) });
  }
  return out;
}

describe("serve --dir: transactional revisions from a watched folder", () => {
  let fleet: TempDir;
  let server: RunningServer;
  before(async () => {
    fleet = await copyExampleFleet();
    // Watching is driven explicitly with refresh() here; a separate test covers the watcher.
    server = await startServer({
      source: createDirSource(fleet.path, { pollMs: 0, events: false }),
      listen: "127.0.0.1:0",
      logger: log.logger,
    });
    assert.equal(server.firstLoad.kind, "published");
  });
  after(async () => {
    await server.close();
    await fleet.remove();
  });

  it("publishes a valid edit as a new revision", async () => {
    const before = await snapshotAll(server.url);
    await mkdir(join(fleet.path, "nodes/edge-1"), { recursive: true });
    await writeFile(join(fleet.path, "nodes/edge-1/extra.yaml"), podYaml("extra"));
    const outcome = await server.follower.refresh();
    assert.equal(outcome.kind, "published");
    const afterEdit = await snapshotAll(server.url);
    assert.notEqual(afterEdit.get("edge-1")?.etag, before.get("edge-1")?.etag);
    assert.equal(afterEdit.get("cp-1")?.etag, before.get("cp-1")?.etag, "untouched nodes keep their bytes");
    const doc = JSON.parse(afterEdit.get("edge-1")?.body.toString() ?? "{}") as {
      items: Array<{ metadata: { name: string } }>;
    };
    assert.ok(doc.items.some((i) => i.metadata.name === "extra"));
  });

  for (const bad of BAD_INPUTS) {
    it(`rejects ${bad.name} whole and keeps serving the previous bytes`, async () => {
      log.expect(/^revision \S+ rejected: /);
      const good = await snapshotAll(server.url);
      const goodRevision = server.store.current?.fleet.revision;
      const touched: string[] = [];
      const originals = new Map<string, Buffer>();
      const { readFile } = await import("node:fs/promises");
      for (const [path, text] of Object.entries(bad.files)) {
        const abs = join(fleet.path, path);
        try {
          originals.set(path, await readFile(abs));
        } catch {
          touched.push(abs);
        }
        if (text === null) await rm(abs);
        else {
          await mkdir(dirname(abs), { recursive: true });
          await writeFile(abs, text);
        }
      }
      if (bad.symlink !== undefined) {
        const abs = join(fleet.path, bad.symlink.path);
        await symlink(bad.symlink.target, abs);
        touched.push(abs);
      }
      if (bad.big !== undefined) {
        const abs = join(fleet.path, bad.big.path);
        await writeFile(abs, "");
        await truncate(abs, bad.big.bytes);
        touched.push(abs);
      }
      try {
        const outcome = await server.follower.refresh();
        assert.equal(outcome.kind, "rejected");
        const now = await snapshotAll(server.url);
        for (const [node, doc] of good) {
          assert.equal(now.get(node)?.etag, doc.etag, node);
          assert.ok(now.get(node)?.body.equals(doc.body), node);
        }
        const status = (await (await fetch(`${server.url}/status`)).json()) as {
          revision: { id: string };
          lastError: { kind: string; message: string; issues: Array<{ file?: string; text: string }> };
        };
        assert.equal(status.revision.id, goodRevision);
        assert.equal(status.lastError.kind, "rejected");
        assert.match(status.lastError.message, /still serving/);
        assert.ok(
          status.lastError.issues.some((i) => i.file === bad.file && bad.message.test(i.text)),
          JSON.stringify(status.lastError.issues.map((i) => i.text)),
        );
      } finally {
        for (const abs of touched) await rm(abs, { recursive: true, force: true });
        for (const [path, content] of originals) await writeFile(join(fleet.path, path), content);
        for (const dir of ["groups/nonexistent", "groups/site-17"])
          await rm(join(fleet.path, dir), { recursive: true, force: true });
      }
      // The next good state is served normally again, and the error is cleared.
      const recovered = await server.follower.refresh();
      assert.ok(recovered.kind === "published" || recovered.kind === "unchanged", recovered.kind);
      const status = (await (await fetch(`${server.url}/status`)).json()) as { lastError: unknown };
      assert.equal(status.lastError, null);
    });
  }

  it("an empty fleet folder is rejected at start: 503 until it becomes valid", async () => {
    log.expect(/rejected/);
    const { tempDir } = await import("../helpers/fleet.js");
    const empty = await tempDir();
    const s = await startServer({
      source: createDirSource(empty.path, { pollMs: 0, events: false }),
      listen: "127.0.0.1:0",
      logger: log.logger,
    });
    try {
      assert.equal(s.firstLoad.kind, "rejected");
      const res = await fetch(`${s.url}/nodes/cp-1`);
      assert.equal(res.status, 503);
      const status = (await (await fetch(`${s.url}/status`)).json()) as {
        lastError: { issues: Array<{ text: string }> };
      };
      assert.match(status.lastError.issues[0]?.text ?? "", /empty/);
      await writeFile(join(empty.path, "fleet.yaml"), "nodes: { n1: {} }\n");
      assert.equal((await s.follower.refresh()).kind, "published");
      assert.equal((await fetch(`${s.url}/nodes/n1`)).status, 200);
    } finally {
      await s.close();
      await empty.remove();
    }
  });

  it("notices edits by itself (file-system events or the periodic re-scan)", async () => {
    const dir = await copyExampleFleet();
    const s = await startServer({
      source: createDirSource(dir.path, { pollMs: 200, quietMs: 200 }),
      listen: "127.0.0.1:0",
      logger: log.logger,
    });
    try {
      const published = new Promise<string>((resolve) =>
        s.store.onPublish((next) => resolve(next.fleet.revision)),
      );
      const first = s.store.current?.fleet.revision;
      await writeFile(join(dir.path, "common/added.yaml"), podYaml("added"));
      const revision = await published;
      assert.notEqual(revision, first);
    } finally {
      await s.close();
      await dir.remove();
    }
  });
});

describe("serve --dir: watching", () => {
  /** The pods of one node in a published revision. */
  const podsOf = (server: RunningServer, node: string): string[] =>
    server.store.current?.fleet.nodes.get(node)?.pods.map((p) => p.key) ?? [];
  const nextPublish = (server: RunningServer): Promise<void> =>
    new Promise((resolve) => server.store.onPublish(() => resolve()));
  const pod = (name: string): string => podYaml(name).replace(/\n$/, "");

  it("waits for a quiet period: a writer that pauses between documents is never published half-written", async () => {
    const dir = await copyExampleFleet();
    const s = await startServer({
      source: createDirSource(dir.path, { pollMs: 0, quietMs: 1500 }),
      listen: "127.0.0.1:0",
      logger: log.logger,
    });
    try {
      const published = nextPublish(s);
      const file = join(dir.path, "common/three.yaml");
      await writeFile(file, `${pod("one")}\n---\n${pod("two")}\n`);
      // The writer pauses longer than an editor's burst, shorter than the quiet period.
      await new Promise((r) => setTimeout(r, 600));
      const { appendFile } = await import("node:fs/promises");
      await appendFile(file, `---\n${pod("three")}\n`);
      await published;
      const keys = podsOf(s, "cp-1");
      for (const name of ["one", "two", "three"]) assert.ok(keys.includes(`default/${name}`), keys.join(","));
    } finally {
      await s.close();
      await dir.remove();
    }
  });

  it("follows a --dir that is a symlink switched atomically (ln -sfn): one revision, never 'not a folder'", async () => {
    const root = await copyExampleFleet();
    const { cp, rename } = await import("node:fs/promises");
    const v1 = join(root.path, "v1");
    const v2 = join(root.path, "v2");
    const link = join(root.path, "current");
    await mkdir(v1);
    for (const entry of ["fleet.yaml", "common", "groups", "nodes"])
      await rename(join(root.path, entry), join(v1, entry)).catch(() => undefined);
    await cp(v1, v2, { recursive: true });
    await writeFile(join(v2, "common/switched.yaml"), podYaml("switched"));
    await symlink(v1, link);
    const s = await startServer({
      source: createDirSource(link, { pollMs: 0, quietMs: 100 }),
      listen: "127.0.0.1:0",
      logger: log.logger,
    });
    try {
      assert.equal(s.firstLoad.kind, "published");
      const published = nextPublish(s);
      // ln -sfn: a new link under a temporary name renamed over the old one.
      await symlink(v2, `${link}.tmp`);
      await rename(`${link}.tmp`, link);
      await published;
      assert.ok(podsOf(s, "cp-1").includes("default/switched"));
      assert.equal(s.store.lastError, undefined);
      assert.equal(s.store.counters.published, 2);
      assert.equal((await fetch(`${s.url}/nodes/cp-1`)).status, 200);
    } finally {
      await s.close();
      await root.remove();
    }
  });

  it("an event that changes nothing served (a dot file) reads nothing: the next read is the real change", async () => {
    const dir = await copyExampleFleet();
    const source = createDirSource(dir.path, { pollMs: 0, quietMs: 150 });
    let snapshots = 0;
    const counted = {
      ...source,
      description: source.description,
      snapshot: () => {
        snapshots++;
        return source.snapshot();
      },
    };
    const s = await startServer({ source: counted, listen: "127.0.0.1:0", logger: log.logger });
    try {
      assert.equal(snapshots, 1);
      await writeFile(join(dir.path, "common/.scratch.swp"), "editor state");
      // Well past the quiet period: a reload would have happened by now.
      await new Promise((r) => setTimeout(r, 750));
      const published = nextPublish(s);
      await writeFile(join(dir.path, "common/real.yaml"), podYaml("real"));
      await published;
      assert.equal(snapshots, 2);
    } finally {
      await s.close();
      await dir.remove();
    }
  });
});
