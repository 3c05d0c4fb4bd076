import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { useErrorLog } from "../helpers/error-log.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { createHandler } from "../../src/server/app.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";
import { bodyOf, errorOf } from "../helpers/http-body.js";
import { exampleStore } from "../helpers/store.js";

const log = useErrorLog();

function handlerFor(store: RevisionStore) {
  return createHandler({ store, logger: log.logger, sourceDescription: "test", version: "0.0.0-test" });
}

// Every case runs in-process (supertest on the handler) and against a real listener on port 0.
const targets: Array<
  [string, () => Promise<{ target: Parameters<typeof request>[0]; close(): Promise<void> }>]
> = [
  ["in-process", async () => ({ target: handlerFor(await exampleStore()), close: () => Promise.resolve() })],
  [
    "listener",
    async () => {
      const s: RunningServer = await startServer({
        dir: EXAMPLE_FLEET,
        listen: "127.0.0.1:0",
        logger: log.logger,
      });
      return { target: s.url, close: () => s.close() };
    },
  ],
];

for (const [kind, make] of targets) {
  describe(`node documents (${kind})`, () => {
    let t: Awaited<ReturnType<typeof make>>;
    before(async () => {
      t = await make();
    });
    after(() => t.close());

    it("serves a PodList with strong ETag, revision, no-cache and JSON type", async () => {
      const res = await request(t.target).get("/nodes/cp-1").expect(200);
      assert.match(res.headers["content-type"] ?? "", /^application\/json/);
      assert.match(res.headers["etag"] ?? "", /^"[^"]+"$/);
      assert.ok(res.headers["x-manifest-revision"]);
      assert.equal(res.headers["cache-control"], "no-cache");
      const list = bodyOf<{ kind: string; apiVersion: string; items: unknown[] }>(res);
      assert.equal(list.kind, "PodList");
      assert.equal(list.apiVersion, "v1");
      assert.equal(list.items.length, 5);
      assert.ok(Number(res.headers["content-length"]) > 0);
    });

    it("answers 304 for If-None-Match: the tag, a list, weak form and *", async () => {
      const first = await request(t.target).get("/nodes/cp-1").expect(200);
      const tag = first.headers["etag"] ?? "";
      for (const inm of [tag, `"other", ${tag}`, `W/${tag}`, "*"]) {
        const res = await request(t.target).get("/nodes/cp-1").set("If-None-Match", inm).expect(304);
        assert.equal(res.headers["etag"], tag);
        assert.equal(res.text ?? "", "");
      }
      await request(t.target).get("/nodes/cp-1").set("If-None-Match", '"nope"').expect(200);
    });

    it("matches node names case-insensitively", async () => {
      const a = await request(t.target).get("/nodes/CP-1").expect(200);
      const b = await request(t.target).get("/nodes/cp-1").expect(200);
      assert.equal(a.headers["etag"], b.headers["etag"]);
    });

    it("serves YAML by query or Accept, readable as the same PodList", async () => {
      const json = await request(t.target).get("/nodes/edge-1").expect(200);
      const y1 = await request(t.target)
        .get("/nodes/edge-1?format=yaml")
        .buffer(true)
        .parse(asText)
        .expect(200);
      const y2 = await request(t.target)
        .get("/nodes/edge-1")
        .set("Accept", "application/yaml")
        .buffer(true)
        .parse(asText)
        .expect(200);
      assert.match(y1.headers["content-type"] ?? "", /^application\/yaml/);
      assert.equal(y1.body, y2.body);
      assert.equal(y1.headers["etag"], y2.headers["etag"]);
      assert.notEqual(y1.headers["etag"], json.headers["etag"]);
      assert.deepEqual(yamlToJson(String(y1.body)), json.body);
      assert.equal(y1.headers["vary"], "Accept");
    });

    it("serves a --- stream of Pods for people and kubectl", async () => {
      const res = await request(t.target)
        .get("/nodes/edge-1?format=stream")
        .buffer(true)
        .parse(asText)
        .expect(200);
      const text = String(res.body);
      assert.equal(text.split(/^---$/m).length - 1, 2);
      assert.doesNotMatch(text, /PodList/);
    });

    it("HEAD gives the headers of GET without a body", async () => {
      const get = await request(t.target).get("/nodes/cp-2").expect(200);
      const head = await request(t.target).head("/nodes/cp-2").expect(200);
      assert.equal(head.headers["etag"], get.headers["etag"]);
      assert.equal(head.headers["content-length"], get.headers["content-length"]);
    });

    it("rejects bad names (400), unknown nodes (404), formats (400) and methods (405) with JSON errors", async () => {
      const cases: Array<[string, string, number, string]> = [
        ["get", "/nodes/not_a_name", 400, "invalid-node-name"],
        ["get", "/nodes/%E0%A4%A", 400, "invalid-node-name"],
        ["get", "/nodes/ghost", 404, "unknown-node"],
        ["get", "/nodes/cp-1?format=xml", 400, "invalid-format"],
        ["post", "/nodes/cp-1", 405, "method-not-allowed"],
        ["get", "/nope", 404, "not-found"],
      ];
      for (const [method, path, status, code] of cases) {
        const res = await (
          method === "post" ? request(t.target).post(path) : request(t.target).get(path)
        ).expect(status);
        assert.equal(errorOf(res).code, code, path);
        assert.equal(typeof errorOf(res).message, "string");
      }
    });

    it("lists nodes with pod counts and ETags", async () => {
      const res = await request(t.target).get("/nodes").expect(200);
      const cp1 = await request(t.target).get("/nodes/cp-1");
      const { nodes } = bodyOf<{ nodes: { name: string; pods: number; etag: string }[] }>(res);
      const entry = nodes.find((n) => n.name === "cp-1");
      assert.equal(entry?.pods, 5);
      assert.equal(entry?.etag, cp1.headers["etag"]);
    });

    it("reports status, health and readiness", async () => {
      const status = await request(t.target).get("/status").expect(200);
      const body = bodyOf<{ ready: boolean; revision: { id: string }; lastError: unknown }>(status);
      assert.equal(body.ready, true);
      assert.ok(body.revision.id);
      assert.equal(body.lastError, null);
      await request(t.target).get("/healthz").expect(200);
      await request(t.target).get("/readyz").expect(200);
    });
  });
}

