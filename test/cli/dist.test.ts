// The shipped binaries: `npm run build` once, then dist/cli/*.js run for real, without tsx, end to end.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "../helpers/fleet.js";
import { spawnCli, spawnServer, staticDirAgentArgs, withCacheDir } from "../helpers/processes.js";

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd: REPO_ROOT, env: process.env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    }),
  );
}

const bin = (entry: string): string => join(REPO_ROOT, "dist", "cli", `${entry}.js`);

describe("the built binaries (dist/)", () => {
  before(async () => {
    const build = await run("npm", ["run", "build", "--silent"]);
    assert.equal(build.code, 0, `npm run build failed: ${build.stdout}${build.stderr}`);
  });

  it("report the package version and validate the example fleet", async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    for (const entry of ["manifest-server", "manifest-agent"]) {
      const version = await run(process.execPath, [bin(entry), "--version"]);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), pkg.version, `${entry} --version`);
    }
    const valid = await run(process.execPath, [bin("manifest-server"), "validate", "manifests"]);
    assert.equal(valid.code, 0, valid.stderr);
  });

  it("a built server serves the fleet and a built agent writes the node's pods, then both stop cleanly", async (t) => {
    const root = await tempDir("ms-dist-");
    t.after(() => root.remove());
    const server = await spawnServer(["--dir", "manifests"], withCacheDir(root.path), REPO_ROOT, "dist");
    t.after(() => server.kill("SIGKILL"));
    const expected = (await (await fetch(`${server.url}/nodes/cp-1`)).json()) as { items: unknown[] };
    const podDir = join(root.path, "pods");
    await mkdir(podDir);
    const agent = spawnCli(
      "manifest-agent",
      [...staticDirAgentArgs(server.url, root.path), "--once"],
      process.env,
      REPO_ROOT,
      "dist",
    );
    assert.equal(await agent.exited, 0, agent.stderr());
    const files = await readdir(podDir);
    assert.equal(files.length, expected.items.length);
    assert.ok(
      files.every((f) => /^manifest-agent_.*\.yaml$/.test(f)),
      files.join(","),
    );
    server.kill("SIGTERM");
    assert.equal(await server.exited, 0, server.stderr());
  });
});
