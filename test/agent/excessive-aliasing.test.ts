// go-yaml v2's "document contains excessive aliasing" rule, which the kubelet applies to a YAML manifest URL body:
// the agent refuses exactly the bodies it refuses (same counting, same order) and keeps its pods.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { describe, it, test } from "node:test";
import { ResponseRejectedError } from "../../src/agent/decode.js";
import { decodeBody } from "../../src/agent/deep-yaml.js";
import {
  allowedAliasRatio,
  KubeletAliasRule,
  MAX_KUBELET_ALIAS_DECODES,
} from "../../src/manifests/yaml-alias-ratio.js";
import { staticDirAgent } from "./static-dir-agent.js";
import { startUrlServer } from "./url-server.js";

const options = { node: "n1", url: "http://x/nodes/n1" };
const REASON = /excessive aliasing, as the kubelet's YAML decoder refuses/;

/**
 * go-yaml v2's check after each `unmarshal`, written out from its decode.go. Returns after how many items of
 * `pattern` (each a run of decodes, true inside an alias) the check first fails, or undefined within `max` items.
 */
function refusedAtItem(header: number, pattern: boolean[], max: number): number | undefined {
  let decodes = 0;
  let aliased = 0;
  const excessive = (): boolean => {
    const allowed =
      decodes <= 400_000
        ? 0.99
        : decodes >= 4_000_000
          ? 0.1
          : 0.99 - 0.89 * ((decodes - 400_000) / 3_600_000);
    return aliased > 100 && decodes > 1000 && aliased / decodes > allowed;
  };
  for (let i = 0; i < header; i++) {
    decodes++;
    if (excessive()) return 0;
  }
  for (let item = 1; item <= max; item++) {
    for (const inAlias of pattern) {
      decodes++;
      if (inAlias) aliased++;
      if (excessive()) return item;
    }
  }
  return undefined;
}

const zeros = (n: number): string => Array.from({ length: n }, () => "0").join(", ");
const repeat = (n: number, s: string): string => Array.from({ length: n }, () => s).join(", ");
/** An empty PodList: the document, its mapping and three keys with their values decode 8 times. */
const HEAD = "apiVersion: v1\nkind: PodList\nitems: []\n";
const HEAD_DECODES = 8;

/** A body that, with `items` items, decodes as header then `items` times pattern. */
interface Shape {
  body: (items: number) => string;
  header: number;
  pattern: boolean[];
}

/** `a: &a [k zeros]`, an optional list of `pad` zeros, then `b: [*a, *a, …]`. */
function listAliases(k: number, pad = 0, prefix = ""): Shape {
  const padding = pad > 0 ? `p: [${zeros(pad)}]\n` : "";
  return {
    body: (m) => `${HEAD}${prefix}a: &a [${zeros(k)}]\n${padding}b: [${repeat(m, "*a")}]\n`,
    // a: key, sequence, k scalars; p: key, sequence, pad scalars; b: key, sequence
    header: HEAD_DECODES + 2 + k + (pad > 0 ? 2 + pad : 0) + 2,
    // the alias node itself (outside any alias), then its target sequence and its k scalars
    pattern: [false, ...Array.from({ length: k + 1 }, () => true)],
  };
}

/** `base: &base {x0: 0, …}` (k pairs), then `m: [{<<: *base}, …]` or `m: [{<<: [*base]}, …]`. */
function mergeAliases(k: number, inSequence: boolean): Shape {
  const pairs = Array.from({ length: k }, (_, i) => `x${i}: 0`).join(", ");
  const item = inSequence ? "{<<: [*base]}" : "{<<: *base}";
  return {
    body: (m) => `${HEAD}base: &base {${pairs}}\nm: [${repeat(m, item)}]\n`,
    header: HEAD_DECODES + 2 + 2 * k + 2,
    // the item's mapping, the alias node (not the `<<` key, nor a merge sequence), then the target and its k pairs
    pattern: [false, false, ...Array.from({ length: 1 + 2 * k }, () => true)],
  };
}

async function refusal(body: string): Promise<ResponseRejectedError> {
  try {
    await decodeBody(body, options);
  } catch (e) {
    if (e instanceof ResponseRejectedError) return e;
    throw e;
  }
  return assert.fail("the body was accepted");
}

/** The shape's boundary per go-yaml's rule: one item fewer is accepted, the boundary itself refused for aliasing. */
async function checkBoundary(shape: Shape): Promise<{ items: number; decodes: number }> {
  const items = refusedAtItem(shape.header, shape.pattern, 100_000);
  assert.ok(items !== undefined && items > 1, "the shape reaches the ratio");
  const accepted = await decodeBody(shape.body(items - 1), options);
  assert.deepEqual(accepted.pods, [], "one item fewer is an accepted empty PodList");
  const refused = await refusal(shape.body(items));
  assert.deepEqual(
    refused.issues.map((i) => i.code),
    ["excessive-aliasing"],
  );
  assert.match(refused.message, REASON);
  return { items, decodes: shape.header + items * shape.pattern.length };
}

