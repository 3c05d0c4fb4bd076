// A real `serve --dir` process killed with SIGKILL in the middle of a rollout resumes it after a restart, and no node
// is served anything different across the restart: its state is in the default state folder under the cache folder
// (pointed at a temp folder through MANIFEST_SERVER_CACHE_DIR), no --state-dir given.
import assert from "node:assert/strict";
import { readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { tempDir, writeCanaryFleet, type TempDir } from "../helpers/fleet.js";
import { SimKubelet } from "../helpers/kubelet-sim.js";
import { spawnServer, withCacheDir, type Child } from "../helpers/processes.js";

const NODES = ["cp-1", "cp-2", "edge-1", "edge-2"];

const writeFleet = (dir: string, image: string) => writeCanaryFleet(dir, image, NODES);

interface Snapshot {
  revision: string;
  rollout: { id: string; to: string; state: string } | null;
}

async function api(url: string): Promise<Snapshot> {
  const res = await fetch(`${url}/api/rollout`);
  assert.equal(res.status, 200);
  return (await res.json()) as Snapshot;
}

describe("a server killed with SIGKILL mid-rollout", () => {
  let fleet: TempDir;
  let cache: TempDir;
  let server: Child & { url: string };
  const kubelets: SimKubelet[] = [];
  const spawn = (dir: string) => spawnServer(["--dir", dir], withCacheDir(cache.path));

  before(async () => {
    fleet = await tempDir("ms-restart-fleet-");
    cache = await tempDir("ms-restart-cache-");
    await writeFleet(fleet.path, "example/app:1");
    server = await spawn(fleet.path);
  });

  after(async () => {
    for (const k of kubelets) k.stop();
    server.kill("SIGKILL");
    await server.exited;
    await fleet.remove();
    await cache.remove();
  });

  it("resumes the rollout where it was, and every node keeps its bytes and ETag", async () => {
    const first = (await api(server.url)).revision;
    for (const n of NODES) {
      const k = new SimKubelet(server.url, n);
      kubelets.push(k);
      k.start();
    }
    for (const k of kubelets) while (k.current?.revision !== first) await k.polled(1);
    await writeFleet(fleet.path, "example/app:2");
    server.child.kill("SIGHUP");
    const canary = kubelets[0];
    assert.ok(canary !== undefined);
    let second = first;
    while (second === first) {
      await canary.polled(1);
      second = canary.current?.revision ?? first;
    }
    const before = await api(server.url);
    assert.equal(before.rollout?.state, "progressing");
    assert.equal(before.rollout.to, second);
    const seen = kubelets.map((k) => k.current?.etag);
    const answers = kubelets.map((k) => k.got.length);
    server.kill("SIGKILL");
    await server.exited;
    // The state folder is the fleet folder's own, found again through a symlink to it (its real path is the key).
    const [own, ...others] = await readdir(join(cache.path, "state"));
    assert.ok(own !== undefined && others.length === 0);
    assert.match(own, /^ms-restart-fleet-\w+-[0-9a-f]{16}$/);
    assert.ok((await readdir(join(cache.path, "state", own))).includes("documents.jsonl"));
    const link = join(cache.path, "fleet-link");
    await symlink(fleet.path, link);
    server = await spawn(link);
    for (const k of kubelets) k.base = server.url;
    await Promise.all(kubelets.map((k) => k.polled(3)));
    assert.deepEqual(
      kubelets.map((k) => k.current?.etag),
      seen,
    );
    // Only 304s since: not one new document.
    assert.deepEqual(
      kubelets.map((k) => k.got.length),
      answers,
    );
    assert.deepEqual(
      kubelets.map((k) => k.current?.revision),
      [second, first, first, first],
    );
    const resumed = await api(server.url);
    assert.equal(resumed.rollout?.id, before.rollout.id);
    assert.equal(resumed.rollout.state, "progressing");
  });
});
