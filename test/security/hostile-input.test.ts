// Hostile input: oversized URLs, headers and bodies, path tricks, and fleets that try to escape or overflow (git).
import assert from "node:assert/strict";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { EXAMPLE_FLEET, podYaml, tempDir, type TempDir } from "../helpers/fleet.js";
import { createGitFixture, git, GIT_TEST_ENV } from "../helpers/git.js";
import { bearer, rawRequest, rawStatus, TOKENS, writeTokensFile } from "./helpers.js";

describe("request limits and path tricks", () => {
  let dir: TempDir;
  let server: RunningServer;
  before(async () => {
    dir = await tempDir("ms-hostile-");
    server = await startServer({
      dir: EXAMPLE_FLEET,
      listen: "127.0.0.1:0",
      tokensFile: await writeTokensFile(dir.path),
    });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  const raw = (head: string) => rawRequest(server.url, `${head}\r\nHost: x\r\nConnection: close\r\n\r\n`);

  it("answers 414 to a URL over 2 KiB, before authentication or lookup", async () => {
    for (const path of [
      `/nodes/${"a".repeat(3000)}`,
      `/nodes/cp-1?format=${"x".repeat(5000)}`,
      `/${"%2e".repeat(1000)}`,
    ]) {
      const res = await fetch(`${server.url}${path}`, { headers: bearer(TOKENS.admin) });
      assert.equal(res.status, 414, path.slice(0, 40));
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "uri-too-long");
    }
    assert.equal(
      (await fetch(`${server.url}/nodes/cp-1?x=${"y".repeat(1900)}`, { headers: bearer(TOKENS.cp1) })).status,
      200,
    );
  });

  it("answers 431 to headers over 16 KiB, and to a flood of small headers", async () => {
    const big = await raw(`GET /nodes/cp-1 HTTP/1.1\r\nX-Big: ${"b".repeat(20_000)}`);
    assert.equal(rawStatus(big), 431);
    const many = await raw(
      `GET /nodes/cp-1 HTTP/1.1\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join("\r\n")}`,
    );
    assert.ok([400, 431].includes(rawStatus(many)), many.slice(0, 40));
    assert.doesNotMatch(many, /etcd/);
    const huge = await raw(`GET /nodes/cp-1 HTTP/1.1\r\nAuthorization: Bearer ${"t".repeat(15_000)}`);
    assert.equal(rawStatus(huge), 401);
  });

  it("answers 413 to a declared body over 1 MiB without reading it", async () => {
    for (const path of ["/nodes/cp-1/report", "/hooks/git", "/status"]) {
      const res = await rawRequest(
        server.url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n{"a":`,
      );
      assert.equal(rawStatus(res), 413, path);
    }
  });

  it("rejects malformed request lines and headers with 400 and no body of a node", async () => {
    for (const line of [
      "GET /nodes/cp-1 HTTP/9.9",
      "GET nodes/cp-1 HTTP/1.1",
      "G\u0000T /nodes/cp-1 HTTP/1.1",
      "GET /nodes/cp 1 HTTP/1.1",
    ]) {
      const res = await raw(line);
      assert.ok(
        rawStatus(res) >= 400 && rawStatus(res) < 500,
        `${JSON.stringify(line)} → ${res.slice(0, 40)}`,
      );
      assert.doesNotMatch(res, /etcd|kube-apiserver/);
    }
    const smuggle = await rawRequest(
      server.url,
      "GET /nodes/cp-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert.equal(rawStatus(smuggle), 400);
  });

  const tricks: Array<[string, number[]]> = [
    ["/nodes/..%2fstatus", [400]],
    ["/nodes/%2e%2e", [400]],
    ["/nodes/cp-1%00", [400]],
    ["/nodes/cp-1%2500", [400]],
    ["/nodes/%00", [400]],
    ["/nodes/cp-2%2f..%2fcp-1", [400]],
    ["/nodes/cp-1/../cp-2", [401, 403, 404]],
    ["/nodes/./cp-2", [401, 403, 404]],
    ["//nodes/cp-2", [401, 403, 404]],
    ["/nodes//cp-2", [401, 403, 404]],
    ["/nodes/cp-2;cp-1", [400]],
    ["/nodes/cp-1%0d%0aX-Injected:%201", [400]],
    ["/nodes/\u00e7p-1", [400]],
    ["/%6eodes/cp-2", [401, 403, 404]],
  ];
  for (const [path, allowed] of tricks)
    it(`path trick ${JSON.stringify(path)} with the cp-1 token never serves another node`, async () => {
      const res = await raw(`GET ${path} HTTP/1.1\r\nAuthorization: Bearer ${TOKENS.cp1}`);
      const status = rawStatus(res);
      assert.ok(allowed.includes(status), `${path} → ${status}`);
      assert.doesNotMatch(res, /X-Injected/i);
      assert.doesNotMatch(res, /kube-apiserver|etcd/);
    });
});

describe("fleets that escape or overflow, from git", () => {
  it("rejects a symlink out of the repository and a file over 10 MiB at load, serving the previous commit's bytes", async () => {
    const fx = await createGitFixture();
    const source = createGitSource({
      repo: fx.remote,
      cacheDir: fx.cacheDir,
      cwd: fx.root.path,
      env: gitEnv(GIT_TEST_ENV, true),
      pollMs: 0,
    });
    const server = await startServer({ git: { source }, listen: "127.0.0.1:0" });
    try {
      const before = Buffer.from(await (await fetch(`${server.url}/nodes/cp-1`)).arrayBuffer());
      const good = await git(["rev-parse", "HEAD"], fx.work);

      await symlink("../../../../../../etc/passwd", join(fx.work, "manifests/common/passwd.yaml"));
      const escape = await fx.commit("Link outside");
      await fx.push();
      const first = await server.sync?.();
      assert.equal(first?.outcome, "rejected", JSON.stringify(first));
      await git(["reset", "--quiet", "--hard", "HEAD~1"], fx.work);

      await fx.write({
        "manifests/common/huge.yaml": podYaml(
          "huge",
          "busybox:1.36",
          `      args: ["${"x".repeat(10 * 1024 * 1024)}"]\n`,
        ),
      });
      const huge = await fx.commit("Huge pod");
      await fx.push(true);
      const second = await server.sync?.();
      assert.equal(second?.outcome, "rejected", JSON.stringify(second));

      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        revision: { id: string };
        lastError: { revision: string; issues: { text: string }[] };
      };
      assert.equal(status.revision.id, good);
      assert.equal(status.lastError.revision, huge);
      assert.ok(
        status.lastError.issues.some((i) => /10 MiB/.test(i.text)),
        JSON.stringify(status.lastError),
      );
      assert.notEqual(escape, huge);
      const after = await fetch(`${server.url}/nodes/cp-1`);
      assert.equal(after.headers.get("x-manifest-revision"), good);
      assert.deepEqual(Buffer.from(await after.arrayBuffer()), before);
    } finally {
      await server.close();
      await fx.remove();
    }
  });
});
