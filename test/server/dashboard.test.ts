import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import request from "supertest";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { useErrorLog } from "../helpers/error-log.js";
import { createHandler } from "../../src/server/app.js";
import { escapeHtml, html, rawHtml } from "../../src/server/views/dashboard/html.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";
import { bodyOf } from "../helpers/http-body.js";
import { inProcessHandler } from "../helpers/store.js";

const log = useErrorLog();

const EVIL = `<script>alert("x")</script>`;

describe("html tagged template", () => {
  it("escapes every interpolated value, lists included, and inserts SafeHtml as is", () => {
    const name = `a"b'c<d>&e\`f`;
    assert.equal(
      html`<p title="${name}">${name}</p>`.text,
      `<p title="a&quot;b&#39;c&lt;d&gt;&amp;e&#96;f">a&quot;b&#39;c&lt;d&gt;&amp;e&#96;f</p>`,
    );
    const list = [html`<li>${"<2>"}</li>`, "<1>"];
    assert.equal(html`${list}`.text, "<li>&lt;2&gt;</li>&lt;1&gt;");
    assert.equal(html`${undefined}${null}${false}${0}`.text, "0");
    assert.equal(html`${rawHtml("<b>")}`.text, "<b>");
    assert.equal(escapeHtml("plain"), "plain");
  });
});

function cells(page: string): Map<string, string> {
  return new Map(
    [...page.matchAll(/data-node="([^"]+)" data-state="([^"]+)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]),
  );
}

describe("dashboard pages", () => {
  let store: RevisionStore;
  let handler: ReturnType<typeof createHandler>;

  before(async () => {
    const r = loadFleet(await readFleetDir(EXAMPLE_FLEET), {
      revision: "0123456789abcdef0123456789abcdef01234567",
    });
    assert.ok(r.ok);
    store = new RevisionStore();
    store.publish({
      fleet: r.fleet,
      loadedAt: new Date(),
      meta: { subject: `Bump etcd ${EVIL}`, author: "Ops <ops@example.com>" },
    });
    store.fail({
      at: new Date(),
      kind: "rejected",
      revision: "fedcba9876543210fedcba9876543210fedcba98",
      message: `revision rejected: 1 error ${EVIL}`,
      meta: { subject: `Break it <img src=x onerror=alert(1)>` },
      issues: [{ severity: "error", code: "schema", file: "common/x.yaml", message: `bad <b>field</b>` }],
    });
    ({ handler } = inProcessHandler(store, {
      logger: log.logger,
      sourceDescription: "dir:/srv/<fleet>",
      version: "0.1.0",
    }));
    await request(handler).get("/nodes/cp-1").set("User-Agent", `Go-http-client/1.1 ${EVIL}`).expect(200);
    await request(handler)
      .post("/nodes/edge-1/report")
      .send({
        converged: false,
        pods: [{ name: "monitoring/x-edge-1", state: "failed", reason: EVIL }],
        errors: [`podman: ${EVIL}`],
      })
      .expect(204);
  });

  it("shows the served revision, its commit, the rejected one and why, all escaped", async () => {
    const res = await request(handler).get("/").expect(200);
    assert.match(res.headers["content-type"] ?? "", /^text\/html/);
    const page = res.text;
    assert.ok(!page.includes(EVIL), "no raw markup from data");
    assert.ok(!page.includes("<img src=x"));
    assert.ok(!page.includes("<b>field"));
    assert.ok(page.includes("0123456789ab"));
    assert.ok(page.includes("Bump etcd &lt;script&gt;"));
    assert.ok(page.includes("fedcba987654"));
    assert.ok(page.includes("Break it &lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(page.includes("common/x.yaml: bad &lt;b&gt;field&lt;/b&gt;"));
    assert.ok(page.includes("dir:/srv/&lt;fleet&gt;"));
    assert.equal((page.match(/<script>/g) ?? []).length, 1, "only the refresh script");
  });

  it("colours each node by its real state", async () => {
    const page = (await request(handler).get("/").expect(200)).text;
    assert.deepEqual(Object.fromEntries(cells(page)), {
      "cp-1": "current",
      "cp-2": "never-fetched",
      "cp-3": "never-fetched",
      "edge-1": "agent-error",
      "edge-2": "never-fetched",
    });
    assert.match(page, /data-count="never-fetched"[^>]*>never fetched: <strong>3<\/strong>/);
  });

  it("filters by group, label, state and name through the query string", async () => {
    const by = async (q: string) => [
      ...cells((await request(handler).get(`/?${q}`).expect(200)).text).keys(),
    ];
    assert.deepEqual(await by("group=edge"), ["edge-1", "edge-2"]);
    assert.deepEqual(await by("label=zone%3Db"), ["cp-2"]);
    assert.deepEqual(await by("label=site"), ["edge-1", "edge-2"]);
    assert.deepEqual(await by("state=agent-error"), ["edge-1"]);
    assert.deepEqual(await by("q=cp&state=never-fetched"), ["cp-2", "cp-3"]);
    assert.deepEqual(await by("state=bogus&group[]=x"), ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"]);
    const page = (await request(handler).get("/?group=edge").expect(200)).text;
    assert.match(page, /<option value="edge" selected>/);
  });

  it("node page: pods with origins, last fetch and last report, escaped", async () => {
    const cp1 = (await request(handler).get("/ui/nodes/cp-1").expect(200)).text;
    assert.match(cp1, /data-state="current"/);
    assert.match(cp1, /data-pod="kube-system\/etcd"/);
    assert.match(cp1, /groups\/control-plane\/etcd\.yaml/);
    assert.match(cp1, /Go-http-client\/1\.1 &lt;script&gt;/);
    assert.match(cp1, /No agent has reported/);
    const edge = (await request(handler).get("/ui/nodes/EDGE-1").expect(200)).text;
    assert.match(edge, /data-state="agent-error"/);
    assert.match(edge, /podman: &lt;script&gt;/);
    assert.match(edge, /No fetch recorded/);
    assert.ok(!edge.includes(EVIL));
    await request(handler).get("/ui/nodes/nope").expect(404);
  });

  it("serves the same states as JSON at /api/rollout", async () => {
    const res = await request(handler).get("/api/rollout?group=control-plane").expect(200);
    const body = bodyOf<{ counts: Record<string, number>; nodes: { name: string; state: string }[] }>(res);
    assert.deepEqual(body.counts, {
      current: 1,
      held: 0,
      "rolled-back": 0,
      behind: 0,
      "never-fetched": 3,
      "agent-error": 1,
    });
    assert.deepEqual(
      body.nodes.map((n: { name: string; state: string }) => `${n.name}:${n.state}`),
      ["cp-1:current", "cp-2:never-fetched", "cp-3:never-fetched"],
    );
  });

  it("answers before the first revision without failing", async () => {
    const empty = createHandler({
      store: new RevisionStore(),
      logger: log.logger,
      sourceDescription: "t",
      version: "0",
    });
    const page = (await request(empty).get("/").expect(200)).text;
    assert.match(page, /No valid revision loaded yet/);
    await request(empty).get("/api/rollout").expect(503);
  });
});
