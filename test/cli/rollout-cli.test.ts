// `manifest-server rollout …` against a running server with tokens: the status table, actions, and their refusals.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runServerCli } from "../../src/cli/server-cli.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { runCli } from "../helpers/cli.js";
import { manualDirSource, tempDir, writeCanaryFleet, type TempDir } from "../helpers/fleet.js";
import { bearer, TOKENS, writeTokensFile } from "../security/helpers.js";

interface RolloutEvent {
  actor: string;
  kind: string;
  message: string;
}

const writeFleet = (dir: string, image: string) => writeCanaryFleet(dir, image, ["cp-1", "cp-2", "edge-1"]);

describe("manifest-server rollout", () => {
  let dir: TempDir;
  let server: RunningServer;
  let adminFile: string;
  let nodeFile: string;
  const cli = (...args: string[]) =>
    runCli(runServerCli, ["rollout", ...args, "--server", server.url, "--token-file", adminFile]);

  before(async () => {
    dir = await tempDir("ms-rollout-cli-");
    await mkdir(join(dir.path, "fleet"));
    await writeFleet(join(dir.path, "fleet"), "example/app:1");
    const tokensFile = await writeTokensFile(dir.path);
    adminFile = join(dir.path, "admin.token");
    nodeFile = join(dir.path, "node.token");
    await writeFile(adminFile, TOKENS.admin + "\n");
    await writeFile(nodeFile, TOKENS.cp1 + "\n");
    server = await startServer({
      source: manualDirSource(join(dir.path, "fleet")),
      listen: "127.0.0.1:0",
      tokensFile,
      rollout: { tickMs: 0 },
    });
  });

  after(async () => {
    await server.close();
    await dir.remove();
  });

  it("says when there is no rollout", async () => {
    const r = await cli("status");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No rollout: every node is served sha256:/);
  });

  it("shows a running rollout as a table with what to do, and acts on it with an admin token", async () => {
    await writeFleet(join(dir.path, "fleet"), "example/app:2");
    assert.equal((await server.follower.refresh()).kind, "published");
    await server.rollouts.driver.idle();
    const status = await cli("status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Rollout 1: .* PROGRESSING/);
    assert.match(status.stdout, /WAVE\s+STATUS\s+HOW\s+NODES\s+WAITING\s+SWITCHED/);
    assert.match(status.stdout, /canary\s+progressing/);
    assert.match(status.stdout, /Nothing to do: it moves on by itself/);

    const paused = await cli("pause");
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /PAUSED/);
    // The actor is the admin token's name; the user name the CLI sends is context only.
    const user = JSON.stringify(userInfo().username);
    assert.match(paused.stdout, new RegExp(`operator:alice\\s+paused by alice \\(client user ${user}\\)`));
    const json = await cli("status", "--output", "json");
    const body = JSON.parse(json.stdout) as { rollout: { state: string; events: RolloutEvent[] } };
    assert.equal(body.rollout.state, "paused");
    assert.deepEqual(
      body.rollout.events.filter((e) => e.kind === "paused").map((e) => e.actor),
      ["operator:alice"],
    );
    const page = await (await fetch(`${server.url}/`, { headers: bearer(TOKENS.admin) })).text();
    assert.match(page, /operator:alice<\/span> paused by alice/);

    // Another admin token naming someone else in `by` is still recorded as itself.
    const resumed = await fetch(`${server.url}/api/rollout/resume`, {
      method: "POST",
      headers: { ...bearer(TOKENS.ciBot), "Content-Type": "application/json" },
      body: JSON.stringify({ by: "alice" }),
    });
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const after = (await resumed.json()) as { rollout: { events: RolloutEvent[] } };
    const last = after.rollout.events.at(-1);
    assert.equal(last?.kind, "resumed");
    assert.equal(last?.actor, "operator:ci-bot");
    assert.equal(last?.message, 'resumed by ci-bot (client user "alice")');

    const promoted = await cli("promote");
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /SUCCEEDED/);
    // A finished rollout refuses further actions: 409 with the reason, exit code 1.
    const again = await cli("abort");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /409 abort: rollout 1 has already succeeded/);
  });

  it("needs an admin token: 401 without one, 403 with a node token", async () => {
    const none = await fetch(`${server.url}/api/rollout/pause`, { method: "POST" });
    assert.equal(none.status, 401);
    await none.text();
    const node = await fetch(`${server.url}/api/rollout/pause`, {
      method: "POST",
      headers: bearer(TOKENS.cp1),
    });
    assert.equal(node.status, 403);
    await node.text();
    const r = await runCli(runServerCli, [
      "rollout",
      "status",
      "--server",
      server.url,
      "--token-file",
      nodeFile,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /403/);
  });
});
