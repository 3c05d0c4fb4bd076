// Faults around a running agent (real static-dir runtime): a misbehaving server, a truncated checkpoint, a read-only state dir.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { CHECKPOINT_FILE } from "../../src/agent/checkpoint.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { startServer } from "../../src/server/start.js";
import { EXAMPLE_FLEET, tempDir } from "../helpers/fleet.js";
import { captureLogger } from "../agent/url-server.js";

type Fault = "good" | "500" | "timeout" | "truncated" | "empty" | "reset";

/** A proxy in front of a real manifest-server that misbehaves as `fault` says. */
async function faultyProxy(
  upstream: string,
): Promise<{ url: string; set(f: Fault): void; close(): Promise<void> }> {
  let fault: Fault = "good";
  const server: Server = createServer((req, res) => {
    void (async () => {
      const real = await fetch(`${upstream}${req.url ?? "/"}`);
      const body = Buffer.from(await real.arrayBuffer());
      if (fault === "500") res.writeHead(500).end("internal error");
      else if (fault === "timeout")
        res.writeHead(200, { "Content-Length": body.length }).write(body.subarray(0, 10));
      else if (fault === "truncated") {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      } else if (fault === "empty") res.writeHead(200, { "Content-Type": "application/json" }).end();
      else if (fault === "reset") req.socket.destroy();
      else
        res
          .writeHead(200, { "Content-Type": "application/json", ETag: real.headers.get("etag") ?? "" })
          .end(body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (f) => {
      fault = f;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function setup(prefix: string) {
  const root = await tempDir(prefix);
  const podDir = join(root.path, "pods");
  const stateDir = join(root.path, "state");
  await mkdir(podDir);
  const server = await startServer({ dir: EXAMPLE_FLEET, listen: "127.0.0.1:0" });
  const proxy = await faultyProxy(server.url);
  const make = () => {
    const log = captureLogger();
    const agent = new Agent(
      {
        url: `${proxy.url}/nodes/cp-1`,
        node: "cp-1",
        userAgent: "t",
        intervalMs: 1000,
        maxBackoffMs: 1000,
        stateDir,
        timeoutMs: 500,
      },
      {
        driver: createStaticDirDriver({
          instance: "agent-faults",
          dir: podDir,
          tempDir: join(stateDir, "tmp"),
        }),
        logger: log.logger,
      },
    );
    return { agent, logs: log.entries };
  };
  const pods = async () => {
    const out = new Map<string, string>();
    for (const f of (await readdir(podDir)).sort()) out.set(f, await readFile(join(podDir, f), "utf8"));
    return out;
  };
  return {
    root,
    podDir,
    stateDir,
    proxy,
    make,
    pods,
    async close() {
      await proxy.close();
      await server.close();
      await root.remove();
    },
  };
}

test("the server answering 500, timing out, truncating, resetting or sending an empty 200: the agent keeps its pods", async () => {
  const s = await setup("ms-agent-faults-");
  try {
    const { agent, logs } = s.make();
    assert.equal((await agent.pass()).converged, true);
    const running = await s.pods();
    assert.equal(running.size, 5);
    for (const fault of ["500", "timeout", "truncated", "empty", "reset"] as const) {
      s.proxy.set(fault);
      const r = await agent.pass();
      assert.deepEqual([r.source, r.removed, r.applied], ["error", 0, 0], `${fault}: ${JSON.stringify(r)}`);
      assert.deepEqual(await s.pods(), running, `${fault} changed the running pods`);
    }
    assert.ok(logs().filter((e) => /keeping 5 pods/.test(String(e.msg))).length >= 5, JSON.stringify(logs()));
    s.proxy.set("good");
    const back = await agent.pass();
    assert.deepEqual([back.fresh, back.converged, back.removed], [true, true, 0]);
    assert.deepEqual(await s.pods(), running);
  } finally {
    await s.close();
  }
});

test("a truncated checkpoint with the server down at boot: ignored with a warning, no pod removed", async () => {
  const s = await setup("ms-agent-ckpt-");
  try {
    assert.equal((await s.make().agent.pass()).converged, true);
    const running = await s.pods();
    const file = join(s.stateDir, CHECKPOINT_FILE);
    await truncate(file, Math.floor((await readFile(file)).length / 3));
    s.proxy.set("500");
    const { agent, logs } = s.make();
    const r = await agent.pass();
    assert.deepEqual([r.source, r.desired, r.removed], ["error", undefined, 0]);
    assert.deepEqual(await s.pods(), running);
    assert.ok(
      logs().some((e) => e.level === 40 && /corrupt or truncated/.test(String(e.msg))),
      JSON.stringify(logs()),
    );
    s.proxy.set("good");
    assert.equal((await agent.pass()).converged, true);
    assert.deepEqual(await s.pods(), running);
  } finally {
    await s.close();
  }
});

/** Makes `dir` read-only for this process: chmod for a normal user, the immutable attribute for root. */
function readOnly(dir: string, on: boolean): void {
  if (process.getuid?.() !== 0) execFileSync("chmod", [on ? "a-w" : "u+w", dir]);
  else execFileSync("chattr", [on ? "+i" : "-i", dir]);
}

test("a read-only state directory: pods keep running, repairs wait and are logged, nothing crashes", async () => {
  const s = await setup("ms-agent-ro-");
  try {
    assert.equal((await s.make().agent.pass()).converged, true);
    const running = await s.pods();
    await rm(join(s.stateDir, CHECKPOINT_FILE));
    const tampered = join(s.podDir, "manifest-agent_kube-system_etcd-cp-1.yaml");
    await writeFile(tampered, "tampered: true\n");
    readOnly(s.stateDir, true);
    readOnly(join(s.stateDir, "tmp"), true);
    try {
      await assert.rejects(writeFile(join(s.stateDir, "probe"), "x"), "the state directory is not read-only");
      const { agent, logs } = s.make();
      const r = await agent.pass();
      assert.equal(r.fresh, true);
      assert.equal(r.removed, 0);
      assert.deepEqual([r.converged, r.failed], [false, 1], JSON.stringify(r));
      const now = await s.pods();
      assert.deepEqual([...now.keys()], [...running.keys()], "a pod file disappeared");
      assert.equal(now.get("manifest-agent_kube-system_etcd-cp-1.yaml"), "tampered: true\n");
      const messages = logs().map((e) => String(e.msg));
      assert.ok(messages.includes("cannot save the checkpoint"), messages.join("\n"));
      assert.ok(
        messages.some((m) => /could not be restarted|could not be replaced/.test(m)),
        messages.join("\n"),
      );
    } finally {
      readOnly(join(s.stateDir, "tmp"), false);
      readOnly(s.stateDir, false);
    }
    const healed = await s.make().agent.pass();
    assert.equal(healed.converged, true);
    assert.deepEqual(await s.pods(), running);
  } finally {
    await s.close();
  }
});
