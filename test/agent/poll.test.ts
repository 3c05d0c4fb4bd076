// One poll against real listeners: redirects, gzip, one error class per failure, and the parsers for --header and durations.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { parseDuration } from "../../src/lib/duration.js";
import { parseHeader, poll } from "../../src/agent/poll.js";
import {
  BodyTooLargeError,
  HttpStatusError,
  NetworkError,
  PollError,
  TimeoutError,
  UnexpectedNotModifiedError,
  UnframedBodyError,
} from "../../src/agent/poll-errors.js";

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

/** A TCP server answering every connection with `raw` bytes, then closing (for answers node:http would not write). */
async function rawServer(raw: string, close = true): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createTcpServer((socket) => {
    socket.once("data", () => {
      if (close) socket.end(raw);
      else socket.write(raw);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/nodes/n1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function withServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/nodes/n1`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const LIST = '{"apiVersion":"v1","kind":"PodList","items":[]}';

test("a 200 that ends when the connection closes (no Content-Length, not chunked) is refused", async () => {
  const server = await rawServer(
    `HTTP/1.1 200 OK\r\nContent-Type: application/yaml\r\n\r\napiVersion: v1\nkind: PodList\nitems:\n`,
  );
  try {
    const error = await poll({ url: server.url, userAgent: "t" }).then(
      () => assert.fail("accepted an unframed body"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UnframedBodyError);
    assert.ok(error instanceof PollError);
    assert.match(error.message, /^Response not framed: GET http:\/\/127\.0\.0\.1:\d+\/nodes\/n1: /);
    assert.match(error.message, /without Content-Length or chunked Transfer-Encoding/);
  } finally {
    await server.close();
  }
});

test("bodies framed by Content-Length or chunked encoding are read whole", async () => {
  for (const raw of [
    `HTTP/1.1 200 OK\r\nContent-Length: ${LIST.length}\r\n\r\n${LIST}`,
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${LIST.length.toString(16)}\r\n${LIST}\r\n0\r\n\r\n`,
  ]) {
    const server = await rawServer(raw);
    try {
      assert.deepEqual(await poll({ url: server.url, userAgent: "t" }), { status: "changed", body: LIST });
    } finally {
      await server.close();
    }
  }
});

test("a 304 although no ETag was sent is an error, not 'unchanged'; a 304 to an If-None-Match is", async () => {
  await withServer(
    (_req, res) => res.writeHead(304).end(),
    async (url) => {
      await assert.rejects(poll({ url, userAgent: "t" }), (e: unknown) => {
        assert.ok(e instanceof UnexpectedNotModifiedError);
        assert.match(e.message, /^Unexpected 304 Not Modified: GET .*: the agent sent no If-None-Match/);
        return true;
      });
      assert.deepEqual(await poll({ url, userAgent: "t", etag: '"e1"' }), { status: "unchanged" });
    },
  );
});

test("each failure kind has its class and a message naming the request", async () => {
  await withServer(
    (req, res) => {
      if (req.url === "/nodes/n1") res.writeHead(503, "Service Unavailable").end("no");
      else if (req.url === "/big") res.end("x".repeat(100));
      else res.writeHead(200, { "Content-Length": 10 }).write("{");
    },
    async (url) => {
      const base = url.replace("/nodes/n1", "");
      await assert.rejects(poll({ url, userAgent: "t" }), (e: unknown) => {
        assert.ok(e instanceof HttpStatusError);
        assert.equal(e.status, 503);
        assert.equal(e.message, `Request failed: GET ${url}: 503 Service Unavailable`);
        return true;
      });
      await assert.rejects(poll({ url: `${base}/big`, userAgent: "t", maxBytes: 50 }), (e: unknown) => {
        assert.ok(e instanceof BodyTooLargeError);
        assert.match(e.message, /^Response too large: GET .*\/big: the body reached 50 bytes/);
        return true;
      });
      await assert.rejects(poll({ url: `${base}/hang`, userAgent: "t", timeoutMs: 200 }), (e: unknown) => {
        assert.ok(e instanceof TimeoutError);
        assert.equal(e.message, `Request timed out after 0.2 s: GET ${base}/hang`);
        return true;
      });
    },
  );
  const closed = await rawServer("");
  await closed.close();
  await assert.rejects(poll({ url: closed.url, userAgent: "t" }), (e: unknown) => {
    assert.ok(e instanceof NetworkError);
    assert.match(
      e.message,
      /^Network error: GET http:\/\/127\.0\.0\.1:\d+\/nodes\/n1 failed: .*ECONNREFUSED/,
    );
    return true;
  });
});
