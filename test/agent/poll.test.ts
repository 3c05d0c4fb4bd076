// One poll against a real listener: redirects, gzip, and the parsers for --header and durations.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { parseDuration } from "../../src/lib/duration.js";
import { parseHeader, poll, PollError } from "../../src/agent/poll.js";

test("parseHeader accepts 'Key: Value' and the kubelet's key:value, and refuses the rest", () => {
  assert.deepEqual(parseHeader("Authorization: Bearer a:b"), ["Authorization", "Bearer a:b"]);
  assert.deepEqual(parseHeader("Metadata-Flavor:Google"), ["Metadata-Flavor", "Google"]);
  assert.deepEqual(parseHeader("X-Empty:"), ["X-Empty", ""]);
  for (const bad of ["no colon", ": value", "Bad Key: v"])
    assert.throws(() => parseHeader(bad), /'Key: Value'/);
});

test("parseDuration reads 20s, 500ms, 5m, 1h, 1m30s and bare seconds", () => {
  assert.deepEqual(
    ["20s", "500ms", "5m", "1h", "1m30s", "15", "0.5"].map(parseDuration),
    [20_000, 500, 300_000, 3_600_000, 90_000, 15_000, 500],
  );
  for (const bad of ["", "soon", "5 m", "-1s", "1d"])
    assert.throws(() => parseDuration(bad), /not a duration/);
});

test("poll follows redirects, decodes gzip, and reports the ETag and revision", async () => {
  const server = createServer((req, res) => {
    if (req.url === "/old") {
      res.writeHead(302, { Location: "/new" }).end();
      return;
    }
    res.writeHead(200, { "Content-Encoding": "gzip", ETag: '"e1"', "X-Manifest-Revision": "abc123" });
    res.end(gzipSync('{"apiVersion":"v1","kind":"PodList","items":[]}'));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await poll({ url: `http://127.0.0.1:${port}/old`, userAgent: "t" });
    assert.deepEqual(result, {
      status: "changed",
      body: '{"apiVersion":"v1","kind":"PodList","items":[]}',
      etag: '"e1"',
      revision: "abc123",
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("poll rejects a malformed URL with a PollError", async () => {
  await assert.rejects(poll({ url: "http://[bad", userAgent: "t" }), PollError);
});
