// After a git push, the dashboard data and /metrics both say which nodes run the new revision, which do not, and why.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Agent } from "../../src/agent/agent.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { createGitFixture, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { sample } from "../helpers/prometheus.js";
import { agentFor, brokenDriver, passAll } from "./agents.js";

interface RolloutNode {
  name: string;
  state: string;
  reason: string;
}

async function rolloutStates(url: string): Promise<Record<string, RolloutNode>> {
  const res = await fetch(`${url}/api/rollout`);
  assert.equal(res.status, 200);
  const body: unknown = await res.json();
  assert.ok(typeof body === "object" && body !== null && "nodes" in body && Array.isArray(body.nodes));
  return Object.fromEntries((body.nodes as RolloutNode[]).map((n) => [n.name, n]));
}

async function metrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

describe("rollout of a git push across a fleet with agents", () => {
  let fx: GitFixture;
  let server: RunningServer;
  let agents: Record<string, Agent>;
  let first: string;
  let second: string;

  before(async () => {
    fx = await createGitFixture();
    const source = createGitSource({
      repo: fx.remote,
      cacheDir: fx.cacheDir,
      cwd: fx.root.path,
      env: gitEnv(GIT_TEST_ENV, true),
      pollMs: 0,
    });
    server = await startServer({ git: { source }, listen: "127.0.0.1:0" });
    first = server.store.current?.fleet.revision ?? "";
    const blocker = join(fx.root.path, "not-a-folder");
    await writeFile(blocker, "x");
    agents = {
      "cp-1": agentFor(server.url, "cp-1"),
      "cp-2": agentFor(server.url, "cp-2"),
      "edge-1": agentFor(server.url, "edge-1", brokenDriver(blocker)),
    };
    await passAll(Object.values(agents));
    // A kubelet fetches cp-3 at the first revision too.
    const kubelet = await fetch(`${server.url}/nodes/cp-3`, {
      headers: { "User-Agent": "Go-http-client/1.1" },
    });
    assert.equal(kubelet.status, 200);
    await kubelet.arrayBuffer();

    const etcd = join(fx.work, "manifests/groups/control-plane/etcd.yaml");
    const text = await readFile(etcd, "utf8");
    await writeFile(etcd, text.replace(/imagePullPolicy: "IfNotPresent"/, 'imagePullPolicy: "Always"'));
    second = await fx.commit("etcd: always pull");
    await fx.push();
    const synced = await server.sync?.();
    assert.equal(synced?.outcome, "published");
    assert.equal(server.store.current?.fleet.revision, second);
    // Only cp-1's agent polls after the push; cp-2's agent and cp-3's kubelet have not yet.
    await passAll([agents["cp-1"]!, agents["edge-1"]!]);
  });

  after(async () => {
    await server.close();
    await fx.remove();
  });

  it("the dashboard data says who runs the new revision and why the others do not", async () => {
    const nodes = await rolloutStates(server.url);
    assert.equal(nodes["cp-1"]?.state, "current");
    assert.equal(nodes["cp-2"]?.state, "behind");
    assert.match(nodes["cp-2"]?.reason ?? "", new RegExp(`last fetched revision ${first.slice(0, 12)}`));
    assert.equal(nodes["cp-3"]?.state, "behind");
    assert.match(nodes["cp-3"]?.reason ?? "", /kubelet/);
    assert.equal(nodes["edge-1"]?.state, "agent-error");
    assert.match(nodes["edge-1"]?.reason ?? "", /agent: cannot list the static-dir runtime's pods/);
    assert.equal(nodes["edge-2"]?.state, "never-fetched");
    const page = await (await fetch(`${server.url}/`)).text();
    assert.ok(page.includes(second.slice(0, 12)));
    assert.ok(page.includes("etcd: always pull"));
    assert.match(page, /data-node="cp-2" data-state="behind"/);
  });

  it("/metrics says the same, per node and in aggregate", async () => {
    const text = await metrics(server.url);
    assert.equal(sample(text, "manifest_server_revision_info", { revision: second }), 1);
    assert.equal(sample(text, "manifest_server_revision_switches_total"), 2);
    assert.equal(sample(text, "manifest_server_nodes", { state: "current" }), 1);
    assert.equal(sample(text, "manifest_server_nodes", { state: "behind" }), 2);
    assert.equal(sample(text, "manifest_server_nodes", { state: "agent_error" }), 1);
    assert.equal(sample(text, "manifest_server_nodes", { state: "never_fetched" }), 1);
    assert.equal(sample(text, "manifest_server_node_current", { node: "cp-1" }), 1);
    assert.equal(sample(text, "manifest_server_node_current", { node: "cp-2" }), 0);
    assert.equal(sample(text, "manifest_server_agent_pods", { state: "running" }), 10);
    assert.ok((sample(text, "manifest_server_git_fetch_duration_seconds_count") ?? 0) >= 2);
  });

  it("once the others poll, they are current; a rejected push is shown with its reason", async () => {
    await passAll([agents["cp-2"]!]);
    const bad = await fx.change(
      { "manifests/common/broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {}\n" },
      "broken pod",
    );
    const synced = await server.sync?.();
    assert.equal(synced?.outcome, "rejected");
    const nodes = await rolloutStates(server.url);
    assert.equal(nodes["cp-2"]?.state, "current");
    const page = await (await fetch(`${server.url}/`)).text();
    assert.ok(page.includes(bad.slice(0, 12)));
    assert.ok(page.includes("broken pod"));
    assert.match(page, /rejected/);
    assert.match(page, /common\/broken\.yaml/);
    const text = await metrics(server.url);
    assert.equal(sample(text, "manifest_server_revision_rejections_total"), 1);
    assert.equal(sample(text, "manifest_server_revision_info", { revision: second }), 1);
    assert.equal(sample(text, "manifest_server_nodes", { state: "current" }), 2);
  });
});
