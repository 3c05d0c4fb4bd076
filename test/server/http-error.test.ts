import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { HttpError } from "../../src/lib/errors.js";
import { httpErrorOf, sendHttpError } from "../../src/server/http-error.js";

describe("the one error mapping", () => {
  it("keeps an HttpError, answers a parser's client error with its status, and anything else with a bare 500", () => {
    const own = new HttpError(404, "unknown-node", "node x is not served");
    assert.equal(httpErrorOf(own), own);
    const parser = Object.assign(new Error("unsupported charset"), { status: 415 });
    assert.deepEqual([httpErrorOf(parser).status, httpErrorOf(parser).code], [415, "bad-request"]);
    const crash = httpErrorOf(new Error("ENOENT: /etc/secret/path"));
    assert.deepEqual([crash.status, crash.code, crash.message], [500, "internal", "internal error"]);
    assert.equal(httpErrorOf("a string").status, 500);
  });

  describe("sendHttpError on a real listener", () => {
    let server: Server;
    let url: string;
    const internal: unknown[] = [];
    before(async () => {
      server = createServer((req, res) => {
        if (req.url === "/own")
          sendHttpError(
            res,
            new HttpError(429, "too-many", "slow down", { "Retry-After": "3" }, { problems: ["a", "b"] }),
            (e) => internal.push(e),
          );
        else sendHttpError(res, new Error("secret detail"), (e) => internal.push(e));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("answers the JSON shape with the error's status, headers and details", async () => {
      const res = await fetch(`${url}/own`);
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "3");
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.deepEqual(await res.json(), {
        error: { code: "too-many", message: "slow down", problems: ["a", "b"] },
      });
      assert.equal(internal.length, 0, "an HttpError is not an internal error");
    });

    it("never sends an unexpected error's text, and reports it once", async () => {
      const res = await fetch(`${url}/crash`);
      assert.equal(res.status, 500);
      const text = await res.text();
      assert.doesNotMatch(text, /secret detail/);
      assert.deepEqual(JSON.parse(text), { error: { code: "internal", message: "internal error" } });
      assert.equal(internal.length, 1);
      assert.match(String(internal[0]), /secret detail/);
    });

    it("sends headers only to HEAD", async () => {
      const res = await fetch(`${url}/own`, { method: "HEAD" });
      assert.equal(res.status, 429);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    });
  });
});