describe("KubeletAliasRule: go-yaml v2's counters", () => {
  const run = (nonAliased: number, aliased: number): number | undefined => {
    const rule = new KubeletAliasRule();
    for (let i = 1; i <= nonAliased + aliased; i++) if (!rule.decode(i > nonAliased)) return i;
    return undefined;
  };
  it("refuses above 99% of more than 1,000 decodes, with more than 100 aliased", () => {
    assert.equal(run(10, 990), undefined, "1,000 decodes: never refused");
    assert.equal(run(10, 991), 1001, "991 of 1,001 aliased is over 99%");
    assert.equal(run(11, 990), undefined, "990 of 1,001 is under");
    assert.equal(run(20, 1980), undefined, "exactly 99% is allowed");
    assert.equal(run(20, 1981), 2001);
  });
  it("lowers the allowed ratio linearly from 400,000 to 4,000,000 decodes", () => {
    assert.equal(allowedAliasRatio(400_000), 0.99);
    assert.equal(allowedAliasRatio(4_000_000), 0.1);
    assert.equal(allowedAliasRatio(10_000_000), 0.1);
    assert.ok(Math.abs(allowedAliasRatio(2_200_000) - 0.545) < 1e-12);
    // 1,000,000 outside aliases, then aliased decodes until the ratio passes the falling line.
    const at = run(1_000_000, 2_000_000);
    assert.ok(at !== undefined);
    const aliased = at - 1_000_000;
    assert.ok(aliased / at > allowedAliasRatio(at));
    assert.ok((aliased - 1) / (at - 1) <= allowedAliasRatio(at - 1));
  });
  it("has a hard cap only bodies over the kubelet's size limit reach", () => {
    // 10% of 30,000,010 decodes: allowed by the ratio, past the cap.
    assert.equal(run(27_000_009, MAX_KUBELET_ALIAS_DECODES), undefined);
    assert.equal(run(27_000_009, MAX_KUBELET_ALIAS_DECODES + 1), 27_000_009 + MAX_KUBELET_ALIAS_DECODES + 1);
  });
});

describe("decodeBody refuses exactly what go-yaml refuses", () => {
  it("small: ~42,000 decodes, 201 decodes per alias", async () => {
    const { items } = await checkBoundary(listAliases(200));
    assert.equal(items, 206);
  });
  it("near 400,000 decodes, just under and just over", async () => {
    const under = await checkBoundary(listAliases(101, 2));
    assert.ok(under.decodes > 390_000 && under.decodes < 400_000, `${under.decodes}`);
    const over = await checkBoundary(listAliases(101, 4));
    assert.ok(over.decodes > 400_000 && over.decodes < 401_000, `${over.decodes}`);
  });
  it("merge keys: the `<<` key and a merge sequence are not counted", async () => {
    await checkBoundary(mergeAliases(120, false));
    const inSequence = mergeAliases(120, true);
    const counted = [false, ...inSequence.pattern];
    assert.notEqual(
      refusedAtItem(inSequence.header, inSequence.pattern, 100_000),
      refusedAtItem(inSequence.header, counted, 100_000),
      "counting the sequence would move the boundary",
    );
    await checkBoundary(inSequence);
  });
  it("in the reader thread too (a body nested deeper than this thread reads)", async () => {
    const depth = 600;
    const shape = listAliases(200, 0, `x: ${"[".repeat(depth)}${"]".repeat(depth)}\n`);
    await checkBoundary({ ...shape, header: shape.header + 1 + depth });
  });
  it("a body starting with { is JSON for the kubelet: refused as JSON, never for aliasing", async () => {
    const refused = await refusal(`{${listAliases(200).body(206).replace(/\n/g, ", ")}}`);
    assert.deepEqual(
      refused.issues.map((i) => i.code),
      ["json-syntax"],
    );
    const big = {
      apiVersion: "v1",
      kind: "PodList",
      items: [],
      x: Array.from({ length: 300_000 }, () => [0]),
    };
    assert.deepEqual((await decodeBody(JSON.stringify(big), options)).pods, []);
  });
});

test("an agent polling an excessive-aliasing `items: []` body keeps its static-dir pods", async (t) => {
  const server = await startUrlServer("/nodes/n1");
  t.after(() => server.close());
  const { agent, podDir } = await staticDirAgent(t, server.url, "agent-aliasing");
  const pod = { metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } };
  server.answer({ body: JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [pod] }) });
  assert.equal((await agent.pass()).source, "changed");
  const running = await readdir(podDir);
  assert.equal(running.length, 1);

  const shape = listAliases(200);
  server.answer({ body: shape.body(206) });
  const refused = await agent.pass();
  assert.equal(refused.source, "error");
  assert.match(refused.errors.join("\n"), REASON);
  assert.deepEqual(await readdir(podDir), running, "the pod is kept");

  server.answer({ body: shape.body(205) });
  assert.equal((await agent.pass()).source, "changed", "one alias fewer is what the kubelet accepts");
  assert.deepEqual(await readdir(podDir), [], "an accepted empty PodList removes the pod");
});
