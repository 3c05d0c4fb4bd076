import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import request from "supertest";
import { loadFleet, type CompiledFleet } from "../../src/fleet/load-fleet.js";
import { useErrorLog } from "../helpers/error-log.js";
import { createHandler, createFleetView, type FleetView } from "../../src/server/app.js";
import { routeOf } from "../../src/server/views/route-label.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET, filesFromTree, podYaml } from "../helpers/fleet.js";
import { sample } from "../helpers/prometheus.js";
import { inProcessHandler } from "../helpers/store.js";

const log = useErrorLog();

async function example(revision: string): Promise<CompiledFleet> {
  const r = loadFleet(await readFleetDir(EXAMPLE_FLEET), { revision });
  assert.ok(r.ok);
  return r.fleet;
}

describe("routeOf", () => {
  it("maps paths to a fixed set, never the raw path", () => {
    assert.equal(routeOf("/nodes/cp-1"), "node");
    assert.equal(routeOf("/nodes/cp-1/report"), "node-report");
    assert.equal(routeOf("/nodes/cp-1/other"), "other");
    assert.equal(routeOf("/ui/nodes/cp-1"), "dashboard-node");
    assert.equal(routeOf("/"), "dashboard");
    assert.equal(routeOf("/metrics"), "metrics");
    assert.equal(routeOf("/random/../path"), "other");
  });
});

