// The fleet view on the embedded journal (a single server is a replica set of one): what is written, when, and what
// a new process reads back.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { silentLogger } from "../../src/lib/logger.js";
import { AgentReports, type StoredReport } from "../../src/server/fleet-view/agent-reports.js";
import { FetchLedger } from "../../src/server/fleet-view/fetch-ledger.js";
import { SharedFleetView } from "../../src/server/fleet-view/shared-view.js";
import { JournalStore } from "../../src/store/journal-store.js";
import { tempDir, type TempDir } from "../helpers/fleet.js";
import { fetchAt } from "../helpers/fleet-view.js";

const reportAt = (receivedAt: number, state: "running" | "pending" = "running"): StoredReport => ({
  revision: "r1",
  etag: '"e1"',
  converged: state === "running",
  pods: [{ name: "default/app-cp-1", state }],
  errors: [],
  receivedAt,
  address: "10.0.0.1",
  userAgent: "manifest-agent/1",
});

const dirs: TempDir[] = [];
after(() => Promise.all(dirs.map((d) => d.remove())));

async function open(dir: string) {
  const store = await JournalStore.open(dir);
  const ledger = new FetchLedger();
  const reports = new AgentReports();
  const view = new SharedFleetView({ store, ledger, reports, logger: silentLogger(), flushMs: 3_600_000 });
  await view.start();
  return { store, ledger, reports, view };
}

describe("the fleet view on the journal", () => {
  it("writes a node's fetch or report when it changes, else at most once a minute, in one transaction per kind", async () => {
    const dir = await tempDir("ms-view-journal-");
    dirs.push(dir);
    const a = await open(dir.path);
    const rows = () => a.view.counters.rowsWritten;
    for (const node of ["cp-1", "cp-2", "cp-3"]) a.view.noteFetch(node, fetchAt(0));
    a.reports.receive("cp-1", reportAt(0, "pending"));
    await a.view.flush();
    assert.equal(rows(), 4);
    assert.equal(a.store.stats.transactions, 2, "one batch per kind");
    // The same answers and reports 20 and 40 s later: nothing written.
    for (const at of [20_000, 40_000]) {
      a.view.noteFetch("cp-1", fetchAt(at));
      a.reports.receive("cp-1", reportAt(at, "pending"));
      await a.view.flush();
    }
    assert.equal(rows(), 4);
    // A new ETag and a changed report at once; an unchanged fetch a minute on.
    a.view.noteFetch("cp-1", fetchAt(45_000, '"e2"'));
    a.reports.receive("cp-1", reportAt(45_000));
    a.view.noteFetch("cp-2", fetchAt(60_000));
    await a.view.flush();
    assert.equal(rows(), 7);
    await a.view.close();
    await a.store.close();

    // A new process reads it all back; newer fetches it answers itself are not replaced.
    const b = await open(dir.path);
    assert.deepEqual(b.ledger.get("cp-1"), fetchAt(45_000, '"e2"'));
    assert.equal(b.ledger.get("cp-2")?.at, 60_000);
    assert.equal(b.ledger.get("cp-3")?.at, 0);
    assert.equal(b.reports.get("cp-1")?.pods[0]?.state, "running");
    // What was read back counts as stored: the same fetch again is not written again.
    b.view.noteFetch("cp-1", fetchAt(50_000, '"e2"'));
    await b.view.flush();
    assert.equal(b.view.counters.rowsWritten, 0);
    await b.view.close();
    await b.store.close();
  });
});
