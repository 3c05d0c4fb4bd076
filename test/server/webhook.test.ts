import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { verifyWebhook, WEBHOOK_MAX_BODY } from "../../src/server/webhook.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { podYaml } from "../helpers/fleet.js";
import { createGitFixture, git, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { bodyOf, errorOf } from "../helpers/http-body.js";
import { nodeEtag } from "../../src/server/documents/etag.js";
import { useErrorLog } from "../helpers/error-log.js";

const log = useErrorLog();

const SECRET = "s3cret-for-tests";
const env = gitEnv(GIT_TEST_ENV, true);
const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const PAYLOAD = JSON.stringify({ ref: "refs/heads/main" });

function serve(fx: GitFixture, webhookSecret: string | null = SECRET): Promise<RunningServer> {
  const source = createGitSource({
    repo: fx.remote,
    cacheDir: fx.cacheDir,
    cwd: fx.root.path,
    env,
    pollMs: 0,
  });
  return startServer({
    git: { source, ...(webhookSecret === null ? {} : { webhookSecret }) },
    listen: "127.0.0.1:0",
    logger: log.logger,
  });
}

function hook(url: string, body = PAYLOAD) {
  return request(url)
    .post("/hooks/git")
    .set("Content-Type", "application/json")
    .set("X-GitHub-Event", "push")
    .set("X-Hub-Signature-256", sign(body))
    .send(body);
}

/** The webhook's JSON answer. */
interface HookAnswer {
  outcome: string;
  revision: string;
  subject?: string;
  served?: string;
  errors?: string[];
}
const answerOf = (res: { body: unknown }): HookAnswer => bodyOf<HookAnswer>(res);

describe("verifyWebhook", () => {
  const body = Buffer.from(PAYLOAD);
  const hex = createHmac("sha256", SECRET).update(body).digest("hex");
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ["GitHub/Gitea signature", { "x-hub-signature-256": `sha256=${hex}` }, true],
    ["upper-case hex", { "x-hub-signature-256": `sha256=${hex.toUpperCase()}` }, true],
    ["Gitea bare hex", { "x-gitea-signature": hex }, true],
    ["GitLab token", { "x-gitlab-token": SECRET }, true],
    ["generic", { "x-signature": `sha256=${hex}` }, true],
    ["wrong HMAC", { "x-hub-signature-256": sign("other") }, false],
    ["HMAC with another secret", { "x-signature": sign(PAYLOAD, "nope") }, false],
    ["no sha256= prefix", { "x-hub-signature-256": hex }, false],
    ["truncated hex", { "x-hub-signature-256": `sha256=${hex.slice(2)}` }, false],
    ["wrong GitLab token", { "x-gitlab-token": `${SECRET}x` }, false],
    ["empty GitLab token", { "x-gitlab-token": "" }, false],
    ["nothing", {}, false],
  ];
  for (const [name, headers, ok] of cases)
    it(`${ok ? "accepts" : "refuses"} ${name}`, () => {
      assert.equal(verifyWebhook(headers, body, SECRET).ok, ok);
    });
});

