import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import type { FleetFile, ManifestFile } from "../../src/fleet/fleet-files.js";
import { loadFleet, loadFleetInSlices, type LoadResult } from "../../src/fleet/load-fleet.js";
import { readFile, type FileRead, type ReadRequest } from "../../src/fleet/load/read-file.js";
import { ReadPool } from "../../src/fleet/load/read-pool.js";
import { ExactInteger } from "../../src/lib/exact-integer.js";
import { AliasBudget, MAX_ALIAS_NODES_PER_REVISION } from "../../src/manifests/yaml.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET, filesFromTree, podYaml } from "../helpers/fleet.js";
import { BAD_INPUTS } from "./bad-inputs.js";

const vectors = (
  JSON.parse(readFileSync(new URL("../fixtures/yaml-1.1-vectors.json", import.meta.url), "utf8")) as {
    vectors: Array<{ yaml: string }>;
  }
).vectors;

const MINORS = [33, 35];
const pool = new ReadPool({ inlineBelow: 0 });
after(() => pool.close());

function manifest(path: string, text: string | Buffer): ManifestFile {
  return {
    path,
    layer: { kind: "common" },
    content: Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8"),
  };
}

function readInline(file: ManifestFile, budget: AliasBudget): FileRead {
  const steps = readFile(file, MINORS, false, { aliasBudget: budget });
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

function request(file: ManifestFile, budget: AliasBudget): ReadRequest {
  return { stage: "read", file, minors: MINORS, strict: false, aliases: budget.state() };
}

/** Reads `file` inline and in a reader thread, each with a copy of `budget`; asserts both agree, returns the read. */
async function readBothWays(file: ManifestFile, budget = new AliasBudget(MAX_ALIAS_NODES_PER_REVISION)) {
  const inlineBudget = AliasBudget.from(budget.state());
  const inline = readInline(file, inlineBudget);
  const answer = await pool.read(request(file, budget));
  assert.ok(answer !== undefined, "the pool reads every file (inlineBelow: 0)");
  assert.deepStrictEqual(answer.read, inline, file.path);
  assert.deepStrictEqual(answer.aliases, inlineBudget.state(), `${file.path}: alias budget`);
  // Shared objects stay shared: the prepared pods are the read's pods.
  for (const byPod of answer.read.prepared.values())
    for (const pod of byPod.keys()) assert.ok(answer.read.pods.includes(pod));
  return answer;
}

const exampleFiles = await readFleetDir(EXAMPLE_FLEET);

describe("reading files in a reader thread", () => {
  it("gives exactly the inline read for the example fleet's files", async () => {
    const manifests = exampleFiles.filter((f) => f.path !== "fleet.yaml" && f.content !== undefined);
    assert.ok(manifests.length >= 5);
    for (const f of manifests) await readBothWays(manifest(f.path, f.content!));
  });

  it("gives exactly the inline read for every YAML 1.1 vector, as a pod's fields", async () => {
    for (const [i, v] of vectors.entries()) {
      const head = `apiVersion: v1\nkind: Pod\nmetadata: {name: v${i}}\nspec: {containers: [{name: c, image: x}]}\n`;
      await readBothWays(manifest(`common/v${i}.yaml`, v.yaml.startsWith("value:") ? head + v.yaml : v.yaml));
    }
  });

  it("keeps exact integers, prototype keys, warnings and issues exactly", async () => {
    const big = `${podYaml("big")}  terminationGracePeriodSeconds: 9223372036854775807\n  activeDeadlineSeconds: -99999999999999999999\n`;
    const answer = await readBothWays(manifest("common/big.yaml", big));
    const spec = answer.read.pods[0]!.value["spec"] as Record<string, unknown>;
    const grace = spec["terminationGracePeriodSeconds"];
    assert.ok(grace instanceof ExactInteger);
    assert.equal(grace.text, "9223372036854775807");
    const prepared = [...answer.read.prepared.get(35)!.values()][0]!;
    assert.ok(
      prepared.issues.some((i) => i.severity === "error"),
      "the out-of-range integer is an error",
    );

    const protoKeys = `${podYaml("proto")}  nodeSelector: {"__proto__": "x", constructor: "y"}\nunknownTop:\n  __proto__: {polluted: true}\n`;
    const p = await readBothWays(manifest("common/proto.yaml", protoKeys));
    const value = p.read.pods[0]!.value;
    assert.ok(Object.hasOwn(value["unknownTop"] as object, "__proto__"), "__proto__ stays an own key");
    assert.equal(Object.getPrototypeOf(value["unknownTop"]), Object.prototype);

    await readBothWays(
      manifest("common/ambiguous.yaml", `${podYaml("amb")}  hostname: 0o14\n  subdomain: on\n`),
    );
    await readBothWays(
      manifest(
        "common/big.json",
        `{"apiVersion":"v1","kind":"PodList","items":[{"x":1e400},12345678901234567890]}`,
      ),
    );
    await readBothWays(manifest("common/latin1.yaml", Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a])));
    await readBothWays(manifest("common/broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n"));
  });

  it("refuses hostile files as the inline read does, and carries the revision's alias budget", async () => {
    const bomb =
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    const bombRead = await readBothWays(manifest("common/bomb.yaml", `${bomb}---\n`.repeat(3)));
    assert.match(bombRead.read.issues.map((i) => i.message).join("\n"), /in this file \(an alias bomb\?\)/);
    // A revision's budget nearly spent: the thread continues it, and hands back what it spent.
    const budget = new AliasBudget(MAX_ALIAS_NODES_PER_REVISION);
    for (let i = 0; i < MAX_ALIAS_NODES_PER_REVISION - 500; i++) budget.spend();
    const small =
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
    const spent = await readBothWays(manifest("common/aliases.yaml", `${small}---\n`.repeat(60)), budget);
    assert.match(spent.read.issues.map((i) => i.message).join("\n"), /in this revision/);

    const deep = await readBothWays(
      manifest("common/deep.yaml", `${"[".repeat(1_200)}${"]".repeat(1_200)}\n`),
    );
    assert.match(deep.read.issues[0]!.message, /nested deeper than/);
    await readBothWays(manifest("common/deep.json", `${"[".repeat(3_000)}${"]".repeat(3_000)}`));
    await readBothWays(manifest("common/many.yaml", "a: 1\n---\n".repeat(2_000)));
  });

  it("turns a thread out of memory into a rejection of its file, and goes on with a new thread", async () => {
    const small = new ReadPool({ inlineBelow: 0, maxHeapMb: 64 });
    try {
      // Several MiB of nested flow collections: far more than 64 MiB of heap to parse.
      const heavy = `${podYaml("heavy")}  x: ${"[{a: [1, 2, {b: c}]}, ".repeat(200_000)}]\n`;
      const result = await loadFleetInSlices(
        filesFromTree({
          "fleet.yaml": "nodes:\n  n1: {}\n",
          "common/heavy.yaml": heavy,
          "common/ok.yaml": podYaml("ok"),
        }),
        { revision: "heavy", reader: small },
      );
      assert.equal(result.ok, false);
      const issue = result.ok ? undefined : result.issues.find((i) => i.file === "common/heavy.yaml");
      assert.equal(issue?.code, "load-failed");
      assert.match(issue?.message ?? "", /needs more than 64 MiB of memory/);
      assert.ok(
        !result.ok && result.issues.every((i) => i.file === "common/heavy.yaml"),
        "only that file is at fault",
      );
      // The next revision is read by a new thread.
      const next = await loadFleetInSlices(
        filesFromTree({ "fleet.yaml": "nodes:\n  n1: {}\n", "common/ok.yaml": podYaml("ok") }),
        { revision: "next", reader: small },
      );
      assert.equal(next.ok, true);
    } finally {
      await small.close();
    }
  });
});

