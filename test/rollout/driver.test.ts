// The rollout driver on its own: what a new revision holds, that a follower decides nothing, and the probe runner's
// bounds (one probe per node in flight, at most `concurrency` at once, a timeout).
import { joined } from "../../src/lib/shared-bytes.js";
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { DocumentPack } from "../../src/rollout/document-pack.js";
import { ProbeRunner } from "../../src/rollout/probes.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { canaryFleetFiles, tempDir } from "../helpers/fleet.js";
import { driverWith } from "./driver-setup.js";

function fleet(revision: string, image: string) {
  const r = loadFleet(canaryFleetFiles(image), {
    revision,
  });
  assert.ok(r.ok);
  return { fleet: r.fleet, loadedAt: new Date(0), meta: {} };
}

describe("rollout driver", () => {
  it("holds every changing node but the canary on its previous document, byte for byte", async () => {
    const { revisions, selection, driver } = await driverWith(() => true);
    const one = fleet("r1", "example/app:1");
    revisions.publish(one);
    await driver.idle();
    assert.equal(selection.size, 0);
    revisions.publish(fleet("r2", "example/app:2"));
    await driver.idle();
    assert.equal(driver.state?.phase, "progressing");
    assert.equal(selection.get("a"), undefined);
    for (const n of ["b", "c"]) {
      assert.equal(selection.get(n)?.revision, "r1");
      assert.ok(joined(selection.get(n)?.json ?? []).equals(one.fleet.nodes.get(n)!.json), n);
    }
    const yaml = selection.document("b", "yaml");
    assert.equal(yaml?.revision, "r1");
    assert.match(yaml?.doc.body.toString() ?? "", /example\/app:1/);
    await driver.close();
  });

  it("after a restart onto a newer revision, the stored rollout's held nodes stay held from the first answer", async () => {
    const dir = await tempDir("ms-driver-");
    after(() => dir.remove());
    const state = new MemoryStore();
    const pack = new DocumentPack(dir.path);
    const first = await driverWith(() => true, state, pack);
    first.revisions.publish(fleet("r1", "example/app:1"));
    first.revisions.publish(fleet("r2", "example/app:2"));
    await first.driver.close();
    const second = await driverWith(() => true, state, pack);
    second.revisions.publish(fleet("r3", "example/app:3"));
    // Synchronously, before the new rollout is committed: b and c are still on r1.
    assert.equal(second.selection.get("b")?.revision, "r1");
    assert.equal(second.selection.get("c")?.revision, "r1");
    await second.driver.idle();
    assert.equal(second.driver.state?.to, "r3");
    assert.equal(second.driver.state?.id, "2");
    assert.equal(second.selection.get("b")?.revision, "r1");
    assert.equal(second.selection.get("a"), undefined);
    await second.driver.close();
  });

  it("a follower serves what the leader decided, from documents it kept itself", async () => {
    const state = new MemoryStore();
    const leader = await driverWith(() => true, state);
    const follower = await driverWith(() => false, state);
    for (const d of [follower, leader]) d.revisions.publish(fleet("r1", "example/app:1"));
    // The follower sees r2 before the leader has decided: it holds every changing node meanwhile.
    follower.revisions.publish(fleet("r2", "example/app:2"));
    await follower.driver.idle();
    assert.equal(follower.selection.get("a")?.revision, "r1");
    leader.revisions.publish(fleet("r2", "example/app:2"));
    await leader.driver.idle();
    await follower.driver.tick();
    assert.equal(follower.selection.get("a"), undefined);
    assert.equal(follower.selection.get("b")?.revision, "r1");
    assert.equal(follower.selection.get("c")?.revision, "r1");
    await leader.driver.close();
    await follower.driver.close();
  });

  it("a follower (isLeader false) starts no rollout and, with no decision stored, holds what it served", async () => {
    const { revisions, selection, state, driver } = await driverWith(() => false);
    revisions.publish(fleet("r1", "example/app:1"));
    revisions.publish(fleet("r2", "example/app:2"));
    await driver.idle();
    assert.equal((await state.readRollout()).state, undefined);
    // No decision of a leader yet: every changing node stays where it was.
    assert.equal(selection.size, 3);
    assert.equal(selection.get("a")?.revision, "r1");
    assert.equal(await driver.tick(), undefined);
    await driver.close();
  });
});

describe("probe runner", () => {
  it("never runs two probes of a node at once, nor more than `concurrency`, and times out", async () => {
    const held: ServerResponse[] = [];
    let inFlight = 0;
    let most = 0;
    const server = createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      res.on("close", () => inFlight--);
      if (req.url === "/hang") return;
      held.push(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const runner = new ProbeRunner({ concurrency: 2, intervalMs: 0, timeoutMs: 200 });
    const answered = new Promise<void>((r) => runner.onResult(() => r()));
    runner.probe([["x", `${base}/hang`]]);
    await answered;
    assert.match(runner.results.get("x")?.error ?? "", /no answer within 200 ms/);
    const targets: Array<[string, string]> = [
      ["a", `${base}/ok`],
      ["b", `${base}/ok`],
      ["c", `${base}/ok`],
    ];
    runner.probe(targets);
    runner.probe(targets);
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.equal(most, 2);
    const done = new Promise<void>((r) => runner.onResult(() => r()));
    for (const res of held.splice(0)) res.end();
    await done;
    assert.equal(runner.results.get("a")?.status ?? runner.results.get("b")?.status, 200);
    server.closeAllConnections();
    server.close();
  });
});
