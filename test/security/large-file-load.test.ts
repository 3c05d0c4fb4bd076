import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FileReader, ReadRequest } from "../../src/fleet/load/read-file.js";
import { ReadPool } from "../../src/fleet/load/read-pool.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { copyExampleFleet, manualDirSource, podYaml, type TempDir } from "../helpers/fleet.js";

/** Just under the 10 MiB file limit. */
const FILE_BYTES = 10 * 1024 * 1024 - 100 * 1024;

/**
 * A valid pod of ~9.9 MiB of YAML: 20,000 environment variables, each followed by a long comment, so that every
 * served form stays well under the kubelet's 10 MiB while the file itself is nearly 10 MiB to parse.
 */
function largePodYaml(): string {
  const head = `${podYaml("large")}      env:\n`;
  const comment = `        # ${"padding ".repeat(60)}\n`;
  const parts = [head];
  let size = head.length;
  for (let i = 0; size < FILE_BYTES; i++) {
    const entry = `        - name: VAR_${i}\n          value: "v${i}"\n${comment}`;
    parts.push(entry);
    size += entry.length;
  }
  return parts.join("");
}

/** Padding that takes a small hostile file past the size below which files are read inline. */
const padding = `# ${"x".repeat(100 * 1024)}\n`;

const HOSTILE: Record<string, string> = {
  // 250 documents each expanding aliases to 100,000 nodes.
  "common/bomb.yaml":
    padding +
    (
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n---\n"
    ).repeat(250),
  "common/deep.yaml": `${padding}${"[".repeat(5_000)}${"]".repeat(5_000)}\n`,
  "common/many.yaml": "a: 1\n---\n".repeat(20_000),
};

describe("a large or hostile file loading while nodes are served", () => {
  let dir: TempDir;
  let server: RunningServer;
  const pool = new ReadPool();
  // A reader thread with too little memory for the file named "heavy": its read fails as a thread out of memory.
  const smallPool = new ReadPool({ maxHeapMb: 64 });
  let onRead: ((request: ReadRequest) => void) | undefined;
  const reader: FileReader = {
    read: (request) => {
      onRead?.(request);
      return (request.file.path.includes("heavy") ? smallPool : pool).read(request);
    },
  };
  const fetchNode = async (): Promise<Buffer> => {
    const res = await fetch(`${server.url}/nodes/cp-1`);
    assert.equal(res.status, 200);
    return Buffer.from(await res.arrayBuffer());
  };

  /**
   * Starts a refresh and, once `path` is being read, fetches cp-1's document 20 times: each must be answered, with
   * `expected`, while the load is still pending. Resolves with the refresh's outcome.
   */
  async function refreshWhileFetching(path: string, expected: Buffer) {
    const reading = new Promise<void>((resolve) => {
      onRead = (request) => {
        if (request.file.path === path) resolve();
      };
    });
    let settled = false;
    const refresh = server.follower.refresh().finally(() => (settled = true));
    await reading;
    for (let i = 0; i < 20; i++) assert.deepEqual(await fetchNode(), expected);
    assert.equal(settled, false, "20 fetches were answered while the load was still pending");
    onRead = undefined;
    return refresh;
  }

  /** After a rejection, the folder is back to the served revision's files. */
  async function backToServed(): Promise<void> {
    assert.equal((await server.follower.refresh()).kind, "unchanged");
    assert.equal(server.store.lastError, undefined);
  }

  before(async () => {
    dir = await copyExampleFleet();
    server = await startServer({ source: manualDirSource(dir.path), listen: "127.0.0.1:0", reader });
    assert.equal(server.firstLoad.kind, "published");
  });
  after(async () => {
    await server.close();
    await Promise.all([pool.close(), smallPool.close()]);
    await dir.remove();
  });

  it("serves while a 9.9 MiB YAML pod is read, then publishes it", async () => {
    const before = await fetchNode();
    const text = largePodYaml();
    assert.ok(text.length > 9.8 * 1024 * 1024 && text.length < 10 * 1024 * 1024);
    await writeFile(join(dir.path, "common/large.yaml"), text);
    const outcome = await refreshWhileFetching("common/large.yaml", before);
    assert.equal(outcome.kind, "published", JSON.stringify(server.store.lastError?.issues?.slice(0, 3)));
    const served = JSON.parse((await fetchNode()).toString("utf8")) as {
      items: Array<{ metadata: { name: string } }>;
    };
    assert.ok(served.items.some((p) => p.metadata.name === "large-cp-1" || p.metadata.name === "large"));
    await rm(join(dir.path, "common/large.yaml"));
    assert.equal((await server.follower.refresh()).kind, "published");
  });

  it("rejects a revision of alias bombs, deep nesting and a flood of documents whole, naming each file", async () => {
    const good = await fetchNode();
    const revision = server.store.current?.fleet.revision;
    for (const [path, text] of Object.entries(HOSTILE)) await writeFile(join(dir.path, path), text);
    const outcome = await refreshWhileFetching("common/bomb.yaml", good);
    assert.equal(outcome.kind, "rejected");
    assert.equal(server.store.current?.fleet.revision, revision, "the last good revision is still served");
    assert.deepEqual(await fetchNode(), good);
    const named = new Set(server.store.lastError?.issues?.map((i) => i.file));
    for (const path of Object.keys(HOSTILE)) assert.ok(named.has(path), `${path} is named`);
    const messages = server.store.lastError?.issues?.map((i) => `${i.file}: ${i.message}`).join("\n") ?? "";
    assert.match(messages, /common\/bomb\.yaml: .*alias bomb/);
    assert.match(messages, /common\/deep\.yaml: .*nested deeper than/);
    assert.match(messages, /common\/many\.yaml: .*more than 1,000 documents/);
    for (const path of Object.keys(HOSTILE)) await rm(join(dir.path, path));
    await backToServed();
  });

  it("takes a reader thread running out of memory as an ordinary rejection of that file", async () => {
    const good = await fetchNode();
    const revision = server.store.current?.fleet.revision;
    const heavy = `${podYaml("heavy")}  x: [${"{a: [1, 2, {b: c}]}, ".repeat(200_000)}]\n`;
    await writeFile(join(dir.path, "common/heavy.yaml"), heavy);
    const outcome = await server.follower.refresh();
    assert.equal(outcome.kind, "rejected");
    assert.equal(server.store.current?.fleet.revision, revision);
    assert.deepEqual(await fetchNode(), good);
    const issues = server.store.lastError?.issues ?? [];
    assert.deepEqual(
      issues.map((i) => [i.file, i.code]),
      [["common/heavy.yaml", "load-failed"]],
    );
    assert.match(issues[0]?.message ?? "", /needs more than 64 MiB of memory/);
    const status = (await (await fetch(`${server.url}/status`)).text()).toString();
    assert.match(status, /common\/heavy\.yaml/);
    await rm(join(dir.path, "common/heavy.yaml"));
    await backToServed();
  });
});
