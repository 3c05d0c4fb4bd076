import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { nodeHttpClient } from "../../src/agent/http-client.js";

async function listen(
  handler: (req: IncomingMessage, res: import("node:http").ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function text(body: AsyncIterable<Buffer>): Promise<string> {
  let out = "";
  for await (const chunk of body) out += chunk.toString("utf8");
  return out;
}

const get = (headers: Array<[string, string]> = []) => ({
  method: "GET" as const,
  headers,
  signal: AbortSignal.timeout(5000),
  followRedirects: true,
});

describe("the agent's HTTP client", () => {
  it("sends every value of a repeated header, like Go's Header.Add", async () => {
    let seen: string | string[] | undefined;
    const { server, url } = await listen((req, res) => {
      seen = req.headersDistinct["x-token"];
      res.end("ok");
    });
    try {
      const res = await nodeHttpClient(
        url,
        get([
          ["X-Token", "a"],
          ["x-token", "b"],
        ]),
      );
      assert.equal(await text(res.body), "ok");
      assert.deepEqual(seen, ["a", "b"]);
    } finally {
      server.close();
    }
  });

  it("keeps credentials on a same-host redirect and drops them when the host changes", async () => {
    const auth: Array<string | undefined> = [];
    const other = await listen((req, res) => {
      auth.push(req.headers.authorization);
      res.end("other");
    });
    const first = await listen((req, res) => {
      auth.push(req.headers.authorization);
      if (req.url === "/a") res.writeHead(302, { Location: "/b" }).end();
      else if (req.url === "/b") res.writeHead(307, { Location: `${other.url}/c` }).end();
      else res.end();
    });
    try {
      const res = await nodeHttpClient(`${first.url}/a`, get([["Authorization", "Bearer t"]]));
      assert.equal(await text(res.body), "other");
      assert.deepEqual(auth, ["Bearer t", "Bearer t", undefined]);
    } finally {
      first.server.close();
      other.server.close();
    }
  });

  it("stops after 10 redirects", async () => {
    let hits = 0;
    const { server, url } = await listen((_req, res) => {
      hits++;
      res.writeHead(302, { Location: "/again" }).end();
    });
    try {
      await assert.rejects(nodeHttpClient(url, get()), /stopped after 10 redirects/);
      assert.equal(hits, 11);
    } finally {
      server.close();
    }
  });

  it("returns redirects unfollowed when asked (reports)", async () => {
    const { server, url } = await listen((_req, res) => res.writeHead(301, { Location: "/x" }).end());
    try {
      const res = await nodeHttpClient(url, { ...get(), followRedirects: false });
      assert.equal(res.status, 301);
      res.discard();
    } finally {
      server.close();
    }
  });
});
