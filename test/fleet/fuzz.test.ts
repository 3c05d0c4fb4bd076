// Property tests: mutated fleets never crash the loader, never publish an invalid pod, and always name a place.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { FleetFile } from "../../src/fleet/fleet-files.js";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { formatIssue } from "../../src/lib/issues.js";
import { validatePod } from "../../src/manifests/validate.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";

const TOKENS = [
  "yes",
  "0644",
  "{{",
  "}}",
  "{{ vars.x }}",
  "---",
  ": ",
  "- ",
  "\t",
  "&a",
  "*a",
  "<<: *a",
  "null",
  "~",
  '"',
  "'",
  "[",
  "{",
  "kind: List",
  "Secret",
  "\n",
];

/** One edit of a text: drop, duplicate or replace a line, or splice a YAML-significant token in. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dup" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("token" as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant("text" as const), at: fc.nat(), token: fc.string({ maxLength: 8 }) }),
);

function mutate(text: string, m: { kind: string; at: number; token?: string }): string {
  const lines = text.split("\n");
  const i = m.at % Math.max(lines.length, 1);
  if (m.kind === "drop") lines.splice(i, 1);
  else if (m.kind === "dup") lines.splice(i, 0, lines[i] ?? "");
  else {
    const pos = m.at % (text.length + 1);
    return text.slice(0, pos) + (m.token ?? "") + text.slice(pos);
  }
  return lines.join("\n");
}

describe("loader properties", () => {
  it("never crashes, never publishes an invalid pod, always names a place", async () => {
    const base = await readFleetDir(EXAMPLE_FLEET);
    const texts = base.filter((f) => f.content !== undefined);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }), (edits) => {
        const files: FleetFile[] = base.map((f) => ({ ...f }));
        for (const [which, m] of edits) {
          const target = texts[which % texts.length]!;
          const f = files.find((x) => x.path === target.path)!;
          const content = Buffer.from(mutate(f.content!.toString("utf8"), m), "utf8");
          f.content = content;
          f.size = content.length;
        }
        const result = loadFleet(files, { revision: "fuzz" });
        if (result.ok) {
          for (const node of result.fleet.nodes.values()) {
            const doc = JSON.parse(node.json.toString("utf8")) as { kind: string; items: unknown[] };
            assert.equal(doc.kind, "PodList");
            for (const pod of doc.items) {
              const errors = validatePod(pod, { nodeName: node.name }).filter((i) => i.severity === "error");
              assert.deepEqual(errors.map(formatIssue), [], `node ${node.name} was served an invalid pod`);
            }
          }
        } else {
          const errors = result.issues.filter((i) => i.severity === "error");
          assert.ok(errors.length > 0);
          for (const e of errors) {
            assert.ok(e.message.length > 0);
            assert.ok(
              e.file !== undefined || (e.nodes?.length ?? 0) > 0 || e.code === "fleet-empty",
              formatIssue(e),
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("arbitrary bytes as a manifest never crash the loader", async () => {
    const base = await readFleetDir(EXAMPLE_FLEET);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom("common/x.yaml", "fleet.yaml", "nodes/cp-1/y.json"),
        (bytes, path) => {
          const content = Buffer.from(bytes);
          const files = [...base.filter((f) => f.path !== path), { path, size: content.length, content }];
          const result = loadFleet(files, { revision: "bytes" });
          if (!result.ok) for (const e of result.issues) assert.ok(e.message.length > 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
