// Test helper: fetch ledger records as the hot path writes them.
import type { FetchRecord } from "../../src/server/fleet-view/fetch-ledger.js";

/** A kubelet's 200 fetch of revision r1 at `at` (ms), with `etag`. */
export const fetchAt = (at: number, etag = '"e1"'): FetchRecord => ({
  at,
  status: 200,
  etag,
  revision: "r1",
  format: "json",
  client: "kubelet",
  address: "10.0.0.1",
  userAgent: "Go-http-client/1.1",
});
