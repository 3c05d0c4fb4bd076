// Child process for the controller crash test: drives one rollout to its end, printing each committed decision
// and waiting for a line on stdin before going on, so the parent decides exactly where it is killed.
import { createInterface } from "node:readline";
import { RolloutController } from "../../src/rollout/controller.js";
import { JournalStore } from "../../src/store/journal-store.js";
import { docs, policy, World } from "./world.js";

const NODES = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, "0")}`);

const store = await JournalStore.open(process.argv[2]!);
const controller = await RolloutController.open(store);
const rollout = policy(
  [{ name: "canary" }, { name: "rest", maxNodes: { count: 2 } }],
  Object.fromEntries(NODES.map((n, i) => [n, i === 0 ? 0 : 1])),
);
const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
const [from, to] = [docs("A", NODES), docs("B", NODES)];
const world = new World();
const pollAll = (): void => {
  world.now = Date.now();
  for (const n of NODES) world.fetches.set(n, { at: world.now, ...controller.served(n, to.get(n))! });
};
pollAll();
await controller.newRevision(
  { revision: "B", target: to, rollout, previous: from, from: "A" },
  world,
  world.now,
);
while (controller.state?.phase === "progressing") {
  pollAll();
  const decided = await controller.step(world, world.now);
  if (decided.events.length > 0) {
    process.stdout.write(`${controller.version}\n`);
    await lines.next();
  }
}
process.stdout.write(`done ${controller.state?.phase}\n`);
await store.close();
input.close();
