import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { postReport, reportUrlFor } from "../../src/agent/report.js";
import { AgentReports, parseReport, type StoredReport } from "../../src/server/fleet-view/agent-reports.js";
import { createHandler, type FleetView } from "../../src/server/app.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { tokenDigest } from "../../src/server/access/tokens.js";
import { EXAMPLE_FLEET, tempDir, type TempDir } from "../helpers/fleet.js";
import { bodyOf, errorOf } from "../helpers/http-body.js";
import { exampleStore, inProcessHandler } from "../helpers/store.js";
import { useErrorLog } from "../helpers/error-log.js";

const log = useErrorLog();

const GOOD = {
  revision: "rev-1",
  etag: '"abc"',
  converged: false,
  pods: [
    { name: "kube-system/etcd-cp-1", state: "running" },
    { name: "kube-system/kube-apiserver-cp-1", state: "failed", reason: "image pull failed" },
    { name: "kube-system/kube-scheduler-cp-1", state: "pending" },
  ],
  errors: ["pod kube-system/kube-apiserver-cp-1 could not be added: image pull failed"],
};

describe("parseReport", () => {
  it("accepts a complete report and defaults missing lists", () => {
    const r = parseReport(GOOD);
    assert.ok(r.ok);
    assert.equal(r.report.pods.length, 3);
    assert.equal(r.report.pods[1]?.reason, "image pull failed");
    const minimal = parseReport({ converged: true });
    assert.deepEqual(minimal, {
      ok: true,
      report: { revision: null, etag: null, converged: true, pods: [], errors: [] },
    });
  });

  it("reports every problem with its path", () => {
    const r = parseReport({
      revision: 7,
      converged: "yes",
      pods: [{ name: "a/b", state: "sleeping" }, "x", { state: "running" }],
      errors: ["ok", 3],
    });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [
      "revision: must be a string",
      "converged: must be true or false",
      "pods[0].state: must be one of running, failed, pending",
      "pods[1]: must be an object with name and state",
      "pods[2].name: must be a string",
      "errors[1]: must be a string",
    ]);
  });

  it("bounds lists and strings", () => {
    const many = parseReport({
      converged: true,
      pods: Array.from({ length: 1001 }, () => ({ name: "a", state: "running" })),
    });
    assert.ok(!many.ok);
    assert.match(many.problems.join(), /pods: at most 1000/);
    const long = parseReport({ converged: true, errors: ["x".repeat(2001)] });
    assert.ok(!long.ok);
    assert.match(long.problems.join(), /errors\[0\]: must be at most 2000 characters/);
    assert.ok(!parseReport([]).ok);
    assert.ok(!parseReport(null).ok);
  });
});

describe("AgentReports bounds", () => {
  it("keeps the latest per node and forgets the oldest reporter beyond maxNodes", () => {
    const reports = new AgentReports(2);
    const r = (at: number): StoredReport => ({
      revision: null,
      etag: null,
      converged: true,
      pods: [],
      errors: [],
      receivedAt: at,
      address: "",
      userAgent: "",
    });
    reports.set("a", r(1));
    reports.set("b", r(2));
    reports.set("a", r(3));
    reports.set("c", r(4));
    assert.equal(reports.size, 2);
    assert.equal(reports.get("b"), undefined, "b reported longest ago");
    assert.equal(reports.get("a")?.receivedAt, 3);
  });
});

