// Where `serve` keeps rollout state: the flag, memory only, or a folder under the cache folder distinct per fleet.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dirStateKey, repoStateKey, serveStateDir } from "../../src/cli/state-dir.js";
import { runServerCli } from "../../src/cli/server-cli.js";
import { runCli } from "../helpers/cli.js";
import { copyExampleFleet, tempDir } from "../helpers/fleet.js";
import { spawnCli, spawnServer, withCacheDir } from "../helpers/processes.js";

const where = (source: string) => ({ cwd: "/work", cacheDir: "/cache", source });

describe("serve's state folder", () => {
  it("is --state-dir when given (relative to the working directory), none with --no-state-dir", () => {
    assert.equal(serveStateDir("state", where(dirStateKey("/srv/fleet"))), "/work/state");
    assert.equal(serveStateDir("/var/lib/ms", where(dirStateKey("/srv/fleet"))), "/var/lib/ms");
    assert.equal(serveStateDir(false, where(dirStateKey("/srv/fleet"))), undefined);
  });

  it("defaults to a folder under the cache folder named after the fleet, one per fleet", () => {
    const fleet = serveStateDir(undefined, where(dirStateKey("/srv/fleet")));
    assert.match(fleet ?? "", /^\/cache\/state\/fleet-[0-9a-f]{16}$/);
    assert.equal(serveStateDir(undefined, where(dirStateKey("/srv/fleet"))), fleet);
    const others = [
      dirStateKey("/srv/other/fleet"),
      dirStateKey("/srv/fleet2"),
      repoStateKey("/srv/fleet", "main", "manifests"),
      repoStateKey("https://git.example/ops/fleet.git", "main", "manifests"),
      repoStateKey("https://git.example/ops/fleet.git", "staging", "manifests"),
      repoStateKey("https://git.example/ops/fleet.git", "main", "edge"),
    ].map((k) => serveStateDir(undefined, where(k)));
    assert.equal(new Set([fleet, ...others]).size, 7);
    for (const dir of others) assert.match(dir ?? "", /^\/cache\/state\/[\w.-]+-[0-9a-f]{16}$/);
  });

  it("--help says where the state is kept and how to keep it in memory", async () => {
    const r = await runCli(runServerCli, ["serve", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--state-dir <dir>\s+keep rollout state here.*\(default:\s+<cache-dir>\/state\//s);
    assert.match(r.stdout, /--no-state-dir\s+keep rollout state in memory only/);
    assert.match(r.stdout, /per fleet\s+folder \(its real path\)/);
  });

  it("a second server of one fleet folder stops at start naming --no-state-dir, which lets it run", async () => {
    const fleet = await copyExampleFleet();
    const cache = await tempDir("ms-cache-");
    const env = withCacheDir(cache.path);
    const first = await spawnServer(["--dir", fleet.path], env);
    try {
      assert.match(
        first.stderr(),
        /"stateDir":"[^"]*\/state\/ms-fleet-\w+-[0-9a-f]{16}","msg":"rollout state"/,
      );
      const second = spawnCli(
        "manifest-server",
        ["serve", "--dir", fleet.path, "--listen", "127.0.0.1:0"],
        env,
      );
      assert.equal(await second.exited, 2);
      assert.match(second.stderr(), /the state folder .* is in use by process \d+/);
      assert.match(second.stderr(), /--no-state-dir: memory only/);
      const memory = await spawnServer(["--dir", fleet.path, "--no-state-dir"], env);
      const health = await fetch(`${memory.url}/healthz`);
      assert.equal(health.status, 200);
      await health.arrayBuffer();
      memory.kill("SIGTERM");
      assert.equal(await memory.exited, 0);
      assert.match(memory.stderr(), /"stateDir":"memory only","msg":"rollout state"/);
    } finally {
      first.kill("SIGTERM");
      await first.exited;
      await fleet.remove();
      await cache.remove();
    }
  });
});
