import assert from "node:assert/strict";
import { setImmediate as turn } from "node:timers/promises";
import { describe, it } from "node:test";
import { DocumentCache } from "../../src/server/documents/document-cache.js";
import { documentEtag, nodeEtag } from "../../src/server/documents/etag.js";
import { exampleStore } from "../helpers/store.js";

describe("DocumentCache", () => {
  it("primes a revision a slice at a time and answers every node the same before, during and after", async () => {
    const fleet = (await exampleStore()).current?.fleet;
    assert.ok(fleet);
    const cache = new DocumentCache();
    // A zero-length slice builds one document per turn of the event loop.
    cache.prime(fleet, 0);
    const during = [...fleet.nodes.values()].map((n) => cache.get(fleet, n, "json"));
    for (let i = 0; i <= fleet.nodes.size; i++) await turn();
    for (const [i, node] of [...fleet.nodes.values()].entries()) {
      const doc = cache.get(fleet, node, "json");
      assert.equal(doc, during[i], `${node.name}: built once per revision`);
      assert.equal(doc.body, node.json);
      assert.equal(doc.etag, documentEtag(node.json));
      assert.equal(doc.etag, nodeEtag(node));
      const yaml = cache.get(fleet, node, "yaml");
      assert.equal(cache.get(fleet, node, "yaml"), yaml, `${node.name}: YAML rendered once`);
      assert.equal(yaml.etag, documentEtag(yaml.body));
    }
  });

  it("drops the previous revision's documents when another one is primed", async () => {
    const fleet = (await exampleStore()).current?.fleet;
    assert.ok(fleet);
    const node = fleet.nodes.get("cp-1");
    assert.ok(node);
    const cache = new DocumentCache();
    cache.prime(fleet);
    const old = cache.get(fleet, node, "yaml");
    const next = { ...fleet, revision: "rev-2" };
    cache.prime(next);
    const fresh = cache.get(next, node, "yaml");
    assert.notEqual(fresh, old);
    assert.ok(fresh.head200.includes("rev-2"));
    assert.ok(
      cache.get(fleet, node, "yaml").head200.includes(fleet.revision),
      "an old revision is still answered right",
    );
  });
});
