// Per-node tokens end to end: who may read what, JSON 401/403 with a Bearer challenge, reloads, throttling, logs.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { classifyPath, FailureThrottle } from "../../src/server/access/auth.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { tokenDigest } from "../../src/server/access/tokens.js";
import { EXAMPLE_FLEET, tempDir, type TempDir } from "../helpers/fleet.js";
import { eventually } from "../helpers/git.js";
import { bearer, TOKENS, textLogger, writeTokensFile } from "./helpers.js";

interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

async function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  const res = await fetch(url, { headers, method });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe("per-node tokens", () => {
  let dir: TempDir;
  let server: RunningServer;
  let logs: () => string;
  const cp1Docs = new Set<string>();
  before(async () => {
    dir = await tempDir("ms-auth-");
    const log = textLogger();
    logs = log.text;
    server = await startServer({
      dir: EXAMPLE_FLEET,
      listen: "127.0.0.1:0",
      tokensFile: await writeTokensFile(dir.path),
      logger: log.logger,
    });
    for (const format of ["json", "yaml", "stream"])
      cp1Docs.add((await get(`${server.url}/nodes/cp-1?format=${format}`, bearer(TOKENS.cp1))).body);
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  const cases: Array<[string, string, string | undefined, number]> = [
    ["own token", "/nodes/cp-1", TOKENS.cp1, 200],
    ["own token, YAML", "/nodes/cp-1?format=yaml", TOKENS.cp1, 200],
    ["own token, upper-case name", "/nodes/CP-1", TOKENS.cp1, 200],
    ["glob token", "/nodes/edge-2", TOKENS.edge, 200],
    ["admin token on a node", "/nodes/cp-3", TOKENS.admin, 200],
    ["no token", "/nodes/cp-1", undefined, 401],
    ["unknown token", "/nodes/cp-1", "guess", 401],
    ["another node's token", "/nodes/cp-2", TOKENS.cp1, 403],
    ["glob token outside the glob", "/nodes/cp-1", TOKENS.edge, 403],
    ["another node's token on an unknown node (no probing)", "/nodes/nope", TOKENS.cp1, 403],
    ["no token on an unknown node (no probing)", "/nodes/nope", undefined, 401],
    ["admin on an unknown node", "/nodes/nope", TOKENS.admin, 404],
    ["node list, node token", "/nodes", TOKENS.cp1, 403],
    ["node list, no token", "/nodes", undefined, 401],
    ["node list, admin", "/nodes", TOKENS.admin, 200],
    ["status, node token", "/status", TOKENS.cp1, 403],
    ["status, admin", "/status", TOKENS.admin, 200],
    ["dashboard, no token", "/", undefined, 401],
    ["dashboard, admin", "/", TOKENS.admin, 200],
    ["ui, node token", "/ui/app.js", TOKENS.cp1, 403],
    ["another node's report", "/nodes/cp-2/report", TOKENS.cp1, 403],
    ["report, no token", "/nodes/cp-1/report", undefined, 401],
    ["unknown route, no token (routes are not revealed)", "/secret", undefined, 401],
    ["healthz, no token", "/healthz", undefined, 200],
    ["readyz, no token", "/readyz", undefined, 200],
  ];
  for (const [name, path, token, status] of cases)
    it(`${name}: ${path} → ${status}`, async () => {
      const res = await get(`${server.url}${path}`, token === undefined ? {} : bearer(token));
      assert.equal(res.status, status, res.body);
      if (status === 401 || status === 403) {
        const body = JSON.parse(res.body) as { error: { code: string; message: string } };
        assert.equal(body.error.code, status === 401 ? "unauthenticated" : "forbidden");
        assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="manifest-server"/);
        assert.equal(res.headers.get("etag"), null);
        assert.doesNotMatch(res.body, /kube-|etcd/);
      }
    });

  it("says which challenge applies: no token, an invalid token, a token without access", async () => {
    assert.equal(
      (await get(`${server.url}/nodes/cp-1`)).headers.get("www-authenticate"),
      'Bearer realm="manifest-server"',
    );
    assert.match(
      (await get(`${server.url}/nodes/cp-1`, bearer("x"))).headers.get("www-authenticate") ?? "",
      /error="invalid_token"/,
    );
    assert.match(
      (await get(`${server.url}/nodes/cp-2`, bearer(TOKENS.cp1))).headers.get("www-authenticate") ?? "",
      /error="insufficient_scope"/,
    );
  });

  it("a node token reads nothing but its own document and the open endpoints, whatever the path", async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        "nodes",
        "NODES",
        "cp-1",
        "cp-2",
        "CP-2",
        "cp-2%2f..%2fcp-1",
        "..",
        "%2e%2e",
        "..%2f",
        "%00",
      ),
      fc.constantFrom(
        "cp-1%00",
        "cp-1%2f",
        "report",
        "status",
        "healthz",
        "%2fstatus",
        "ui",
        ";",
        "cp-2;cp-1",
        "",
      ),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    let seenOwn = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.constantFrom("", "?format=json", "?node=cp-2", "?format=yaml"),
        fc.constantFrom("GET", "HEAD", "POST"),
        async (segments, query, method) => {
          const path = `/${segments.join("/")}${query}`;
          const res = await get(`${server.url}${path}`, bearer(TOKENS.cp1), method);
          assert.ok(res.status < 500, `${method} ${path} → ${res.status}`);
          if (res.status === 200 && method === "GET") {
            const open = /^\{\s*"(status": "ok"|ready": true)/.test(res.body);
            assert.ok(open || cp1Docs.has(res.body), `${path} leaked: ${res.body.slice(0, 200)}`);
            if (!open) seenOwn += 1;
          }
        },
      ),
      {
        numRuns: 300,
        examples: [
          [["nodes", "cp-1"], "", "GET"],
          [["NODES", "cp-2"], "", "GET"],
        ],
      },
    );
    assert.ok(seenOwn > 0, "the property never fetched the node's own document");
  });

  it("never writes a token, or its digest, into the logs", async () => {
    for (const token of Object.values(TOKENS)) {
      await get(`${server.url}/nodes/cp-1`, bearer(token));
      await get(`${server.url}/status`, bearer(token));
    }
    await get(`${server.url}/nodes/cp-1`, bearer("wrong-token-value-123"));
    const text = logs();
    assert.match(text, /authentication failed/);
    assert.match(text, /access denied/);
    for (const token of [...Object.values(TOKENS), "wrong-token-value-123"]) {
      assert.ok(!text.includes(token), `token ${token} appears in the logs`);
      assert.ok(!text.includes(tokenDigest(token).slice(7)), `digest of ${token} appears in the logs`);
    }
  });
});

