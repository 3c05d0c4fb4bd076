// A revision store already serving the example fleet, for tests of what sits on top of it.
import assert from "node:assert/strict";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { silentLogger } from "../../src/lib/logger.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { createFleetView, createHandler, type AppDeps, type FleetView } from "../../src/server/app.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET } from "./fleet.js";

/** A RevisionStore with the example fleet published as revision `rev-1`. */
export async function exampleStore(): Promise<RevisionStore> {
  const r = loadFleet(await readFleetDir(EXAMPLE_FLEET), { revision: "rev-1" });
  assert.ok(r.ok);
  const store = new RevisionStore();
  store.publish({ fleet: r.fleet, loadedAt: new Date(0), meta: {} });
  return store;
}

/** The server's request handler over `store` (it never listens; drive it with supertest) and the fleet view it records into. */
export function inProcessHandler(
  store: RevisionStore,
  deps: Partial<Omit<AppDeps, "store" | "fleetView">> = {},
): { fleetView: FleetView; handler: ReturnType<typeof createHandler> } {
  const fleetView = createFleetView(store);
  const handler = createHandler({
    logger: silentLogger(),
    sourceDescription: "t",
    version: "0",
    ...deps,
    store,
    fleetView,
  });
  return { fleetView, handler };
}
