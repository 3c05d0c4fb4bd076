// The CI soak (about 8 s) and two replicas on one commit serving identical bytes; `bench/soak.ts` runs a longer soak.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { startServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { createGitFixture, GIT_TEST_ENV } from "../helpers/git.js";
import { runSoak } from "./soak-harness.js";

test("soak: 32 clients on random nodes while revisions switch: one revision's bytes and ETag each, zero 5xx, flat memory", async () => {
  const r = await runSoak({ durationMs: 8000, clients: 32, minSwitches: 5, maxDurationMs: 60_000 });
  assert.deepEqual(r.mismatches.slice(0, 5), []);
  assert.equal(r.status5xx, 0);
  assert.ok(r.requests > 1000, `only ${r.requests} requests`);
  assert.ok(r.switches >= 5, `only ${r.switches} revision switches`);
  assert.ok(r.notModified > 0, "no conditional request was answered 304");
  assert.ok(
    r.heapEndMb < r.heapStartMb * 1.5 + 30,
    `heap grew from ${r.heapStartMb} MB to ${r.heapEndMb} MB`,
  );
});

test("two replicas on the same commit, each with its own cache, serve identical bytes and ETags for every node and format", async () => {
  const fx = await createGitFixture();
  const start = (cache: string) =>
    startServer({
      git: {
        source: createGitSource({
          repo: fx.remote,
          cacheDir: join(fx.root.path, cache),
          cwd: fx.root.path,
          env: gitEnv(GIT_TEST_ENV, true),
          pollMs: 0,
        }),
      },
      listen: "127.0.0.1:0",
    });
  const a = await start("cache-a");
  const b = await start("cache-b");
  try {
    const list = (await (await fetch(`${a.url}/nodes`)).json()) as { nodes: { name: string }[] };
    assert.equal(list.nodes.length, 5);
    for (const { name } of list.nodes)
      for (const format of ["json", "yaml", "stream"]) {
        const [ra, rb] = await Promise.all(
          [a, b].map((s) => fetch(`${s.url}/nodes/${name}?format=${format}`)),
        );
        assert.ok(ra !== undefined && rb !== undefined);
        assert.equal(ra.status, 200);
        assert.equal(ra.headers.get("etag"), rb.headers.get("etag"), `${name} ${format}`);
        assert.equal(ra.headers.get("x-manifest-revision"), rb.headers.get("x-manifest-revision"));
        assert.deepEqual(
          Buffer.from(await ra.arrayBuffer()),
          Buffer.from(await rb.arrayBuffer()),
          `${name} ${format}`,
        );
      }
  } finally {
    await a.close();
    await b.close();
    await fx.remove();
  }
});