describe("tokens file reload", () => {
  it("takes a new token on change and on SIGHUP, keeps the old table on a bad file, and drops no request", async () => {
    const dir = await tempDir("ms-auth-reload-");
    const path = await writeTokensFile(dir.path);
    const server = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", tokensFile: path });
    let stop = false;
    let served = 0;
    const failures: string[] = [];
    const load = (async () => {
      while (!stop) {
        const res = await get(`${server.url}/nodes/edge-1`, bearer(TOKENS.admin));
        if (res.status === 200) served += 1;
        else failures.push(`${res.status} ${res.body}`);
      }
    })();
    try {
      await writeFile(
        path,
        `nodes:\n  cp-1: ${tokenDigest("rotated")}\nadmin:\n  - ${tokenDigest(TOKENS.admin)}\n`,
      );
      await eventually(
        async () =>
          (await get(`${server.url}/nodes/cp-1`, bearer("rotated"))).status === 200 ? true : undefined,
        "the rotated token to be accepted after the file changed",
      );
      assert.equal((await get(`${server.url}/nodes/cp-1`, bearer(TOKENS.cp1))).status, 401);

      await writeFile(path, "nodes: [not a mapping\n");
      await server.reloadSecrets();
      assert.equal((await get(`${server.url}/nodes/cp-1`, bearer("rotated"))).status, 200);

      await writeFile(
        path,
        `nodes:\n  cp-1: ${tokenDigest("again")}\nadmin:\n  - ${tokenDigest(TOKENS.admin)}\n`,
      );
      await server.reloadSecrets();
      assert.equal((await get(`${server.url}/nodes/cp-1`, bearer("again"))).status, 200);
      assert.equal((await get(`${server.url}/nodes/cp-1`, bearer("rotated"))).status, 401);
    } finally {
      stop = true;
      await load;
      await server.close();
      await dir.remove();
    }
    assert.deepEqual(failures, []);
    assert.ok(served > 0);
  });

  it("refuses to start on a bad tokens file, and warns loudly without one", async () => {
    const dir = await tempDir("ms-auth-bad-");
    try {
      const path = `${dir.path}/tokens.yaml`;
      await writeFile(path, "nodes:\n  cp-1: plain-text-token\n");
      await assert.rejects(
        startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", tokensFile: path }),
        /tokens\.yaml/,
      );
      const log = textLogger();
      const open = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0", logger: log.logger });
      try {
        assert.match(log.text(), /"level":40.*NO --tokens-file/);
        assert.equal((await get(`${open.url}/nodes/cp-1`)).status, 200);
        assert.equal((await get(`${open.url}/status`)).status, 200);
      } finally {
        await open.close();
      }
    } finally {
      await dir.remove();
    }
  });
});