// superagent only buffers text/* bodies by itself; YAML is application/yaml.
function textParser(res: IncomingMessage, cb: (err: Error | null, body: string) => void): void {
  let data = "";
  res.setEncoding("utf8");
  res.on("data", (c: string) => (data += c));
  res.on("end", () => cb(null, data));
}
const asText = textParser as unknown as (
  res: request.Response,
  cb: (err: Error | null, body: unknown) => void,
) => void;

describe("before the first valid revision", () => {
  it("answers 503 with Retry-After, never an empty 200", async () => {
    const handler = handlerFor(new RevisionStore());
    const res = await request(handler).get("/nodes/cp-1").expect(503);
    assert.equal(res.headers["retry-after"], "5");
    assert.equal(errorOf(res).code, "not-ready");
    await request(handler).get("/readyz").expect(503);
    await request(handler).get("/healthz").expect(200);
    await request(handler).get("/nodes").expect(503);
  });
});

describe("byte stability", () => {
  it("two servers on the same fleet serve identical bytes and ETags", async () => {
    const a = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", logger: log.logger });
    const b = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", logger: log.logger });
    try {
      for (const node of ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"])
        for (const format of ["json", "yaml", "stream"]) {
          const ra = await fetch(`${a.url}/nodes/${node}?format=${format}`);
          const rb = await fetch(`${b.url}/nodes/${node}?format=${format}`);
          assert.equal(ra.headers.get("etag"), rb.headers.get("etag"));
          assert.equal(ra.headers.get("x-manifest-revision"), rb.headers.get("x-manifest-revision"));
          assert.ok(Buffer.from(await ra.arrayBuffer()).equals(Buffer.from(await rb.arrayBuffer())));
        }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
