// Child process for the crash test: commits rollout states forever, printing each number once it is durable.
import { JournalStore } from "../../src/store/journal-store.js";
import { stateNumber } from "./states.js";

const dir = process.argv[2]!;
const store = await JournalStore.open(dir, { compactAtBytes: 16 * 1024, compactAtSnapshotRatio: 0 });
let { version } = await store.readRollout();
for (;;) {
  const next = version + 1;
  await store.putNodeRecords("fetch", [["last", next]]);
  const r = await store.commitRollout(version, stateNumber(next), [
    { rollout: "1", at: next, actor: "planner", kind: "switched", message: `step ${next}` },
  ]);
  if (!r.ok) throw new Error(`unexpected conflict at ${version}`);
  version = r.version;
  process.stdout.write(`${version}\n`);
}