describe("metrics access", () => {
  for (const [how, extra, flag, expected] of [
    ["admin by default (metrics name every node)", "", undefined, [false, true]],
    ["open from the tokens file", "metrics: open\n", undefined, [true, true]],
    ["admin from the tokens file", "metrics: admin\n", undefined, [false, true]],
    ["admin from the flag", "", "admin", [false, true]],
    ["open from the flag over the file", "metrics: admin\n", "open", [true, true]],
  ] as const)
    it(how, async () => {
      const dir = await tempDir("ms-auth-metrics-");
      const server = await startServer({
        dir: EXAMPLE_FLEET,
        listen: "127.0.0.1:0",
        tokensFile: await writeTokensFile(dir.path, extra),
        ...(flag === undefined ? {} : { metricsAuth: flag }),
      });
      try {
        // Whatever /metrics answers once past access control (200, or 404 before it exists), it is not 401/403.
        const anon = await get(`${server.url}/metrics`);
        const admin = await get(`${server.url}/metrics`, bearer(TOKENS.admin));
        assert.equal(anon.status !== 401, expected[0], `anonymous: ${anon.status}`);
        assert.equal(admin.status !== 401 && admin.status !== 403, expected[1], `admin: ${admin.status}`);
        if (!expected[0]) assert.equal((await get(`${server.url}/metrics`, bearer(TOKENS.cp1))).status, 403);
      } finally {
        await server.close();
        await dir.remove();
      }
    });
});

describe("failed-authentication throttling", () => {
  it("answers 429 with Retry-After once an address exhausts its failures; valid tokens are neither spent nor blocked", async () => {
    const dir = await tempDir("ms-auth-throttle-");
    const server = await startServer({
      dir: EXAMPLE_FLEET,
      listen: "127.0.0.1:0",
      tokensFile: await writeTokensFile(dir.path),
    });
    try {
      for (let i = 0; i < 50; i++)
        assert.equal((await get(`${server.url}/nodes/cp-1`, bearer(TOKENS.cp1))).status, 200);
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++)
        statuses.push((await get(`${server.url}/nodes/cp-1`, bearer(`guess-${i}`))).status);
      assert.deepEqual(statuses.slice(0, 20), Array<number>(20).fill(401));
      assert.deepEqual(statuses.slice(20), Array<number>(5).fill(429));
      // A valid token from the same address is never throttled; only failed attempts are.
      assert.equal((await get(`${server.url}/nodes/cp-1`, bearer(TOKENS.cp1))).status, 200);
      assert.equal((await get(`${server.url}/status`, bearer(TOKENS.admin))).status, 200);
      const limited = await get(`${server.url}/nodes/cp-1`, bearer("another-guess"));
      assert.equal(limited.status, 429);
      assert.match(limited.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
      assert.equal((JSON.parse(limited.body) as { error: { code: string } }).error.code, "too-many-failures");
      assert.equal((await get(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.close();
      await dir.remove();
    }
  });

  it("refills over time, per address, with bounded memory", () => {
    let t = 0;
    const throttle = new FailureThrottle(3, 0.5, () => t, 100);
    for (let i = 0; i < 3; i++) throttle.fail("a");
    assert.equal(throttle.retryAfter("a"), 2);
    assert.equal(throttle.retryAfter("b"), 0);
    t = 2000;
    assert.equal(throttle.retryAfter("a"), 0);
    for (let i = 0; i < 1000; i++) throttle.fail(`client-${i}`);
    assert.equal(throttle.retryAfter("client-999"), 0);
  });
});

describe("classifyPath", () => {
  const cases: Array<[string, string, string]> = [
    ["GET", "/healthz", "open"],
    ["GET", "/readyz/", "open"],
    ["POST", "/hooks/git", "open"],
    ["GET", "/hooks/git", "admin"],
    ["GET", "/hooks", "admin"],
    ["GET", "/metrics", "metrics"],
    ["GET", "/nodes/cp-1", "node:cp-1"],
    ["POST", "/nodes/CP-1/report", "node:cp-1"],
    ["GET", "/nodes/cp%2D1", "node:cp-1"],
    ["GET", "/nodes/..%2fstatus", "admin"],
    ["GET", "/nodes/cp-1%00", "admin"],
    ["GET", "/nodes/%zz", "admin"],
    ["GET", "/nodes/cp-1/secrets", "admin"],
    ["GET", "/nodes", "admin"],
    ["GET", "/", "admin"],
    ["GET", "/ui/index.html", "admin"],
    ["GET", "//healthz", "admin"],
  ];
  for (const [method, path, expected] of cases)
    it(`${method} ${path} → ${expected}`, () => {
      const c = classifyPath(method, path);
      assert.equal(c.kind === "node" ? `node:${c.node}` : c.kind, expected);
    });
});
