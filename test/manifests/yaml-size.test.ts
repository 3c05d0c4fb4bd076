import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { renderPodList } from "../../src/manifests/render.js";
import { podListYamlSizes } from "../../src/manifests/yaml-size.js";
import { ExactInteger } from "../../src/lib/exact-integer.js";

const text = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.constantFrom("", "yes", "on", "0x1a", "a: b", "- x", "#", "\u007f\u0085\u2028", "x".repeat(200), "k".repeat(2_000), "é€😀"),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt({ min: 2n ** 60n, max: 2n ** 70n }).map((v) => new ExactInteger(v)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
}));
const pod = fc.record({
  apiVersion: fc.constant("v1"),
  kind: fc.constant("Pod"),
  metadata: fc.record({ name: text, namespace: fc.option(text, { nil: undefined }) }, { requiredKeys: ["name"] }),
  spec: value,
  extra: fc.dictionary(text, value, { maxKeys: 3 }),
});

describe("the YAML forms' sizes, from each pod's size", () => {
  it("equal the bytes of the rendered YAML PodList and stream", () => {
    fc.assert(
      fc.property(fc.array(pod, { minLength: 1, maxLength: 4 }), (pods) => {
        const sizes = podListYamlSizes(pods);
        assert.deepEqual(sizes, {
          yaml: Buffer.byteLength(renderPodList(pods, "yaml")),
          stream: Buffer.byteLength(renderPodList(pods, "stream")),
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves an empty list, or a pod that is not a mapping with keys, to rendering", () => {
    assert.equal(podListYamlSizes([]), undefined);
    assert.equal(podListYamlSizes([{}]), undefined);
    assert.equal(podListYamlSizes([[]]), undefined);
  });
});
