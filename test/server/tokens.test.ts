import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { useErrorLog } from "../helpers/error-log.js";
import { TokenFile } from "../../src/server/access/token-file.js";
import { authorize, parseTokenTable, tokenDigest, type TokenTable } from "../../src/server/access/tokens.js";
import { tempDir } from "../helpers/fleet.js";
import { formatIssue } from "../../src/lib/issues.js";
import { textLogger } from "../security/helpers.js";

const log = useErrorLog();

function table(value: unknown): TokenTable {
  const { table, issues } = parseTokenTable(value, "tokens.yaml");
  assert.deepEqual(issues, []);
  assert.ok(table);
  return table;
}

const t = table({
  nodes: { "cp-1": tokenDigest("cp1-secret"), "edge-*": [tokenDigest("edge-old"), tokenDigest("edge-new")] },
  admin: { alice: tokenDigest("admin-secret"), "ci-bot": [tokenDigest("ci-old"), tokenDigest("ci-new")] },
});

/** The errors of parsing `value`, as `path: message` lines; the table must be refused. */
function errors(value: unknown): string[] {
  const { table: none, issues } = parseTokenTable(value, "tokens.yaml");
  assert.equal(none, undefined);
  return issues.filter((i) => i.severity === "error").map((i) => `${i.path ?? ""}: ${i.message}`);
}

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
        admin: { ops: ["sha256:zz"] },
        extra: 1,
      },
      "tokens.yaml",
    );
    assert.equal(none, undefined);
    assert.deepEqual(
      issues.map((i) => i.path).sort(),
      ["admin.ops[0]", "extra", "nodes.CP-1", "nodes.cp-2", "nodes.cp-3"].sort(),
    );
  });

  it("an admin token is known by its name, whichever of its digests matched", () => {
    const named = (header: string, node?: string): string | undefined => {
      const r = authorize(t, header, node);
      return r.ok && r.principal.kind === "admin" ? r.principal.name : undefined;
    };
    assert.equal(named("Bearer admin-secret"), "alice");
    assert.equal(named("Bearer ci-old"), "ci-bot");
    assert.equal(named("Bearer ci-new", "edge-3"), "ci-bot");
    assert.equal(named("Bearer cp1-secret", "cp-1"), undefined);
  });

  it("refuses bad admin token names and digests, each error naming its key", () => {
    const d = tokenDigest("one");
    const cases: Array<[string, unknown, RegExp]> = [
      ["an empty name", { "": d }, /^admin\[""\]: an admin token name must not be empty/],
      [
        "a name too long",
        { ["x".repeat(65)]: d },
        /^admin\["x{65}"\]: an admin token name has at most 64 characters \(this one has 65\)/,
      ],
      [
        "a control character",
        { "al\u0007ice": d },
        /^admin\["al\\u0007ice"\]: an admin token name must be printable/,
      ],
      [
        "an invisible character",
        { "ali\u200bce": d },
        /^admin\["ali\u200bce"\]: an admin token name must be printable/,
      ],
      ["a trailing space", { "alice ": d }, /^admin\["alice "\]: an admin token name must not start/],
      ["a plain token", { alice: "hunter2" }, /^admin\.alice: expected sha256:<64 lowercase hex digits>/],
      ["no digest", { alice: [] }, /^admin\.alice: expected sha256:<64 hex digits> or a list of them/],
      ["a bad digest in a list", { alice: [d, "sha256:zz"] }, /^admin\.alice\[1\]: expected sha256/],
      ["a number", 42, /^admin: admin must map a token name to a digest/],
      [
        "a list of named entries",
        [{ name: "alice", sha256: d }],
        /^admin: name admin tokens with a mapping, as for nodes: admin: \{ alice: sha256:…/,
      ],
    ];
    for (const [what, admin, expected] of cases) {
      const found = errors({ admin });
      assert.equal(found.length, 1, `${what}: ${found.join("; ")}`);
      assert.match(found[0] ?? "", expected, what);
    }
  });

  it("admin names are unique ignoring case, and one digest has one name", () => {
    assert.deepEqual(errors({ admin: { alice: tokenDigest("a"), Alice: tokenDigest("b") } }), [
      'admin.Alice: "Alice" is the name of another admin token ("alice"); names are unique, ignoring case',
    ]);
    assert.deepEqual(
      errors({ admin: { alice: tokenDigest("a"), bob: [tokenDigest("b"), tokenDigest("a")] } }),
      ['admin.bob: this digest is already the token of "alice": one token, one name'],
    );
  });

  it("still reads the old unnamed admin list, with a warning naming the file; its tokens are named admin", () => {
    const { table: old, issues } = parseTokenTable({ admin: [tokenDigest("legacy")] }, "/etc/ms/tokens.yaml");
    assert.ok(old);
    const [warning, ...more] = issues;
    assert.ok(warning !== undefined && more.length === 0);
    assert.equal(warning.severity, "warning");
    assert.match(formatIssue(warning), /^\/etc\/ms\/tokens\.yaml admin: admin tokens without names/);
    const r = authorize(old, "Bearer legacy");
    assert.deepEqual(r.ok && r.principal, { kind: "admin", name: "admin" });
    assert.ok(parseTokenTable({ admin: tokenDigest("legacy") }, "tokens.yaml").table);
  });

  it("logs the old form's warning once, not at every reload", async () => {
    const dir = await tempDir();
    const path = join(dir.path, "tokens.yaml");
    const text = textLogger();
    try {
      await writeFile(path, `admin:\n  - ${tokenDigest("one")}\n`);
      const file = new TokenFile(path, text.logger);
      await file.load();
      assert.equal(await file.reload(), true);
      const warnings = text
        .text()
        .split("\n")
        .filter((l) => l.includes("admin tokens without names"));
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0]?.includes(path));
      await writeFile(path, `admin:\n  ops: ${tokenDigest("one")}\n`);
      assert.equal(await file.reload(), true);
      const r = authorize(file.table, "Bearer one");
      assert.deepEqual(r.ok && r.principal, { kind: "admin", name: "ops" });
    } finally {
      await dir.remove();
    }
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
