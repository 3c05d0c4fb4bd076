import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { useErrorLog } from "../helpers/error-log.js";
import { TokenFile } from "../../src/server/access/token-file.js";
import { authorize, parseTokenTable, tokenDigest, type TokenTable } from "../../src/server/access/tokens.js";
import { tempDir } from "../helpers/fleet.js";

const log = useErrorLog();

function table(value: unknown): TokenTable {
  const { table, issues } = parseTokenTable(value, "tokens.yaml");
  assert.deepEqual(issues, []);
  assert.ok(table);
  return table;
}

const t = table({
  nodes: { "cp-1": tokenDigest("cp1-secret"), "edge-*": [tokenDigest("edge-old"), tokenDigest("edge-new")] },
  admin: [tokenDigest("admin-secret")],
});

describe("tokens", () => {
  const cases: Array<[string, string | undefined, string | undefined, number | "ok"]> = [
    ["own token", "Bearer cp1-secret", "cp-1", "ok"],
    ["scheme is case-insensitive", "bearer cp1-secret", "cp-1", "ok"],
    ["glob, first of two (rotation)", "Bearer edge-old", "edge-17", "ok"],
    ["glob, second of two", "Bearer edge-new", "edge-17.site.example", "ok"],
    ["admin reads any node", "Bearer admin-secret", "edge-3", "ok"],
    ["another node's token", "Bearer cp1-secret", "cp-2", 403],
    ["glob token outside its glob", "Bearer edge-old", "cp-1", 403],
    ["unknown token", "Bearer nope", "cp-1", 401],
    ["missing header", undefined, "cp-1", 401],
    ["not bearer", "Basic Y3AxOnNlY3JldA==", "cp-1", 401],
    ["admin-only endpoint with a node token", "Bearer cp1-secret", undefined, 403],
    ["admin-only endpoint with admin", "Bearer admin-secret", undefined, "ok"],
  ];
  for (const [name, header, node, expected] of cases)
    it(name, () => {
      const r = authorize(t, header, node);
      if (expected === "ok") assert.equal(r.ok, true);
      else {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.status, expected);
      }
    });

  it("reports every malformed entry, and refuses plain tokens", () => {
    const { table: none, issues } = parseTokenTable(
      {
        nodes: { "CP-1": tokenDigest("x"), "cp-2": "plain-token", "cp-3": [] },
        admin: ["sha256:zz"],
        extra: 1,
      },
      "tokens.yaml",
    );
    assert.equal(none, undefined);
    assert.deepEqual(
      issues.map((i) => i.path).sort(),
      ["admin[0]", "extra", "nodes.CP-1", "nodes.cp-2", "nodes.cp-3"].sort(),
    );
  });

  it("reloads on change, keeps the old table when the new file is bad", async () => {
    log.expect(/^tokens file rejected; the previous tokens stay in force/);
    const dir = await tempDir();
    const path = join(dir.path, "tokens.yaml");
    try {
      await writeFile(path, `nodes:\n  cp-1: ${tokenDigest("one")}\n`);
      const file = new TokenFile(path, log.logger);
      await file.load();
      assert.equal(authorize(file.table, "Bearer one", "cp-1").ok, true);
      await writeFile(path, `nodes:\n  cp-1: ${tokenDigest("two")}\n`);
      assert.equal(await file.reload(), true);
      assert.equal(authorize(file.table, "Bearer two", "cp-1").ok, true);
      assert.equal(authorize(file.table, "Bearer one", "cp-1").ok, false);
      await writeFile(path, "nodes: [broken\n");
      assert.equal(await file.reload(), false);
      assert.equal(authorize(file.table, "Bearer two", "cp-1").ok, true);
    } finally {
      await dir.remove();
    }
  });

  it("a bad file at start is an error naming the file", async () => {
    const dir = await tempDir();
    const path = join(dir.path, "tokens.yaml");
    try {
      await writeFile(path, "nodes:\n  cp-1: hunter2\n");
      await assert.rejects(new TokenFile(path, log.logger).load(), /tokens\.yaml/);
    } finally {
      await dir.remove();
    }
  });
});
