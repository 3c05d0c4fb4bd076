import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { changedPaths, lineDiff } from "../../src/cli/diff.js";
import { runServerCli } from "../../src/cli/server-cli.js";
import { runCli } from "../helpers/cli.js";
import { podYaml } from "../helpers/fleet.js";
import { createGitFixture, git, type GitFixture } from "../helpers/git.js";

const cli = (argv: string[], cwd: string) => runCli(runServerCli, argv, { cwd });

describe("lineDiff and changedPaths", () => {
  it("marks removed and added lines with context and hunk separators", () => {
    const a = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    const b = ["a", "B", "c", "d", "e", "f", "g", "h", "i", "j", "k"];
    assert.deepEqual(lineDiff(a, b, 1), [" a", "-b", "+B", " c", "@@", " j", "+k"]);
    assert.deepEqual(lineDiff(a, a), []);
    assert.deepEqual(lineDiff([], ["x"]), ["+x"]);
  });

  it("names the changed field paths", () => {
    const a = { spec: { containers: [{ image: "a", name: "m" }] }, metadata: { labels: { x: "1" } } };
    const b = { spec: { containers: [{ image: "b", name: "m" }, { name: "n" }] }, metadata: { labels: {} } };
    assert.deepEqual(changedPaths(a, b), [
      "metadata.labels.x",
      "spec.containers[0].image",
      "spec.containers[1]",
    ]);
    assert.deepEqual(changedPaths(a, structuredClone(a)), []);
  });
});

describe("manifest-server diff", () => {
  let fx: GitFixture;
  let base: string;
  let changed: string;
  let broken: string;
  before(async () => {
    fx = await createGitFixture();
    base = await git(["rev-parse", "HEAD"], fx.work);
    const gateway = await readFile(join(fx.work, "manifests/groups/edge/store-gateway.yaml"), "utf8");
    const fleet = await readFile(join(fx.work, "manifests/fleet.yaml"), "utf8");
    await fx.write({
      "manifests/groups/edge/store-gateway.yaml": gateway.replace("nginx:1.27-alpine", "nginx:1.28-alpine"),
      "manifests/nodes/edge-2/extra.yaml": podYaml("extra"),
      "manifests/fleet.yaml": fleet.replace(
        "  edge-2:\n",
        '  edge-3:\n    labels: { role: "edge", site: "store-99" }\n    vars: { ip: "192.168.99.10", upstream: "https://api.example.com" }\n  edge-2:\n',
      ),
    });
    changed = await fx.commit("Bump the gateway, add a pod and a node");
    await fx.write({ "manifests/common/bad.yaml": "kind: Service\n" });
    broken = await fx.commit("Break it");
  });
  after(() => fx.remove());

  it("exits 0 when no node's document changes", async () => {
    const r = await cli(["diff", "--from", base, "--to", base], fx.work);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no node's served document changes \(5 nodes\)/);
  });

  it("exits 1 and shows per node what changes, with the pods' YAML lines", async () => {
    const r = await cli(["diff", "--from", base, "--to", changed, "--repo", fx.work], fx.root.path);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout;
    assert.match(out, /^node edge-1: changed \(1 pod differs\)$/m);
    assert.match(out, /^node edge-2: changed \(2 pods differ\)$/m);
    assert.match(out, /^ {2}~ pod edge\/store-gateway changed: spec\.containers\[0\]\.image$/m);
    assert.match(out, /^ {6}- +image: "?docker\.io\/library\/nginx:1\.27-alpine"?$/m);
    assert.match(out, /^ {6}\+ +image: "?docker\.io\/library\/nginx:1\.28-alpine"?$/m);
    assert.match(out, /^ {2}\+ pod default\/extra added$/m);
    assert.match(out, /^node edge-3: added \(\d+ pods?\)$/m);
    assert.match(out, /^unchanged: cp-1, cp-2, cp-3$/m);
    assert.match(out, /^3 of 6 nodes change\.$/m);
    const back = await cli(["diff", "--from", changed, "--to", base], fx.work);
    assert.equal(back.code, 1);
    assert.match(back.stdout, /^node edge-3: removed/m);
    assert.match(back.stdout, /^ {2}- pod default\/extra removed$/m);
  });

  it("exits 2 naming the revision that is unknown or invalid", async () => {
    const unknown = await cli(["diff", "--from", "no-such-branch", "--to", base], fx.work);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--from no-such-branch: "no-such-branch" is not a commit in /);
    const invalid = await cli(["diff", "--from", base, "--to", broken], fx.work);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /^error: common\/bad\.yaml/m);
    assert.match(invalid.stderr, new RegExp(`--to ${broken} \\(${broken.slice(0, 12)}\\) is invalid`));
    const notRepo = await cli(["diff", "--from", "a", "--to", "b", "--repo", fx.cacheDir], fx.work);
    assert.equal(notRepo.code, 2);
    assert.match(notRepo.stderr, /is not a git repository/);
  });
});
