// A poisoned revision never takes the server down: every load path reports it as a rejection, and a restart serves the last good one.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FleetFollower } from "../../src/revisions/follower.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { silentLogger } from "../../src/lib/logger.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { copyExampleFleet, manualDirSource, podYaml, tempDir } from "../helpers/fleet.js";
import { createGitFixture, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { spawnServer, withCacheDir } from "../helpers/processes.js";

const SECRET = "poison-test-secret";

const DEEP = { "manifests/common/deep.json": "[".repeat(3500) + "]".repeat(3500) };

/** Commits that used to end the process (a stack overflow, a non-finite number, an oversized string), and the error each gives. */
function poisons(fleetYaml: string): Array<[string, Record<string, string>, RegExp]> {
  return [
    ["deep", DEEP, /common\/deep\.json.*nested deeper than 1,000 levels/],
    [
      "infinite",
      {
        "manifests/common/inf.json": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"inf"},"spec":{"containers":[{"name":"c","image":"i"}],"priority":1e400}}`,
      },
      /common\/inf\.json.*out of range/,
    ],
    [
      "huge",
      {
        "manifests/common/huge.yaml": podYaml(
          "huge",
          "i",
          `  hostname: "${"{{ vars.big }}".repeat(6000)}"\n`,
        ),
        "manifests/fleet.yaml": fleetYaml.replace(/^vars:\n/m, `vars:\n  big: "${"x".repeat(100_000)}"\n`),
      },
      /common\/huge\.yaml.*expands to more than/,
    ],
  ];
}

function serve(fx: GitFixture): Promise<RunningServer> {
  const source = createGitSource({
    repo: fx.remote,
    cacheDir: fx.cacheDir,
    cwd: fx.root.path,
    env: gitEnv(GIT_TEST_ENV, true),
    pollMs: 0,
  });
  return startServer({ git: { source, webhookSecret: SECRET }, listen: "127.0.0.1:0" });
}

async function hook(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify({ ref: "refs/heads/main" });
  const res = await fetch(`${url}/hooks/git`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Hub-Signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function bytes(url: string): Promise<{ body: Buffer; revision: string | null }> {
  const res = await fetch(`${url}/nodes/cp-1`);
  return { body: Buffer.from(await res.arrayBuffer()), revision: res.headers.get("x-manifest-revision") };
}

describe("poisoned revisions", () => {
  it("with --poll 0, each poison answers the webhook 'rejected', shows in /status, and restarts serve the last good commit", async () => {
    const fx = await createGitFixture();
    let server = await serve(fx);
    try {
      let good = await bytes(server.url);
      const fleetYaml = await readFile(join(fx.work, "manifests/fleet.yaml"), "utf8");
      for (const [name, tree, expected] of poisons(fleetYaml)) {
        const sha = await fx.change(tree, `Poison: ${name}`);
        const answer = await hook(server.url);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body["outcome"], "rejected", name);
        assert.equal(answer.body["revision"], sha);
        const status = (await (await fetch(`${server.url}/status`)).json()) as {
          lastError: { revision: string; issues: Array<{ text: string }> };
        };
        assert.equal(status.lastError.revision, sha);
        assert.match(status.lastError.issues.map((i) => i.text).join("\n"), expected);
        assert.deepEqual(await bytes(server.url), good, `${name}: the last good bytes are still served`);
        // Take the poison out again (restoring fleet.yaml) so the next one is alone.
        const undo = Object.fromEntries(Object.keys(tree).map((p) => [p, null as string | null]));
        undo["manifests/fleet.yaml"] = fleetYaml;
        await fx.change(undo, "Remove poison");
        assert.equal((await hook(server.url)).body["outcome"], "published");
        good = await bytes(server.url);
      }
      const served = (await bytes(server.url)).revision;

      // The newest commit is poisoned when the server restarts: it serves the last good commit and says why.
      const poisoned = await fx.change(DEEP, "Poison before restart");
      await server.close();
      server = await serve(fx);
      assert.equal(server.firstLoad.kind, "rejected");
      const after = await bytes(server.url);
      assert.equal(after.revision, served);
      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        lastError: { revision: string };
      };
      assert.equal(status.lastError.revision, poisoned);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    } finally {
      await server.close();
      await fx.remove();
    }
  });

  it("whatever the loader throws is a rejection with its message, never an exception out of refresh", async () => {
    const dir = await copyExampleFleet();
    const store = new RevisionStore();
    let explode = false;
    const follower = new FleetFollower({
      source: manualDirSource(dir.path),
      store,
      logger: silentLogger(),
      load: async (snapshot, previous) => {
        if (explode) throw new RangeError("Invalid string length");
        const { loadFleetInSlices } = await import("../../src/fleet/load-fleet.js");
        return loadFleetInSlices(snapshot.files, { revision: snapshot.revision, previous });
      },
    });
    try {
      assert.equal((await follower.start()).kind, "published");
      const served = store.current?.fleet.revision;
      explode = true;
      await writeFile(join(dir.path, "common/new.yaml"), podYaml("new"));
      const outcome = await follower.refresh();
      assert.equal(outcome.kind, "rejected");
      assert.equal(store.current?.fleet.revision, served);
      assert.match(
        store.lastError?.issues?.[0]?.message ?? "",
        /could not be loaded: RangeError: Invalid string length/,
      );
      assert.equal(store.counters.rejected, 1);
    } finally {
      await follower.stop();
      await dir.remove();
    }
  });

  it("SIGHUP on a poisoned folder: the process stays up and /status shows the rejection", async () => {
    const dir = await copyExampleFleet();
    const cache = await tempDir("ms-cache-");
    const server = await spawnServer(["--dir", dir.path, "--quiet-period", "60s"], withCacheDir(cache.path));
    try {
      const before = await bytes(server.url);
      await writeFile(
        join(dir.path, "common/deep.json"),
        '{"a":' + "[".repeat(4000) + "]".repeat(4000) + "}",
      );
      server.kill("SIGHUP");
      await server.waitFor(/revision sha256:[0-9a-f]+ rejected/);
      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        lastError: { issues: Array<{ text: string }> };
      };
      assert.match(
        status.lastError.issues[0]?.text ?? "",
        /common\/deep\.json.*nested deeper than 1,000 levels/,
      );
      assert.deepEqual(await bytes(server.url), before);
    } finally {
      server.kill("SIGTERM");
      await server.exited;
      await dir.remove();
      await cache.remove();
    }
  });
});
