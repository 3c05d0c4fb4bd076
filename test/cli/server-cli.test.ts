import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runServerCli } from "../../src/cli/server-cli.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { runCli } from "../helpers/cli.js";
import { copyExampleFleet, EXAMPLE_FLEET, podYaml, REPO_ROOT, tempDir } from "../helpers/fleet.js";
import { spawnServer, withCacheDir } from "../helpers/processes.js";

const cli = (argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  runCli(runServerCli, argv, opts);

describe("manifest-server validate", () => {
  it("exits 0 on the example fleet", async () => {
    const r = await cli(["validate", EXAMPLE_FLEET]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /is valid: 5 nodes/);
  });

  it("defaults to ./manifests", async () => {
    const r = await cli(["validate"], { cwd: REPO_ROOT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("exits 1 on a broken copy and lists every problem with its file", async () => {
    const dir = await copyExampleFleet();
    try {
      await writeFile(join(dir.path, "common/a.yaml"), "kind: Service\n");
      await writeFile(join(dir.path, "common/b.yaml"), podYaml("b", "x:{{ vars.undefinedThing }}"));
      const r = await cli(["validate", dir.path]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^error: common\/a\.yaml \(document 1\) kind: /m);
      assert.match(
        r.stdout,
        /^error: common\/b\.yaml \(document 1\) spec\.containers\[0\]\.image: undefined fleet var "undefinedThing"/m,
      );
      assert.match(r.stdout, /is invalid: 2 errors/);
      const json = await cli(["validate", dir.path, "--json"]);
      assert.equal(json.code, 1);
      const parsed = JSON.parse(json.stdout) as { valid: boolean; issues: unknown[] };
      assert.equal(parsed.valid, false);
    } finally {
      await dir.remove();
    }
  });

  it("--strict makes an unknown field an error; without it, a warning", async () => {
    const dir = await copyExampleFleet();
    try {
      await writeFile(
        join(dir.path, "common/typo.yaml"),
        podYaml("typo", "busybox:1.36", '      imagePulPolicy: "Always"\n'),
      );
      const lenient = await cli(["validate", dir.path]);
      assert.equal(lenient.code, 0, lenient.stdout);
      assert.match(
        lenient.stdout,
        /^warning: common\/typo\.yaml \(document 1\) spec\.containers\[0\]\.imagePulPolicy: unknown field/m,
      );
      const strict = await cli(["validate", "--strict", dir.path]);
      assert.equal(strict.code, 1, strict.stdout);
      assert.match(
        strict.stdout,
        /^error: common\/typo\.yaml \(document 1\) spec\.containers\[0\]\.imagePulPolicy: unknown field .*Did you mean "imagePullPolicy"/m,
      );
    } finally {
      await dir.remove();
    }
  });

  it("exits 2 when the folder does not exist", async () => {
    const r = await cli(["validate", "/nonexistent/fleet"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not exist/);
  });

  it("exits 2 on unknown options, with a pointer to --help", async () => {
    const r = await cli(["validate", "--bogus"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option/);
  });
});

describe("manifest-server render and explain", () => {
  it("render prints exactly the served JSON, or YAML", async () => {
    const json = await cli(["render", "cp-1", "--dir", EXAMPLE_FLEET]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { kind: string; items: unknown[] };
    assert.equal(doc.kind, "PodList");
    const yaml = await cli(["render", "cp-1", "--dir", EXAMPLE_FLEET, "--format", "yaml"]);
    assert.deepEqual(yamlToJson(yaml.stdout), doc);
  });

  it("render reads --dir from MANIFEST_SERVER_DIR", async () => {
    const r = await cli(["render", "edge-1"], { env: { MANIFEST_SERVER_DIR: EXAMPLE_FLEET } });
    assert.equal(r.code, 0, r.stderr);
  });

  it("render of an unknown node exits 2 and lists the known ones", async () => {
    const r = await cli(["render", "ghost", "--dir", EXAMPLE_FLEET]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /known nodes: cp-1, cp-2/);
  });

  it("explain shows groups, origins, overrides and vars", async () => {
    const r = await cli(["explain", "edge-2", "--dir", EXAMPLE_FLEET]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /edge \(priority 0\): selector matched: role in \(edge\)/);
    assert.match(r.stdout, /from nodes\/edge-2\/node-exporter\.yaml \(document 1\) \[node edge-2\]/);
    assert.match(r.stdout, /overrides common\/node-exporter\.yaml/);
    assert.match(r.stdout, /uses node\.labels\.site, node\.vars\.upstream/);
  });

  it("--help answers questions for each command", async () => {
    const top = await cli(["--help"]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /serve/);
    assert.match(top.stdout, /Exit codes/);
    const serve = await cli(["serve", "--help"]);
    assert.match(serve.stdout, /--listen/);
    assert.match(serve.stdout, /MANIFEST_SERVER_LISTEN/);
    assert.match(serve.stdout, /staticPodURL/);
  });
});

describe("manifest-server serve (the binary, run from src/; test/cli/dist.test.ts runs the build)", () => {
  it("serves the example fleet from the working directory and stops cleanly on SIGTERM", async () => {
    const cache = await tempDir("ms-cache-");
    const server = await spawnServer([], withCacheDir(cache.path), REPO_ROOT);
    try {
      const res = await fetch(`${server.url}/nodes/cp-1`);
      assert.equal(res.status, 200);
      server.kill("SIGTERM");
      assert.equal(await server.exited, 0);
    } finally {
      server.kill("SIGKILL");
      await server.exited;
      await cache.remove();
    }
  });
});

describe("manifest-server serve start-up failures", () => {
  it("exits 2 with a hint when the fleet folder does not exist", async () => {
    const r = await cli(["serve", "--dir", "/nonexistent/fleet", "--listen", "127.0.0.1:0"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /fleet folder \/nonexistent\/fleet does not exist/);
    assert.match(r.stderr, /hint: pass --dir/);
  });

  it("exits 2 with a hint when the port is taken, leaving nothing running", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await cli([
        "serve",
        "--dir",
        EXAMPLE_FLEET,
        "--listen",
        `127.0.0.1:${port}`,
        "--no-state-dir",
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
      assert.match(r.stderr, /hint: another process uses that port/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
