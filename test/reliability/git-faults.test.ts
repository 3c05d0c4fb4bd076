// Git remote faults, injected through a real ssh transport wrapper: unreachable, held mid-fetch, and serving a corrupt pack.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { silentLogger } from "../../src/lib/logger.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { podYaml } from "../helpers/fleet.js";
import { createGitFixture, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";

const NODES = ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"];

/** Stands in for ssh: runs the remote command locally, after applying the fault named in `mode`. */
const FAKE_SSH = `#!/bin/sh
mode=$(cat "$FAULT_DIR/mode")
for last; do :; done
case "$mode" in
  down) echo "ssh: connect to host fault.invalid port 22: Connection refused" >&2; exit 255 ;;
  held)
    # Once: the next fetch runs normally. Announce the start, then wait until the test releases it.
    echo ok > "$FAULT_DIR/mode"
    echo started > "$FAULT_DIR/started"
    cat "$FAULT_DIR/release" > /dev/null ;;
  corrupt) eval "$last" | "$FAULT_NODE" "$FAULT_DIR/corrupt.cjs"; exit $? ;;
esac
eval "exec $last"
`;

/** Passes the byte stream through, flipping one byte inside the pack (after its PACK signature). */
const CORRUPT = `let start = -1, pos = 0;
process.stdin.on("data", (c) => {
  if (start < 0) { const i = c.indexOf("PACK"); if (i >= 0) start = pos + i; }
  const t = start + 40;
  if (start >= 0 && t >= pos && t < pos + c.length) c[t - pos] ^= 0xff;
  pos += c.length;
  process.stdout.write(c);
});
process.stdin.on("end", () => process.stdout.end());
`;

async function snapshot(server: RunningServer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of NODES) {
    const res = await fetch(`${server.url}/nodes/${n}`);
    assert.equal(res.status, 200);
    out.set(n, `${res.headers.get("etag")}\n${await res.text()}`);
  }
  return out;
}

async function setMode(fx: GitFixture, mode: string): Promise<void> {
  await writeFile(join(fx.root.path, "fault", "mode"), mode);
}

test("git remote unreachable, serving a corrupt pack, then held mid-fetch: every served byte and every running pod stays", async () => {
  const fx = await createGitFixture();
  const faultDir = join(fx.root.path, "fault");
  await mkdir(faultDir);
  await writeFile(join(faultDir, "ssh"), FAKE_SSH);
  await chmod(join(faultDir, "ssh"), 0o755);
  await writeFile(join(faultDir, "corrupt.cjs"), CORRUPT);
  // FIFOs: the fake ssh writes "started" when a held fetch begins, and reads "release" to go on.
  execFileSync("mkfifo", [join(faultDir, "started"), join(faultDir, "release")]);
  await setMode(fx, "ok");
  const env = gitEnv(
    {
      ...GIT_TEST_ENV,
      GIT_SSH_COMMAND: join(faultDir, "ssh"),
      GIT_SSH_VARIANT: "ssh",
      FAULT_DIR: faultDir,
      FAULT_NODE: process.execPath,
    },
    true,
  );
  const source = createGitSource({
    repo: `ssh://fault.invalid${fx.remote}`,
    cacheDir: fx.cacheDir,
    cwd: fx.root.path,
    env,
    pollMs: 0,
  });
  const server = await startServer({ git: { source }, listen: "127.0.0.1:0" });
  const podDir = join(fx.root.path, "pods");
  await mkdir(podDir);
  const agent = new Agent(
    {
      url: `${server.url}/nodes/cp-1`,
      node: "cp-1",
      userAgent: "t",
      intervalMs: 1000,
      maxBackoffMs: 1000,
      stateDir: join(fx.root.path, "state"),
    },
    {
      driver: createStaticDirDriver({
        instance: "git-faults",
        dir: podDir,
        tempDir: join(fx.root.path, "state", "tmp"),
      }),
      logger: silentLogger(),
    },
  );
  try {
    assert.equal(server.firstLoad.kind, "published", JSON.stringify(server.firstLoad));
    const initial = await snapshot(server);
    assert.equal((await agent.pass()).converged, true);
    const pods = (await readdir(podDir)).sort();
    assert.equal(pods.length, 5);
    const keepsPods = async () => {
      const r = await agent.pass();
      assert.equal(r.removed, 0);
      assert.deepEqual((await readdir(podDir)).sort(), pods);
    };

    await fx.change({ "manifests/nodes/cp-1/extra.yaml": podYaml("extra") }, "Add a pod to cp-1");
    for (const fault of ["down", "corrupt"]) {
      await setMode(fx, fault);
      const outcome = await server.sync?.();
      assert.equal(outcome?.outcome, "fetch-failed", `${fault}: ${JSON.stringify(outcome)}`);
      assert.deepEqual(await snapshot(server), initial, `${fault}: the served bytes changed`);
      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        fetch: { stale: boolean; lastError: { message: string } };
      };
      assert.equal(status.fetch.stale, true);
      assert.match(status.fetch.lastError.message, /cannot fetch refs\/heads\/main/);
      await keepsPods();
    }

    await setMode(fx, "ok");
    assert.equal((await server.sync?.())?.outcome, "published", "the cache survived the corrupt pack");
    const second = await snapshot(server);
    assert.notDeepEqual(second, initial);
    assert.equal((await agent.pass()).applied, 1);

    await fx.change(
      { "manifests/nodes/cp-1/extra.yaml": podYaml("extra", "busybox:1.37") },
      "Bump the extra pod",
    );
    await setMode(fx, "held");
    let settled = false;
    const held = server.sync?.().finally(() => {
      settled = true;
    });
    await readFile(join(faultDir, "started"));
    for (let round = 0; round < 5; round++) {
      assert.deepEqual(await snapshot(server), second, "a fetch in progress changed what is served");
    }
    assert.equal(settled, false, "the fetch was still in progress while the server answered");
    await writeFile(join(faultDir, "release"), "go");
    assert.equal((await held)?.outcome, "published");
    assert.notDeepEqual(await snapshot(server), second);
  } finally {
    await server.close();
    await fx.remove();
  }
});
