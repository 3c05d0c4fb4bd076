// Graceful lifecycle of the real binaries: SIGTERM finishes in-flight work, refuses new work and exits 0.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { startServer } from "../../src/server/start.js";
import { copyExampleFleet, tempDir } from "../helpers/fleet.js";
import { spawnCli, spawnServer, staticDirAgentArgs, withCacheDir } from "../helpers/processes.js";

test("server: SIGTERM lets a slow in-flight request finish with the full document, refuses new connections, exits 0", async () => {
  const fleet = await copyExampleFleet();
  const cache = await tempDir("ms-cache-");
  const server = await spawnServer(["--dir", fleet.path], withCacheDir(cache.path));
  try {
    const expected = Buffer.from(await (await fetch(`${server.url}/nodes/cp-1`)).arrayBuffer());
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let firstAnswered!: () => void;
    const first = new Promise<void>((resolve) => (firstAnswered = resolve));
    const ended = new Promise<void>((resolve, reject) => {
      socket.on("data", (c: Buffer) => {
        chunks.push(c);
        if (Buffer.concat(chunks).includes(expected)) firstAnswered();
      });
      socket.on("end", resolve);
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    await server.waitFor(/"msg":"listening"/);
    // One write: a whole request, then the head of a second one, half sent. The server parses both in one go,
    // so once the first is answered the second is in flight when the signal arrives.
    socket.write("GET /nodes/cp-1 HTTP/1.1\r\nHost: x\r\n\r\nGET /nodes/cp-1 HTTP/1.1\r\nHost: x\r\n");
    await first;
    server.kill("SIGTERM");
    await server.waitFor(/shutting down/);
    const refused = await fetch(`${server.url}/healthz`).then(
      () => "answered",
      () => "refused",
    );
    assert.equal(refused, "refused");
    socket.write("Accept: application/json\r\n\r\n");
    await ended;
    const response = Buffer.concat(chunks).toString("utf8");
    assert.match(response, /^HTTP\/1\.1 200 OK/);
    assert.ok(response.endsWith(expected.toString("utf8")), response.slice(0, 300));
    assert.equal(response.split("HTTP/1.1 200 OK").length - 1, 2, "both requests were answered");
    assert.equal(await server.exited, 0, server.stderr());
  } finally {
    server.kill("SIGKILL");
    await server.exited;
    await fleet.remove();
    await cache.remove();
  }
});

test("agent: SIGTERM mid-reconcile finishes the current step, leaves only whole files, exits 0; a restart converges", async () => {
  const fleet = await copyExampleFleet();
  const root = await tempDir("ms-agent-term-");
  const podDir = join(root.path, "pods");
  await mkdir(podDir);
  const server = await startServer({ dir: fleet.path, listen: "127.0.0.1:0" });
  const args = [...staticDirAgentArgs(server.url, root.path), "--interval", "1s"];
  try {
    const agent = spawnCli("manifest-agent", args, { ...process.env });
    await agent.waitFor(/"msg":"pod added"/);
    agent.kill("SIGTERM");
    assert.equal(await agent.exited, 0, agent.stderr());
    assert.match(agent.stderr(), /stopping after the current step/);
    const files = await readdir(podDir);
    assert.ok(files.length >= 1 && files.length <= 5, files.join(","));
    for (const f of files) {
      assert.match(f, /^manifest-agent_.*\.yaml$/, "no temp file is left in the kubelet's folder");
      yamlToJson(await readFile(join(podDir, f), "utf8"));
    }
    const again = spawnCli("manifest-agent", [...args, "--once"], { ...process.env });
    assert.equal(await again.exited, 0, again.stderr());
    assert.equal((await readdir(podDir)).length, 5);
  } finally {
    await server.close();
    await fleet.remove();
    await root.remove();
  }
});
