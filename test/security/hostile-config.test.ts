// Configuration read strictly: tokens-file keys as written, durations within what a timer can wait.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MAX_DURATION_MS, parseDuration } from "../../src/lib/duration.js";
import { silentLogger } from "../../src/lib/logger.js";
import { TokenFile } from "../../src/server/access/token-file.js";
import { tokenDigest } from "../../src/server/access/tokens.js";
import { tempDir } from "../helpers/fleet.js";

describe("tokens file keys", () => {
  it("refuses node keys YAML 1.1 would convert (on → true), and reads quoted ones as written", async () => {
    const dir = await tempDir("ms-config-");
    try {
      const path = join(dir.path, "tokens.yaml");
      await writeFile(path, `nodes:\n  on: ${tokenDigest("a")}\n  true: ${tokenDigest("b")}\n`);
      await assert.rejects(
        new TokenFile(path, silentLogger()).load(),
        /key 'on' is the boolean true in YAML 1\.1.*quote it/,
      );
      await writeFile(path, `nodes:\n  "on": ${tokenDigest("a")}\n  "true": ${tokenDigest("b")}\n`);
      const file = new TokenFile(path, silentLogger());
      await file.load();
      assert.deepEqual(
        file.table.nodes.map((n) => n.pattern),
        ["on", "true"],
      );
    } finally {
      await dir.remove();
    }
  });
});

describe("durations", () => {
  it("accepts up to 2^31-1 ms and refuses longer ones with a clear error, never wrapping to 1 ms", () => {
    assert.equal(parseDuration("596h"), 596 * 3_600_000);
    assert.equal(parseDuration(`${MAX_DURATION_MS}ms`), MAX_DURATION_MS);
    for (const text of ["597h", "2147483648ms", "99999999999s", `1${"0".repeat(400)}`])
      assert.throws(() => parseDuration(text), /too long: durations are at most 2147483647 ms/, text);
  });
});
