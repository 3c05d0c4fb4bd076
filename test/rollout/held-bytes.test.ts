// A node held on its previous document keeps only the bytes that differ from its new one, and is still served exactly
// its previous bytes (same ETag, same length) through the hot path, over HTTP.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import { loadFleet, type CompiledFleet } from "../../src/fleet/load-fleet.js";
import { joined, shareWith } from "../../src/lib/shared-bytes.js";
import { DocumentCache } from "../../src/server/documents/document-cache.js";
import { nodeEtag } from "../../src/server/documents/etag.js";
import { handleNodeDocument } from "../../src/server/documents/node-document.js";
import { filesFromTree, podYaml } from "../helpers/fleet.js";
import { driverWith } from "./driver-setup.js";

const FLEET = `nodes:
  a: {}
  b: {}
rollout:
  waves:
    - { name: "canary", nodes: ["a"], soak: "1h" }
    - { name: "rest" }
`;

/** A fleet whose documents are a few KB, most of it unchanged between images. */
function fleet(revision: string, image: string, previous?: { fleet: CompiledFleet }) {
  const padding = `      env:\n${Array.from({ length: 60 }, (_, i) => `        - { name: "V${i}", value: "${"x".repeat(40)}" }`).join("\n")}\n`;
  const r = loadFleet(
    filesFromTree({ "fleet.yaml": FLEET, "common/app.yaml": podYaml("app", image, padding) }),
    { revision, previous: previous?.fleet },
  );
  assert.ok(r.ok);
  return { fleet: r.fleet, loadedAt: new Date(0), meta: {} };
}

describe("held documents", () => {
  it("pieces shared with another document join to exactly the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (x, y) => {
        const bytes = Buffer.from(x);
        const base = Buffer.concat([
          bytes.subarray(0, x.length >> 1),
          Buffer.from(y),
          bytes.subarray(x.length >> 1),
        ]);
        assert.ok(joined(shareWith(bytes, base)).equals(bytes));
        assert.ok(joined(shareWith(base, bytes)).equals(base));
        assert.ok(joined(shareWith(bytes, Buffer.from(y))).equals(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("a held node keeps only what differs, and is served its previous bytes, ETag and length over HTTP", async () => {
    const { revisions, selection, driver } = await driverWith(() => true);
    const cache = new DocumentCache((node) => selection.get(node) !== undefined);
    revisions.onPublish((next) => cache.prime(next.fleet, Infinity));
    const one = fleet("r1", "example/app:1");
    revisions.publish(one);
    await driver.idle();
    const two = fleet("r2", "example/app:2", one);
    revisions.publish(two);
    await driver.idle();

    const old = one.fleet.nodes.get("b")!.json;
    const now = two.fleet.nodes.get("b")!.json;
    assert.ok(old.length > 3000 && !old.equals(now));
    const held = selection.get("b");
    assert.equal(held?.revision, "r1");
    const own = held.json.filter((p) => p.buffer !== now.buffer);
    assert.ok(own.reduce((n, p) => n + p.length, 0) < 100, "only the differing bytes are its own");

    const server = createServer((req, res) => {
      if (!handleNodeDocument(req, res, { store: revisions, cache, selection })) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/nodes/b`);
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(old), "the previous bytes, byte for byte");
      assert.equal(res.headers.get("etag"), nodeEtag({ json: old }));
      assert.equal(res.headers.get("content-length"), String(old.length));
      assert.equal(res.headers.get("x-manifest-revision"), "r1");
      const again = await fetch(`${base}/nodes/b`, {
        headers: { "if-none-match": res.headers.get("etag")! },
      });
      assert.equal(again.status, 304);
      const head = await fetch(`${base}/nodes/b`, { method: "HEAD" });
      assert.equal(head.headers.get("content-length"), String(old.length));
      const canary = Buffer.from(await (await fetch(`${base}/nodes/a`)).arrayBuffer());
      assert.ok(canary.equals(two.fleet.nodes.get("a")!.json), "the canary gets the new document");
    } finally {
      await new Promise((r) => server.close(r));
      await driver.close();
    }
  });
});
