// Property test: random request paths, queries and headers never produce a 5xx or a 200 with an empty body.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";
import { useErrorLog } from "../helpers/error-log.js";

const log = useErrorLog();

const segment = fc.oneof(
  fc.constantFrom(
    "nodes",
    "cp-1",
    "CP-1",
    "edge-2",
    "status",
    "healthz",
    "readyz",
    "",
    "..",
    "%2e%2e",
    "%00",
    "%zz",
    "a".repeat(300),
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom(
    "?format=yaml",
    "?format=stream",
    "?format=json",
    "?format=",
    "?format=xml",
    "?format=yaml&format=json",
    "?%zz",
  ),
  fc.string({ maxLength: 10 }).map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
);
const headers = fc.record(
  {
    accept: fc.constantFrom("*/*", "application/yaml", "text/yaml;q=0.5, application/json", "", "garbage"),
    "if-none-match": fc.oneof(
      fc.constantFrom("*", '"x"', "W/", ",,,", ""),
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
    ),
  },
  { requiredKeys: [] },
);

describe("HTTP properties", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", logger: log.logger });
  });
  after(() => server.close());

  it("never answers 5xx or an empty 200", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        query,
        headers,
        fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"),
        async (segments, q, h, method) => {
          const res = await fetch(`${server.url}/${segments.join("/")}${q}`, { method, headers: h });
          const body = Buffer.from(await res.arrayBuffer());
          assert.ok(res.status < 500, `${method} /${segments.join("/")}${q} → ${res.status}`);
          if (res.status === 200 && method !== "HEAD") assert.ok(body.length > 0, "empty 200");
          if (res.status >= 400 && method !== "HEAD") {
            const parsed = JSON.parse(body.toString("utf8")) as { error: { code: string; message: string } };
            assert.equal(typeof parsed.error.code, "string");
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