describe("POST /hooks/git", () => {
  let fx: GitFixture;
  let server: RunningServer;
  before(async () => {
    fx = await createGitFixture();
    server = await serve(fx);
  });
  after(async () => {
    await server.close();
    await fx.remove();
  });

  it("refuses a missing or bad signature with 401 and fetches nothing", async () => {
    const before = server.store.counters.fetches;
    const served = server.store.current?.fleet.revision;
    await fx.change({ "manifests/common/unsigned.yaml": podYaml("unsigned") }, "Unsigned trigger");
    const missing = await request(server.url).post("/hooks/git").send(PAYLOAD).expect(401);
    assert.equal(errorOf(missing).code, "bad-signature");
    await request(server.url)
      .post("/hooks/git")
      .set("X-Hub-Signature-256", sign(PAYLOAD, "wrong"))
      .send(PAYLOAD)
      .expect(401);
    await request(server.url).post("/hooks/git").set("X-Gitlab-Token", "wrong").send(PAYLOAD).expect(401);
    assert.equal(server.store.counters.fetches, before);
    assert.equal(server.store.current?.fleet.revision, served);
  });

  it("fetches and publishes on a GitHub-signed hook, answering with the revision", async () => {
    const sha = await fx.change({ "manifests/common/hooked.yaml": podYaml("hooked") }, "Hooked change");
    const res = await hook(server.url).expect(200);
    assert.deepEqual(
      { outcome: answerOf(res).outcome, revision: answerOf(res).revision, subject: answerOf(res).subject },
      { outcome: "published", revision: sha, subject: "Hooked change" },
    );
    const doc = await request(server.url).get("/nodes/cp-1").expect(200);
    assert.equal(doc.headers["x-manifest-revision"], sha);
    const again = await hook(server.url).expect(200);
    assert.equal(answerOf(again).outcome, "unchanged");
  });

  it("accepts GitLab tokens and generic signatures", async () => {
    const sha = await fx.change({ "manifests/common/gitlab.yaml": podYaml("gitlab") }, "GitLab change");
    const gl = await request(server.url)
      .post("/hooks/git")
      .set("X-Gitlab-Token", SECRET)
      .send(PAYLOAD)
      .expect(200);
    assert.equal(answerOf(gl).outcome, "published");
    assert.equal(answerOf(gl).revision, sha);
    const generic = await request(server.url).post("/hooks/git").set("X-Signature", sign("")).expect(200);
    assert.equal(answerOf(generic).outcome, "unchanged");
  });

  it("answers a bad push with the rejection, keeps serving the previous commit, then moves on", async () => {
    log.expect(/^revision \S+ rejected: /);
    const served = server.store.current?.fleet.revision;
    const bad = await fx.change({ "manifests/common/broken.yaml": "kind: Service\n" }, "Broken push");
    const res = await hook(server.url).expect(200);
    assert.equal(answerOf(res).outcome, "rejected");
    assert.equal(answerOf(res).revision, bad);
    assert.equal(answerOf(res).served, served);
    assert.equal(answerOf(res).subject, "Broken push");
    assert.ok(
      answerOf(res).errors?.some((e: string) => e.startsWith("common/broken.yaml")),
      res.text,
    );
    const fixed = await fx.change({ "manifests/common/broken.yaml": null }, "Unbreak");
    const ok = await hook(server.url).expect(200);
    assert.deepEqual([answerOf(ok).outcome, answerOf(ok).revision], ["published", fixed]);
  });

  it("shares fetches between concurrent hooks", async () => {
    const sha = await fx.change({ "manifests/common/burst.yaml": podYaml("burst") }, "Burst");
    const before = server.store.counters.fetches;
    const answers = await Promise.all(Array.from({ length: 10 }, () => hook(server.url)));
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.equal(answerOf(a).revision, sha);
    }
    assert.equal(answers.filter((a) => answerOf(a).outcome === "published").length >= 1, true);
    assert.ok(
      server.store.counters.fetches - before <= 2,
      `${server.store.counters.fetches - before} fetches`,
    );
  });

  it("refuses bodies over the limit with 413", async () => {
    const big = "x".repeat(WEBHOOK_MAX_BODY + 1);
    const res = await request(server.url).post("/hooks/git").set("X-Hub-Signature-256", sign(big)).send(big);
    assert.equal(res.status, 413);
    assert.equal(errorOf(res).code, "payload-too-large");
  });

  it("serves each request one revision's bytes with that revision's ETag while revisions switch", async () => {
    const recorded = new Map<string, { etag: string; sha: string }>();
    const record = (rev: string, etag: string, json: Buffer) =>
      recorded.set(rev, { etag, sha: createHash("sha256").update(json).digest("hex") });
    const cur = server.store.current?.fleet.nodes.get("cp-1");
    assert.ok(cur && server.store.current);
    record(server.store.current.fleet.revision, nodeEtag(cur), cur.json);
    server.store.onPublish((next) => {
      const n = next.fleet.nodes.get("cp-1");
      if (n !== undefined) record(next.fleet.revision, nodeEtag(n), n.json);
    });
    let pushing = true;
    const seen: Array<{ rev: string; etag: string; sha: string }> = [];
    const client = async (): Promise<void> => {
      while (pushing || seen.length < 200) {
        const res = await fetch(`${server.url}/nodes/cp-1`);
        const body = Buffer.from(await res.arrayBuffer());
        assert.equal(res.status, 200);
        seen.push({
          rev: res.headers.get("x-manifest-revision") ?? "",
          etag: res.headers.get("etag") ?? "",
          sha: createHash("sha256").update(body).digest("hex"),
        });
      }
    };
    const clients = Array.from({ length: 20 }, client);
    for (let i = 0; i < 4; i++) {
      await fx.change(
        { "manifests/nodes/cp-1/extra.yaml": podYaml("extra", `busybox:1.${30 + i}`) },
        `Switch ${i}`,
      );
      const r = await hook(server.url);
      assert.equal(answerOf(r).outcome, "published");
    }
    pushing = false;
    await Promise.all(clients);
    assert.ok(seen.length >= 200);
    for (const s of seen) {
      const expected = recorded.get(s.rev);
      assert.ok(expected, `response claims unknown revision ${s.rev}`);
      assert.equal(s.etag, expected.etag, `ETag of ${s.rev}`);
      assert.equal(s.sha, expected.sha, `body of ${s.rev}`);
    }
    assert.ok(new Set(seen.map((s) => s.rev)).size >= 2, "requests saw the switch");
  });
});

describe("POST /hooks/git without a secret", () => {
  it("answers 403 saying how to enable it, and fetches nothing", async () => {
    const fx = await createGitFixture();
    const server = await serve(fx, null);
    try {
      const before = server.store.counters.fetches;
      const res = await request(server.url)
        .post("/hooks/git")
        .set("X-Gitlab-Token", "x")
        .send("{}")
        .expect(403);
      assert.equal(errorOf(res).code, "webhook-disabled");
      assert.match(errorOf(res).message, /--webhook-secret-file/);
      assert.equal(server.store.counters.fetches, before);
      assert.equal(await git(["rev-parse", "--is-bare-repository"], fx.remote), "true");
    } finally {
      await server.close();
      await fx.remove();
    }
  });
});