describe("GET /metrics after scripted fetches", () => {
  let store: RevisionStore;
  let fleetView: FleetView;
  let handler: ReturnType<typeof createHandler>;
  let old: CompiledFleet;
  let text: string;

  before(async () => {
    store = new RevisionStore();
    old = await example("rev-old");
    store.publish({ fleet: old, loadedAt: new Date(1_000_000), meta: {} });
    ({ fleetView, handler } = inProcessHandler(store, { logger: log.logger }));
    // cp-3 fetches the old revision, whose document then changes.
    await request(handler).get("/nodes/cp-3").set("User-Agent", "Go-http-client/1.1").expect(200);
    const tree = filesFromTree({
      "fleet.yaml": "nodes:\n  cp-1: {}\n  cp-2: {}\n  cp-3: {}\n  edge-1: {}\n",
      "common/a.yaml": podYaml("a", "busybox:1.37"),
    });
    const next = loadFleet(tree, { revision: "rev-new" });
    assert.ok(next.ok);
    store.publish({ fleet: next.fleet, loadedAt: new Date(2_000_000), meta: {} });
    store.fail({
      at: new Date(3_000_000),
      kind: "rejected",
      revision: "rev-bad",
      message: "rejected",
      issues: [],
    });
    await request(handler).get("/nodes/cp-1").set("User-Agent", "Go-http-client/1.1").expect(200);
    const etag = (await request(handler).get("/nodes/cp-2").set("User-Agent", "manifest-agent/1").expect(200))
      .headers["etag"];
    await request(handler)
      .get("/nodes/cp-2")
      .set("User-Agent", "manifest-agent/1")
      .set("If-None-Match", etag ?? "")
      .expect(304);
    await request(handler).get("/nodes/nope").expect(404);
    await request(handler)
      .post("/nodes/edge-1/report")
      .send({
        revision: "rev-new",
        converged: false,
        pods: [
          { name: "default/a-edge-1", state: "failed", reason: "no such image" },
          { name: "default/b-edge-1", state: "running" },
        ],
        errors: ["pod default/a-edge-1 could not be added: no such image"],
      })
      .expect(204);
    fleetView.metrics.observeGitFetch({ ok: true, durationMs: 120 });
    fleetView.metrics.observeGitFetch({ ok: false, durationMs: 3000 });
    const res = await request(handler).get("/metrics").expect(200);
    assert.match(res.headers["content-type"] ?? "", /^text\/plain/);
    text = res.text;
  });

  it("exports the served revision, switches and rejections", () => {
    assert.equal(sample(text, "manifest_server_revision_info", { revision: "rev-new" }), 1);
    assert.equal(sample(text, "manifest_server_revision_info", { revision: "rev-old" }), undefined);
    assert.equal(sample(text, "manifest_server_revision_switches_total"), 2);
    assert.equal(sample(text, "manifest_server_revision_rejections_total"), 1);
    assert.equal(sample(text, "manifest_server_revision_loaded_timestamp_seconds"), 2000);
  });

  it("counts requests by fixed route and status, with durations", () => {
    assert.equal(
      sample(text, "manifest_server_http_requests_total", { route: "node", method: "GET", status: "200" }),
      3,
    );
    assert.equal(
      sample(text, "manifest_server_http_requests_total", { route: "node", method: "GET", status: "304" }),
      1,
    );
    assert.equal(
      sample(text, "manifest_server_http_requests_total", { route: "node", method: "GET", status: "404" }),
      1,
    );
    assert.equal(
      sample(text, "manifest_server_http_requests_total", {
        route: "node-report",
        method: "POST",
        status: "204",
      }),
      1,
    );
    assert.equal(sample(text, "manifest_server_http_request_duration_seconds_count", { route: "node" }), 5);
    assert.doesNotMatch(text, /nope/);
  });

  it("counts node documents by client kind", () => {
    assert.equal(sample(text, "manifest_server_node_fetches_total", { client: "kubelet", status: "200" }), 2);
    assert.equal(
      sample(text, "manifest_server_node_fetches_total", { client: "manifest-agent", status: "304" }),
      1,
    );
  });

  it("exports fleet aggregates and per-node series", () => {
    assert.equal(sample(text, "manifest_server_nodes", { state: "current" }), 2);
    assert.equal(sample(text, "manifest_server_nodes", { state: "behind" }), 1);
    assert.equal(sample(text, "manifest_server_nodes", { state: "never_fetched" }), 0);
    assert.equal(sample(text, "manifest_server_nodes", { state: "agent_error" }), 1);
    assert.equal(sample(text, "manifest_server_node_current", { node: "cp-1" }), 1);
    assert.equal(sample(text, "manifest_server_node_current", { node: "cp-3" }), 0);
    assert.equal(sample(text, "manifest_server_node_current", { node: "edge-1" }), 0);
    const at = sample(text, "manifest_server_node_last_fetch_timestamp_seconds", { node: "cp-1" });
    assert.ok(at !== undefined && Math.abs(at - Date.now() / 1000) < 60);
    assert.equal(
      sample(text, "manifest_server_node_last_fetch_timestamp_seconds", { node: "edge-1" }),
      undefined,
    );
  });

  it("exports agent-reported pod states and git fetches", () => {
    assert.equal(sample(text, "manifest_server_agent_pods", { state: "failed" }), 1);
    assert.equal(sample(text, "manifest_server_agent_pods", { state: "running" }), 1);
    assert.equal(sample(text, "manifest_server_agent_pods", { state: "pending" }), 0);
    assert.equal(sample(text, "manifest_server_node_agent_pods", { node: "edge-1", state: "failed" }), 1);
    assert.equal(sample(text, "manifest_server_agent_reports_total"), 1);
    assert.equal(sample(text, "manifest_server_git_fetch_duration_seconds_count"), 2);
    assert.equal(sample(text, "manifest_server_git_fetch_duration_seconds_bucket", { le: "0.25" }), 1);
    assert.equal(sample(text, "manifest_server_git_fetch_failures_total"), 1);
  });

  it("leaves per-node series out with --per-node-metrics off, keeping aggregates", async () => {
    const off = createFleetView(store, { perNode: "off" });
    const h = createHandler({
      store,
      logger: log.logger,
      sourceDescription: "t",
      version: "0",
      fleetView: off,
    });
    await request(h).get("/nodes/cp-1").expect(200);
    const res = await request(h).get("/metrics").expect(200);
    assert.equal(sample(res.text, "manifest_server_node_current", { node: "cp-1" }), undefined);
    assert.doesNotMatch(res.text, /node="/);
    assert.equal(sample(res.text, "manifest_server_nodes", { state: "current" }), 1);
    assert.equal(off.metrics.perNodeEnabled(10_000), false);
    const auto = createFleetView(store);
    assert.equal(auto.metrics.perNodeEnabled(10_000), true);
    assert.equal(auto.metrics.perNodeEnabled(10_001), false);
  });
});