describe("a reader thread that cannot start", () => {
  it("is no fault of any file: every file is read inline, and the pool says why", async () => {
    const broken = new ReadPool({
      inlineBelow: 0,
      start: () => new Worker("throw new Error('no reader here')", { eval: true }),
    });
    try {
      const files = exampleFiles;
      const result = await loadFleetInSlices(files, { revision: "example", reader: broken });
      assert.deepStrictEqual(outcome(result), outcome(loadFleet(files, { revision: "example" })));
      assert.match(broken.unavailable ?? "", /no reader here/);
    } finally {
      await broken.close();
    }
  });
});

function outcome(r: LoadResult): unknown {
  if (!r.ok) return { issues: r.issues };
  const nodes = [...r.fleet.nodes].map(([name, n]) => [name, n.json.toString("utf8")]);
  return { nodes, warnings: r.fleet.warnings, stats: r.fleet.stats };
}

describe("a whole load with files read in threads", () => {
  it("equals the inline load, for the example fleet and every bad input", async () => {
    const fleets: Array<[string, FleetFile[]]> = [["example", exampleFiles]];
    for (const bad of BAD_INPUTS) {
      if (bad.big !== undefined || bad.symlink !== undefined) continue;
      const files = new Map(exampleFiles.map((f) => [f.path, f]));
      for (const [path, text] of Object.entries(bad.files)) {
        if (text === null) files.delete(path);
        else files.set(path, filesFromTree({ [path]: text })[0]!);
      }
      fleets.push([bad.name, [...files.values()]]);
    }
    for (const [name, files] of fleets) {
      const inline = loadFleet(files, { revision: name });
      const threaded = await loadFleetInSlices(files, { revision: name, reader: pool });
      assert.deepStrictEqual(outcome(threaded), outcome(inline), name);
    }
  });
});
