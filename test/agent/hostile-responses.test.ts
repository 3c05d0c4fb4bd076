// Hostile answers a real agent must survive without losing pods: nesting past Go's limit, unframed bodies,
// a 304 nobody asked for; and the temp files a killed agent leaves behind.
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test, type TestContext } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { CHECKPOINT_FILE } from "../../src/agent/checkpoint.js";
import { MAX_NESTING_DEPTH, jsonNestingDepth } from "../../src/agent/max-depth.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { tempDir } from "../helpers/fleet.js";
import { captureLogger } from "./url-server.js";
import { staticDirAgent } from "./static-dir-agent.js";

const GOOD = JSON.stringify({
  apiVersion: "v1",
  kind: "PodList",
  items: [{ metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } }],
});
const POD_FILE = "manifest-agent_default_web-n1.yaml";
const INSTANCE = "agent-hostile";

/** An empty PodList carrying an array nested `depth` deep in an unknown field. */
function nested(depth: number): string {
  return `{"apiVersion":"v1","kind":"PodList","items":[],"x":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
}

/** A server answering each request with raw bytes (it can send what node:http would not), then closing. */
let raw = "";
let server: Server;
let url = "";
before(async () => {
  server = createServer((socket) => {
    socket.once("data", () => socket.end(raw));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/nodes/n1`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const framed = (body: string, headers = ""): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

/** An agent on a real static-dir runtime and state dir, already running the one good pod. */
async function running(t: TestContext) {
  const { agent, podDir, stateDir, logs } = await staticDirAgent(t, url, INSTANCE);
  raw = framed(GOOD);
  const first = await agent.pass();
  assert.equal(first.source, "changed");
  assert.deepEqual(await readdir(podDir), [POD_FILE]);
  return { agent, podDir, stateDir, logs };
}

test("jsonNestingDepth counts [ and { outside strings, like Go's scanner", () => {
  assert.equal(jsonNestingDepth("{}"), 1);
  assert.equal(jsonNestingDepth('{"a":[{"b":[]}],"c":{}}'), 4);
  assert.equal(jsonNestingDepth('{"a":"[[[{{{\\"[["}'), 1);
  assert.equal(jsonNestingDepth(nested(MAX_NESTING_DEPTH)), MAX_NESTING_DEPTH);
  assert.equal(
    jsonNestingDepth(nested(20_000), MAX_NESTING_DEPTH),
    MAX_NESTING_DEPTH + 1,
    "stops past the limit",
  );
});

test("a body nested deeper than 10,000 is refused like the kubelet does, and the pods stay", async (t) => {
  const { agent, podDir, logs } = await running(t);
  raw = framed(nested(20_000));
  const refused = await agent.pass();
  assert.equal(refused.source, "error");
  assert.match(refused.errors.join("\n"), /deeper than 10000 levels/);
  assert.deepEqual(await readdir(podDir), [POD_FILE], "the pod is kept");
  assert.ok(logs().some((e) => e.level === 40 && /exceeded max depth/.test(JSON.stringify(e.issues))));
  raw = framed(nested(MAX_NESTING_DEPTH + 1));
  assert.equal((await agent.pass()).source, "error", "10,001 is one too many");
  raw = framed(nested(MAX_NESTING_DEPTH));
  const accepted = await agent.pass();
  assert.equal(accepted.source, "changed", "10,000 deep is what Go accepts");
  assert.deepEqual(await readdir(podDir), [], "an accepted empty PodList removes the pod");
});

test("a truncated close-delimited YAML list is refused: no pod removed", async (t) => {
  const { agent, podDir } = await running(t);
  // The connection closed after "items:", which reads as an empty list.
  raw = "HTTP/1.1 200 OK\r\nContent-Type: application/yaml\r\n\r\napiVersion: v1\nkind: PodList\nitems:\n";
  const result = await agent.pass();
  assert.equal(result.source, "error");
  assert.match(result.errors.join("\n"), /^Response not framed: GET .*without Content-Length or chunked/m);
  assert.deepEqual(await readdir(podDir), [POD_FILE]);
});

test("a 304 although the agent sent no ETag: an error that says so, and nothing changes", async (t) => {
  const { agent, podDir, logs } = await running(t);
  raw = "HTTP/1.1 304 Not Modified\r\n\r\n";
  const result = await agent.pass();
  assert.equal(result.source, "error");
  assert.equal(result.fresh, false);
  assert.deepEqual(await readdir(podDir), [POD_FILE]);
  const warned = logs().find(
    (e) => e.level === 40 && String(e.msg).startsWith("Unexpected 304 Not Modified"),
  );
  assert.ok(warned, "a warning names the unexpected 304");
  assert.match(String(warned.msg), /sent no If-None-Match/);
});

test("temp files left by a killed agent are swept at start: checkpoint temps and its instance's static-dir temps", async (t) => {
  const root = await tempDir("agent-sweep-");
  t.after(() => root.remove());
  const podDir = join(root.path, "pods");
  const stateDir = join(root.path, "state");
  await mkdir(podDir);
  await mkdir(join(stateDir, "tmp"), { recursive: true });
  // What writeFileAtomic and the static-dir driver leave when killed between write and rename.
  await writeFile(join(stateDir, ".0123456789ab.tmp"), "half a checkpoint");
  await writeFile(join(stateDir, "tmp", `.manifest-agent@${INSTANCE}+0123456789ab.tmp`), "half a pod");
  await writeFile(join(stateDir, "notes.txt"), "kept");
  await writeFile(join(stateDir, "tmp", "other.tmp"), "kept");
  // Another instance sharing the temp folder may be writing this one right now.
  await writeFile(join(stateDir, "tmp", ".manifest-agent@other+0123456789ab.tmp"), "kept");
  raw = framed(GOOD);
  const log = captureLogger();
  const agent = new Agent(
    { url, node: "n1", userAgent: "t", intervalMs: 1000, maxBackoffMs: 1000, stateDir },
    {
      driver: createStaticDirDriver({ instance: INSTANCE, dir: podDir, tempDir: join(stateDir, "tmp") }),
      logger: log.logger,
    },
  );
  const result = await agent.pass();
  assert.equal(result.converged, true);
  assert.deepEqual((await readdir(stateDir)).sort(), [CHECKPOINT_FILE, "notes.txt", "tmp"]);
  assert.deepEqual((await readdir(join(stateDir, "tmp"))).sort(), [
    ".manifest-agent@other+0123456789ab.tmp",
    "other.tmp",
  ]);
  assert.ok(log.entries().some((e) => e.msg === "removed temp files left by a crash"));
});
