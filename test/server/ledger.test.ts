import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { useErrorLog } from "../helpers/error-log.js";
import { createHandler, createFleetView, type FleetView } from "../../src/server/app.js";
import { clientKind, FetchLedger, type FetchRecord } from "../../src/server/fleet-view/fetch-ledger.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";
import { exampleStore, inProcessHandler } from "../helpers/store.js";

const log = useErrorLog();

function record(at: number): FetchRecord {
  return {
    at,
    status: 200,
    etag: '"e"',
    revision: "r",
    format: "json",
    client: "other",
    address: "",
    userAgent: "",
  };
}

describe("clientKind", () => {
  const cases: Array<[string | undefined, string]> = [
    ["Go-http-client/1.1", "kubelet"],
    ["Go-http-client/2.0", "kubelet"],
    ["kubelet/v1.31.2 (linux/amd64)", "kubelet"],
    ["manifest-agent/0.1.0", "manifest-agent"],
    ["curl/8.5.0", "other"],
    ["", "other"],
    [undefined, "other"],
  ];
  for (const [ua, kind] of cases) it(`${String(ua)} → ${kind}`, () => assert.equal(clientKind(ua), kind));
});

describe("FetchLedger bounds", () => {
  it("keeps the last fetch per node and forgets the node that fetched least recently beyond maxNodes", () => {
    const ledger = new FetchLedger(3);
    ledger.record("a", record(1));
    ledger.record("b", record(2));
    ledger.record("c", record(3));
    ledger.record("a", record(4));
    assert.equal(ledger.size, 3);
    assert.equal(ledger.get("a")?.at, 4);
    ledger.record("d", record(5));
    assert.equal(ledger.size, 3);
    assert.equal(ledger.get("b"), undefined, "the least recent fetcher is forgotten");
    assert.equal(ledger.get("a")?.at, 4, "a node that fetched again is kept");
    assert.equal(ledger.get("d")?.at, 5);
  });
});

describe("fetch ledger over HTTP", () => {
  let store: RevisionStore;
  let fleetView: FleetView;
  let handler: ReturnType<typeof createHandler>;
  before(async () => {
    store = await exampleStore();
    ({ fleetView, handler } = inProcessHandler(store, { logger: log.logger }));
  });

  it("records 200 and 304 with ETag, revision, format, client kind and address", async () => {
    const first = await request(handler)
      .get("/nodes/cp-1")
      .set("User-Agent", "Go-http-client/1.1")
      .expect(200);
    const rec = fleetView.ledger.get("cp-1");
    assert.ok(rec);
    assert.equal(rec.status, 200);
    assert.equal(rec.etag, first.headers["etag"]);
    assert.equal(rec.revision, "rev-1");
    assert.equal(rec.format, "json");
    assert.equal(rec.client, "kubelet");
    assert.match(rec.address, /127\.0\.0\.1/);
    await request(handler)
      .get("/nodes/cp-1?format=yaml")
      .set("User-Agent", "manifest-agent/0.1.0")
      .set("If-None-Match", "*")
      .expect(304);
    const again = fleetView.ledger.get("cp-1");
    assert.equal(again?.status, 304);
    assert.equal(again?.format, "yaml");
    assert.equal(again?.client, "manifest-agent");
  });

  it("never records unknown nodes, invalid names or errors", async () => {
    const before = fleetView.ledger.size;
    await request(handler).get("/nodes/no-such-node").expect(404);
    await request(handler).get("/nodes/Bad_Name!").expect(400);
    await request(handler).post("/nodes/cp-2").expect(405);
    assert.equal(fleetView.ledger.size, before);
    assert.equal(fleetView.ledger.get("no-such-node"), undefined);
    assert.equal(fleetView.ledger.get("cp-2"), undefined);
  });

  it("ignores X-Forwarded-For unless the proxy is trusted", async () => {
    await request(handler).get("/nodes/cp-3").set("X-Forwarded-For", "203.0.113.9").expect(200);
    assert.doesNotMatch(fleetView.ledger.get("cp-3")?.address ?? "", /203\.0\.113\.9/);
    const trusted = createFleetView(store, { trustProxy: true });
    const h = createHandler({
      store,
      logger: log.logger,
      sourceDescription: "t",
      version: "0",
      fleetView: trusted,
    });
    await request(h).get("/nodes/cp-3").set("X-Forwarded-For", "203.0.113.9, 10.0.0.1").expect(200);
    assert.equal(trusted.ledger.get("cp-3")?.address, "203.0.113.9");
  });
});

describe("fetch ledger on a real listener", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", logger: log.logger });
  });
  after(() => server.close());

  it("records the socket's address and the client", async () => {
    const res = await fetch(`${server.url}/nodes/edge-1`, { headers: { "User-Agent": "manifest-agent/9" } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const rec = server.fleetView.ledger.get("edge-1");
    assert.equal(rec?.client, "manifest-agent");
    assert.equal(rec?.address.replace(/^::ffff:/, ""), "127.0.0.1");
    assert.equal(rec?.revision, res.headers.get("x-manifest-revision"));
  });
});