describe("POST /nodes/{node}/report (in-process)", () => {
  let fleetView: FleetView;
  let handler: ReturnType<typeof createHandler>;
  before(async () => {
    const store = await exampleStore();
    ({ fleetView, handler } = inProcessHandler(store, { logger: log.logger }));
  });

  it("stores a valid report (204) and shows it with GET", async () => {
    await request(handler)
      .post("/nodes/cp-1/report")
      .set("User-Agent", "manifest-agent/1")
      .send(GOOD)
      .expect(204);
    const stored = fleetView.reports.get("cp-1");
    assert.equal(stored?.pods.length, 3);
    assert.equal(stored?.userAgent, "manifest-agent/1");
    const res = await request(handler).get("/nodes/cp-1/report").expect(200);
    const body = bodyOf<{ node: string; errors: string[] }>(res);
    assert.equal(body.node, "cp-1");
    assert.equal(body.errors[0], GOOD.errors[0]);
    await request(handler).get("/nodes/cp-2/report").expect(404);
  });

  it("answers 400 with every problem and keeps the previous report", async () => {
    const res = await request(handler)
      .post("/nodes/cp-1/report")
      .send({ converged: 1, pods: [{ name: 1, state: "x" }] })
      .expect(400);
    assert.equal(errorOf(res).code, "invalid-report");
    assert.deepEqual(errorOf(res).problems, [
      "converged: must be true or false",
      "pods[0].name: must be a string",
      "pods[0].state: must be one of running, failed, pending",
    ]);
    assert.equal(fleetView.reports.get("cp-1")?.pods.length, 3);
  });

  it("404 for an unknown node, 400 for an invalid name, nothing stored", async () => {
    const res = await request(handler).post("/nodes/nope/report").send(GOOD).expect(404);
    assert.equal(errorOf(res).code, "unknown-node");
    await request(handler).post("/nodes/Bad_Name/report").send(GOOD).expect(400);
    assert.equal(fleetView.reports.get("nope"), undefined);
  });

  it("400 for broken JSON, 415 for other types, 413 beyond 256 KiB", async () => {
    await request(handler)
      .post("/nodes/cp-2/report")
      .set("Content-Type", "application/json")
      .send("{oops")
      .expect(400);
    await request(handler)
      .post("/nodes/cp-2/report")
      .set("Content-Type", "text/plain")
      .send("hi")
      .expect(415);
    const big = {
      ...GOOD,
      errors: Array.from({ length: 50 }, () => "x".repeat(2000)),
      pad: "y".repeat(200_000),
    };
    const res = await request(handler).post("/nodes/cp-2/report").send(big).expect(413);
    assert.equal(errorOf(res).code, "too-large");
    assert.equal(fleetView.reports.get("cp-2"), undefined);
  });
});

describe("POST /nodes/{node}/report (listener)", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", logger: log.logger });
  });
  after(() => server.close());

  it("stores the report with the sender's address", async () => {
    const res = await fetch(`${server.url}/nodes/edge-2/report`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "manifest-agent/1" },
      body: JSON.stringify({ converged: true, pods: [{ name: "default/x-edge-2", state: "running" }] }),
    });
    assert.equal(res.status, 204);
    const stored = server.fleetView.reports.get("edge-2");
    assert.equal(stored?.converged, true);
    assert.equal(stored?.address.replace(/^::ffff:/, ""), "127.0.0.1");
  });
});

describe("reports are authenticated like fetches (tokens file)", () => {
  let dir: TempDir;
  let server: RunningServer;
  const token = "cp-1-secret-token";
  before(async () => {
    dir = await tempDir("ms-report-auth-");
    const file = join(dir.path, "tokens.yaml");
    await writeFile(
      file,
      `nodes:\n  cp-1: "${tokenDigest(token)}"\nadmin: ["${tokenDigest("admin-secret-token")}"]\n`,
    );
    server = await startServer({
      dir: EXAMPLE_FLEET,
      listen: "127.0.0.1:0",
      tokensFile: file,
      logger: log.logger,
    });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it("the agent's postReport with the poll headers is accepted for its own node only", async () => {
    const headers = [["Authorization", `Bearer ${token}`]] as const;
    const body = { revision: null, etag: null, converged: true, pods: [], errors: [] };
    await postReport(
      { url: reportUrlFor(`${server.url}/nodes/cp-1?format=json`), headers, userAgent: "manifest-agent/t" },
      body,
    );
    assert.equal(server.fleetView.reports.get("cp-1")?.userAgent, "manifest-agent/t");
    await assert.rejects(
      postReport({ url: `${server.url}/nodes/cp-2/report`, headers, userAgent: "manifest-agent/t" }, body),
      /403/,
    );
    await assert.rejects(
      postReport(
        { url: `${server.url}/nodes/cp-1/report`, headers: [], userAgent: "manifest-agent/t" },
        body,
      ),
      /401/,
    );
    assert.equal(server.fleetView.reports.get("cp-2"), undefined);
  });
});
