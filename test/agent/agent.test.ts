// The agent loop: backoff and jitter, shutdown, checkpoint boot rules, and retries after runtime failures.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint } from "../../src/agent/checkpoint.js";
import { createDryRunDriver } from "../../src/runtime/dry-run.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { captureLogger, startUrlServer, type UrlServer } from "./url-server.js";

let server: UrlServer;
before(async () => {
  server = await startUrlServer("/nodes/n1");
});
after(async () => {
  await server.close();
});

const body = JSON.stringify({
  apiVersion: "v1",
  kind: "PodList",
  items: [{ metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } }],
});

const config = (extra: Partial<ConstructorParameters<typeof Agent>[0]> = {}) => ({
  url: server.url,
  node: "n1",
  userAgent: "manifest-agent/test",
  intervalMs: 20_000,
  maxBackoffMs: 300_000,
  ...extra,
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "agent-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("nextDelay: the interval when healthy, doubling after failures, capped, with ±10% jitter", () => {
  const { logger } = captureLogger();
  const driver = createDryRunDriver(() => undefined);
  const middle = new Agent(config(), { driver, logger, random: () => 0.5 });
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 20].map((f) => middle.nextDelay(f)),
    [20_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000],
  );
  assert.equal(new Agent(config(), { driver, logger, random: () => 0 }).nextDelay(0), 18_000);
  assert.equal(new Agent(config(), { driver, logger, random: () => 1 }).nextDelay(0), 22_000);
});

test("run: backs off while the server fails, resets when it answers, stops cleanly on abort", async () => {
  const { logger, entries } = captureLogger();
  const lines: string[] = [];
  const waits: number[] = [];
  const controller = new AbortController();
  const script = [{ status: 503 }, { status: 503 }, { status: 200, body }, { status: 200, body }];
  server.answer(script[0] ?? {});
  const agent = new Agent(config(), {
    driver: createDryRunDriver((l) => lines.push(l)),
    logger,
    random: () => 0.5,
    sleep: (ms) => {
      waits.push(ms);
      const next = script[waits.length];
      if (next === undefined) controller.abort();
      else server.answer(next);
      return Promise.resolve();
    },
  });
  await agent.run(controller.signal);
  assert.deepEqual(waits, [20_000, 40_000, 20_000, 20_000]);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? "", /^\+ add default\/web-n1/);
  const messages = entries().map((e) => String(e.msg));
  const warned = entries().filter(
    (e) => e.level === 40 && String(e.msg).includes(": 503 Service Unavailable"),
  );
  assert.equal(warned.length, 1, "a repeated failure is logged once at warn, then at debug");
  assert.ok(messages.includes("server answers again"));
  assert.equal(messages.at(-1), "stopped");
});

test("an abort during a pass stops before touching the runtime", async () => {
  const { logger } = captureLogger();
  const lines: string[] = [];
  server.answer({ status: 200, body });
  const controller = new AbortController();
  controller.abort();
  const result = await new Agent(config(), { driver: createDryRunDriver((l) => lines.push(l)), logger }).pass(
    controller.signal,
  );
  assert.equal(result.converged, false);
  assert.deepEqual(lines, []);
});

test("a failing runtime is retried on the next pass (level-triggered)", async () => {
  await withDir(async (dir) => {
    const { logger, entries } = captureLogger();
    server.answer({ status: 200, body });
    const podDir = join(dir, "manifests");
    const agent = new Agent(config(), {
      driver: createStaticDirDriver({ instance: "agent-test", dir: podDir, tempDir: join(dir, "tmp") }),
      logger,
    });
    const failed = await agent.pass();
    assert.deepEqual([failed.source, failed.converged, failed.failed], ["changed", false, 1]);
    assert.ok(entries().some((e) => String(e.msg).startsWith("cannot list the runtime's pods")));
    await mkdir(podDir);
    const retried = await agent.pass();
    assert.deepEqual([retried.source, retried.converged, retried.applied], ["unchanged", true, 1]);
    assert.deepEqual(await readdir(podDir), ["manifest-agent_default_web-n1.yaml"]);
  });
});

test("boot: a checkpoint for another URL, or a corrupt one, is ignored with a warning", async () => {
  await withDir(async (dir) => {
    const dead = await startUrlServer();
    const url = dead.url;
    await dead.close();
    await saveCheckpoint(dir, { url: "http://elsewhere/nodes/n1", body, savedAt: "t" });
    const other = captureLogger();
    const r1 = await new Agent(config({ url, stateDir: dir }), {
      driver: createDryRunDriver(() => undefined),
      logger: other.logger,
    }).pass();
    assert.equal(r1.desired, undefined);
    assert.ok(other.entries().some((e) => e.msg === "checkpoint is for another URL; ignoring it"));

    await writeFile(join(dir, CHECKPOINT_FILE), "{ truncated");
    const corrupt = captureLogger();
    const r2 = await new Agent(config({ url, stateDir: dir }), {
      driver: createDryRunDriver(() => undefined),
      logger: corrupt.logger,
    }).pass();
    assert.equal(r2.desired, undefined);
    assert.ok(corrupt.entries().some((e) => e.level === 40 && /corrupt or truncated/.test(String(e.msg))));

    await saveCheckpoint(dir, { url, body, savedAt: "t" });
    const good = captureLogger();
    const lines: string[] = [];
    const r3 = await new Agent(config({ url, stateDir: dir }), {
      driver: createDryRunDriver((l) => lines.push(l)),
      logger: good.logger,
    }).pass();
    assert.deepEqual([r3.source, r3.fresh, r3.converged, r3.desired], ["error", false, true, 1]);
    assert.equal(lines.length, 1);
  });
});

test("a rejected response is not checkpointed and its ETag is not reused", async () => {
  await withDir(async (dir) => {
    const { logger } = captureLogger();
    const agent = new Agent(config({ stateDir: dir }), {
      driver: createDryRunDriver(() => undefined),
      logger,
    });
    server.answer({ status: 200, body, etag: '"good"' });
    await agent.pass();
    server.answer({ status: 200, body: '{"apiVersion":"v1","kind":"List"}', etag: '"bad"' });
    assert.equal((await agent.pass()).source, "error");
    const before = server.requests.length;
    assert.equal(
      (await agent.pass()).source,
      "error",
      "the bad body is fetched and refused again, not 304'd",
    );
    assert.equal(server.requests[before]?.headers["if-none-match"], '"good"');
    assert.equal((await loadCheckpoint(dir)).checkpoint?.etag, '"good"');
  });
});
