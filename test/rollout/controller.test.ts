import assert from "node:assert/strict";
import { createInterface } from "node:readline";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RolloutController } from "../../src/rollout/controller.js";
import type { Doc } from "../../src/rollout/state.js";
import { JournalStore } from "../../src/store/journal-store.js";
import { docs, policy, World } from "./world.js";

const TSX = import.meta.resolve("tsx");
const CHILD = fileURLToPath(new URL("./controller-child.ts", import.meta.url));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rollout-controller-"));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const nodes = ["n1", "n2", "n3"];
const rollout = policy([{ name: "canary" }, { name: "rest" }], { n1: 0, n2: 1, n3: 1 });
const [A, B, C] = [docs("A", nodes), docs("B", nodes), docs("C", nodes)];

function seenOn(world: World, controller: RolloutController, target: ReadonlyMap<string, Doc>) {
  for (const n of nodes) world.fetches.set(n, { at: world.now, ...controller.served(n, target.get(n))! });
}

describe("rollout controller", () => {
  it("commits each decision, resumes after a restart, and ignores the same revision again", async () => {
    const dir = await tempDir();
    const world = new World();
    let store = await JournalStore.open(dir);
    let controller = await RolloutController.open(store);
    seenOn(world, controller, A);
    const started = await controller.newRevision(
      { revision: "B", target: B, rollout, previous: A, from: "A" },
      world,
      world.now,
    );
    assert.deepEqual(
      started.events.map((e) => e.kind),
      ["started"],
    );
    await controller.step(world, world.now);
    assert.deepEqual(
      nodes.map((n) => controller.served(n, B.get(n))?.revision),
      ["B", "A", "A"],
    );
    await store.close();

    store = await JournalStore.open(dir);
    controller = await RolloutController.open(store);
    assert.equal(controller.version, 2);
    assert.deepEqual(
      nodes.map((n) => controller.served(n, B.get(n))?.revision),
      ["B", "A", "A"],
    );
    const again = await controller.newRevision(
      { revision: "B", target: B, rollout, previous: A, from: "A" },
      world,
      world.now,
    );
    assert.deepEqual(again, { events: [], refused: [], conflict: false });
    assert.equal(controller.version, 2, "nothing written");
    world.now += 1000;
    seenOn(world, controller, B);
    await controller.step(world, world.now);
    assert.deepEqual(
      nodes.map((n) => controller.served(n, B.get(n))?.revision),
      ["B", "B", "B"],
    );

    // A newer commit without a policy ends the rollout: every node gets it at once.
    const plain = await controller.newRevision(
      { revision: "C", target: C, rollout: undefined, previous: B, from: "B" },
      world,
      world.now,
    );
    assert.deepEqual(
      plain.events.map((e) => [e.rollout, e.kind]),
      [["1", "superseded"]],
    );
    assert.deepEqual(
      nodes.map((n) => controller.served(n, C.get(n))?.revision),
      ["C", "C", "C"],
    );
    await store.close();
  });

  it("a second writer that moves after the first decides nothing and takes the stored state", async () => {
    const store = await JournalStore.open(await tempDir());
    after(() => store.close());
    const world = new World();
    const first = await RolloutController.open(store);
    const second = await RolloutController.open(store);
    seenOn(world, first, A);
    await first.newRevision({ revision: "B", target: B, rollout, previous: A, from: "A" }, world, world.now);
    const late = await second.newRevision(
      { revision: "B", target: B, rollout, previous: A, from: "A" },
      world,
      world.now,
    );
    assert.deepEqual(late, { events: [], refused: [], conflict: true });
    assert.equal(second.state?.id, "1");
    assert.equal(second.version, first.version);
    assert.equal((await store.readEvents()).filter((e) => e.kind === "started").length, 1);
  });

  it("a server killed with SIGKILL mid-rollout resumes where it was: every node switched once, one rollout", async () => {
    const dir = await tempDir();
    let kills = 0;
    for (let round = 0; ; round++) {
      const child = spawn(process.execPath, ["--import", TSX, CHILD, dir], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const outcome = await new Promise<string>((resolve, reject) => {
        let seen = 0;
        createInterface({ input: child.stdout }).on("line", (line) => {
          const done = /^done (\S+)/.exec(line);
          if (done !== null) return resolve(done[1]!);
          seen++;
          // Killed after 2, 4, 6 … decisions of this run (the child waits for a go after each): mid-rollout.
          if (seen >= 2 + 2 * (round % 3)) {
            child.kill("SIGKILL");
            resolve("killed");
          } else child.stdin.write("go\n");
        });
        child.once("exit", (code) => {
          if (code !== null && code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
        });
      });
      await new Promise((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once("exit", resolve),
      );
      if (outcome === "killed") kills++;
      else {
        assert.equal(outcome, "succeeded");
        break;
      }
      assert.ok(round < 100, "the rollout finishes");
    }
    assert.ok(kills >= 3, `killed ${kills} times mid-rollout`);
    const store = await JournalStore.open(dir);
    after(() => store.close());
    const events = await store.readEvents({ limit: 100_000 });
    const switched = events.filter((e) => e.kind === "switched").flatMap((e) => e.nodes ?? []);
    assert.equal(switched.length, 40, "every node switched exactly once");
    assert.equal(new Set(switched).size, 40);
    assert.deepEqual(
      events.filter((e) => e.kind === "started" || e.kind === "succeeded").map((e) => e.kind),
      ["started", "succeeded"],
    );
    assert.ok(events.every((e) => e.rollout === "1"));
  });
});
