// A single server keeps its fetch ledger and agent reports in its state folder: after a restart (a clean stop, or
// SIGKILL of a real process) /api/rollout and the dashboard show them, and a rollout whose canary fetched its new
// document before the restart goes on without waiting for another fetch. With --no-state-dir nothing is kept.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { manualDirSource, tempDir, writeCanaryFleet, type TempDir } from "../helpers/fleet.js";
import { spawnServer } from "../helpers/processes.js";

const NODES = ["cp-1", "cp-2"];
const KUBELET = "Go-http-client/1.1";

interface ApiNode {
  name: string;
  state: string;
  lastFetch: { etag: string; revision: string; client: string; at: string } | null;
  report: { revision: string | null; receivedAt: string; pods: Array<{ name: string }> } | null;
  rollout: { step: string } | null;
}
interface Api {
  revision: string;
  rollout: { id: string; state: string; waves: Array<{ name: string; status: string }> } | null;
  nodes: ApiNode[];
}

async function api(url: string): Promise<Api> {
  const res = await fetch(`${url}/api/rollout`);
  assert.equal(res.status, 200);
  return (await res.json()) as Api;
}

const node = (a: Api, name: string): ApiNode => {
  const n = a.nodes.find((x) => x.name === name);
  assert.ok(n !== undefined, name);
  return n;
};

/** GETs the node's document as the kubelet does; returns its ETag. */
async function poll(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/nodes/${name}`, { headers: { "user-agent": KUBELET } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return res.headers.get("etag") ?? "";
}

async function report(url: string, name: string, revision: string): Promise<void> {
  const res = await fetch(`${url}/nodes/${name}/report`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "manifest-agent/test" },
    body: JSON.stringify({
      revision,
      etag: null,
      converged: true,
      pods: [{ name: `default/app-${name}`, state: "running" }],
      errors: [],
    }),
  });
  assert.equal(res.status, 204);
}

const dirs: TempDir[] = [];
after(() => Promise.all(dirs.map((d) => d.remove())));
async function fleetAndState(): Promise<{ fleet: string; state: string }> {
  const fleet = await tempDir("ms-view-fleet-");
  const state = await tempDir("ms-view-state-");
  dirs.push(fleet, state);
  await writeCanaryFleet(fleet.path, "example/app:1", NODES);
  return { fleet: fleet.path, state: state.path };
}

describe("the fleet view kept in the state folder", () => {
  const servers: RunningServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  /** An in-process server whose rollout steps only when the test says (tick), on a folder reloaded on demand. */
  const start = async (fleet: string, stateDir: string | undefined) => {
    const s = await startServer({
      source: manualDirSource(fleet),
      listen: "127.0.0.1:0",
      ...(stateDir === undefined ? {} : { stateDir }),
      rollout: { tickMs: 0 },
    });
    servers.push(s);
    return s;
  };
  const stop = async (s: RunningServer) => {
    await s.close();
    servers.splice(servers.indexOf(s), 1);
  };

  it("shows the fetches and reports of before a restart, and the canary's fetch still counts", async () => {
    const { fleet, state } = await fleetAndState();
    let server = await start(fleet, state);
    const first = (await api(server.url)).revision;
    for (const n of NODES) await poll(server.url, n);
    await report(server.url, "cp-2", first);

    // A change: the canary cp-1 is switched at once and fetches its new document; nothing judges it before the stop.
    await writeCanaryFleet(fleet, "example/app:2", NODES);
    await server.follower.refresh();
    await server.rollouts.driver.idle();
    const switched = await api(server.url);
    const second = switched.revision;
    assert.notEqual(second, first);
    assert.equal(node(switched, "cp-1").rollout?.step, "switched");
    const canaryEtag = await poll(server.url, "cp-1");
    await stop(server);

    server = await start(fleet, state);
    const back = await api(server.url);
    const cp1 = node(back, "cp-1");
    assert.equal(cp1.lastFetch?.etag, canaryEtag);
    assert.equal(cp1.lastFetch.revision, second);
    assert.equal(cp1.lastFetch.client, "kubelet");
    const cp2 = node(back, "cp-2");
    assert.equal(cp2.lastFetch?.revision, first);
    assert.equal(cp2.report?.revision, first);
    assert.deepEqual(
      cp2.report.pods.map((p) => p.name),
      ["default/app-cp-2"],
    );
    assert.equal(cp2.state, "held", "it has the document it is held on");
    // The dashboard's node page shows the same last fetch and report.
    const page = await (await fetch(`${server.url}/ui/nodes/cp-2`)).text();
    assert.match(page, /Go-http-client\/1\.1/);
    assert.match(page, /1 running,\s+0 pending,\s+0 failed/);

    // The canary fetched its new document before the restart: judged healthy without another fetch.
    await server.rollouts.driver.tick();
    const judged = await api(server.url);
    assert.equal(node(judged, "cp-1").rollout?.step, "healthy");
    assert.equal(node(judged, "cp-1").lastFetch?.at, cp1.lastFetch.at, "no fetch since the restart");
    assert.equal(judged.rollout?.waves[0]?.status, "soaking");
    await stop(server);
  });

  it("with no state folder, a restart starts with an empty fleet view (as before)", async () => {
    const { fleet } = await fleetAndState();
    let server = await start(fleet, undefined);
    await poll(server.url, "cp-1");
    assert.notEqual(node(await api(server.url), "cp-1").lastFetch, null);
    await stop(server);
    server = await start(fleet, undefined);
    assert.equal(node(await api(server.url), "cp-1").lastFetch, null);
    await stop(server);
  });
});

describe("a real server killed with SIGKILL", () => {
  it("restarts on the same --state-dir with the fetches and reports it had written", async () => {
    const { fleet, state } = await fleetAndState();
    const args = ["--dir", fleet, "--state-dir", join(state, "s")];
    let server = await spawnServer(args, process.env);
    try {
      const first = (await api(server.url)).revision;
      const etag = await poll(server.url, "cp-1");
      await report(server.url, "cp-2", first);
      // The fetch's batch is written no later than the report's (the fetches go first), each fsynced.
      await server.waitFor(/"kind":"report"[^\n]*"node records written"/);
      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        state: { fleetView: { rowsWritten: number }; journal: { transactions: number } };
      };
      assert.ok(status.state.fleetView.rowsWritten >= 2);
      server.kill("SIGKILL");
      assert.equal(await server.exited, "SIGKILL");
      server = await spawnServer(args, process.env);
      const back = await api(server.url);
      assert.equal(node(back, "cp-1").lastFetch?.etag, etag);
      assert.equal(node(back, "cp-2").report?.revision, first);
      assert.equal(node(back, "cp-2").lastFetch, null);
      const page = await (await fetch(`${server.url}/ui/nodes/cp-1`)).text();
      assert.ok(page.includes(etag.replaceAll('"', "&quot;")), "the last fetch's ETag");
      assert.match(page, /Go-http-client\/1\.1/);
    } finally {
      server.kill("SIGKILL");
      await server.exited;
    }
  });
});
