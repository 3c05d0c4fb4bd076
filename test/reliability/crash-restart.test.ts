// SIGKILL of the real binaries at awkward moments: the server during a revision switch, the agent mid-reconcile.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { startServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { copyExampleFleet, podYaml, tempDir, manualDirSource } from "../helpers/fleet.js";
import { createGitFixture, GIT_TEST_ENV } from "../helpers/git.js";
import { spawnCli, spawnServer } from "../helpers/processes.js";

const NODES = ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"];

async function served(url: string): Promise<{ revision: string; docs: string }> {
  let revision = "";
  let docs = "";
  for (const n of NODES) {
    const res = await fetch(`${url}/nodes/${n}`);
    assert.equal(res.status, 200);
    const r = res.headers.get("x-manifest-revision") ?? "";
    if (revision !== "") assert.equal(r, revision, "one response set mixes revisions");
    revision = r;
    docs += `${n} ${res.headers.get("etag")}\n${await res.text()}\n`;
  }
  return { revision, docs };
}

test("server SIGKILLed during a revision switch restarts (remote gone) serving one whole good revision", async () => {
  const fx = await createGitFixture();
  const env = { ...GIT_TEST_ENV, MANIFEST_SERVER_CACHE_DIR: fx.cacheDir };
  const args = ["--repo", fx.remote, "--poll", "0"];
  const known = new Map<string, string>();
  try {
    const first = await spawnServer(args, env, fx.root.path);
    const c0 = await served(first.url);
    known.set(c0.revision, c0.docs);
    first.kill("SIGKILL");
    await first.exited;

    for (const [i, delayMs] of [0, 40, 150].entries()) {
      await fx.change(
        { "manifests/common/switch.yaml": podYaml("switch", `busybox:1.${30 + i}`) },
        `Switch ${i}`,
      );
      const server = await spawnServer(args, env, fx.root.path);
      const before = await served(server.url);
      known.set(before.revision, before.docs);
      server.kill("SIGHUP");
      await new Promise((r) => setTimeout(r, delayMs));
      server.kill("SIGKILL");
      assert.equal(await server.exited, "SIGKILL");

      await rename(fx.remote, `${fx.remote}.away`);
      try {
        const restarted = await spawnServer(args, env, fx.root.path);
        try {
          const after = await served(restarted.url);
          const expected = known.get(after.revision);
          if (expected !== undefined)
            assert.equal(after.docs, expected, `revision ${after.revision} changed bytes`);
          else {
            // The killed server got as far as fetching the new commit: it must be the pushed head, served whole.
            assert.match(after.docs, new RegExp(`busybox:1\\.${30 + i}`));
            known.set(after.revision, after.docs);
          }
        } finally {
          restarted.kill("SIGKILL");
          await restarted.exited;
        }
      } finally {
        await rename(`${fx.remote}.away`, fx.remote);
      }
    }

    const source = createGitSource({
      repo: fx.remote,
      cacheDir: join(fx.root.path, "fresh-cache"),
      cwd: fx.root.path,
      env: gitEnv(GIT_TEST_ENV, true),
      pollMs: 0,
    });
    const fresh = await startServer({ git: { source }, listen: "127.0.0.1:0" });
    try {
      const head = await served(fresh.url);
      const seen = known.get(head.revision);
      if (seen !== undefined)
        assert.equal(seen, head.docs, "a fresh clone serves other bytes for the same commit");
    } finally {
      await fresh.close();
    }
  } finally {
    await fx.remove();
  }
});

test("agent SIGKILLed mid-reconcile, again and again, restarts and converges without a lost pod or a partial file", async () => {
  const fleet = await copyExampleFleet();
  const roundPod = join(fleet.path, "nodes", "cp-1", "round.yaml");
  await mkdir(join(fleet.path, "nodes", "cp-1"), { recursive: true });
  await writeFile(roundPod, podYaml("round", "busybox:1.0"));
  const root = await tempDir("ms-agent-kill-");
  const podDir = join(root.path, "pods");
  await mkdir(podDir);
  const server = await startServer({ source: manualDirSource(fleet.path), listen: "127.0.0.1:0" });
  const args = [
    "--url",
    `${server.url}/nodes/cp-1`,
    "--node",
    "cp-1",
    "--runtime",
    "static-dir",
    "--static-dir",
    podDir,
    "--state-dir",
    join(root.path, "state"),
    "--interval",
    "100ms",
  ];
  const wholeFiles = async () => {
    const files = await readdir(podDir);
    for (const f of files) {
      assert.match(f, /^manifest-agent_.*\.yaml$/, "a temp file was left in the kubelet's folder");
      yamlToJson(await readFile(join(podDir, f), "utf8"));
    }
    return files.length;
  };
  try {
    const agent = spawnCli("manifest-agent", [...args, "--once"], { ...process.env });
    assert.equal(await agent.exited, 0, agent.stderr());
    assert.equal(await wholeFiles(), 6);
    for (let round = 0; round < 3; round++) {
      await writeFile(roundPod, podYaml("round", `busybox:1.${round + 1}`));
      assert.equal((await server.follower.refresh()).kind, "published");
      const running = spawnCli("manifest-agent", args, { ...process.env });
      await running.waitFor(/"msg":"received a new set of pods"/);
      running.kill("SIGKILL");
      assert.equal(await running.exited, "SIGKILL");
      assert.equal(await wholeFiles(), 6, "a pod was lost by the kill");
      const again = spawnCli("manifest-agent", [...args, "--once"], { ...process.env });
      assert.equal(await again.exited, 0, again.stderr());
      assert.equal(await wholeFiles(), 6);
      const files = await readdir(podDir);
      const roundFile = files.find((f) => f.includes("_round-")) ?? "";
      assert.match(await readFile(join(podDir, roundFile), "utf8"), new RegExp(`busybox:1\\.${round + 1}`));
    }
  } finally {
    await server.close();
    await fleet.remove();
    await root.remove();
  }
});
