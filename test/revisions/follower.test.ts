import assert from "node:assert/strict";
import { rename } from "node:fs/promises";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../../src/lib/logger.js";
import { FleetFollower } from "../../src/revisions/follower.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { createDirSource } from "../../src/source/dir-source.js";
import { copyExampleFleet } from "../helpers/fleet.js";

describe("FleetFollower", () => {
  it("logs a lasting source failure once, keeps serving, and says when the source is back", async () => {
    const fleet = await copyExampleFleet();
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split("\n"))
          if (l !== "") lines.push(JSON.parse(l) as { level: number; msg: string });
        cb();
      },
    });
    const store = new RevisionStore();
    const follower = new FleetFollower({
      source: createDirSource(fleet.path, { pollMs: 0, events: false }),
      store,
      logger: createLogger("info", sink),
    });
    try {
      assert.equal((await follower.refresh()).kind, "published");
      const served = store.current?.fleet.revision;
      await rename(fleet.path, `${fleet.path}.moved`);
      for (let i = 0; i < 3; i++) assert.equal((await follower.refresh()).kind, "source-error");
      const errors = lines.filter((l) => l.level === 50);
      assert.equal(errors.length, 1, "one error line for one lasting failure");
      assert.match(errors[0]?.msg ?? "", /still serving the last good revision/);
      assert.equal(store.current?.fleet.revision, served);
      assert.equal(store.lastError?.kind, "source");
      await rename(`${fleet.path}.moved`, fleet.path);
      assert.equal((await follower.refresh()).kind, "unchanged");
      assert.ok(lines.some((l) => l.msg === "the fleet source is readable again"));
      assert.equal(store.lastError, undefined);
    } finally {
      await fleet.remove();
    }
  });
});
