import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boundReport } from "../../src/agent/report.js";
import { MAX_REPORT_ERRORS, MAX_REPORT_PODS } from "../../src/protocol/report.js";
import { parseReport } from "../../src/server/fleet-view/agent-reports.js";

describe("the report protocol", () => {
  it("every field the agent bounds is within what the server accepts", () => {
    const long = "x".repeat(10_000);
    const body = boundReport({
      revision: long,
      etag: long,
      converged: false,
      pods: Array.from({ length: MAX_REPORT_PODS + 5 }, (_, i) => ({
        name: `ns/${long}-${i}`,
        state: "failed" as const,
        reason: long,
      })),
      errors: Array.from({ length: MAX_REPORT_ERRORS + 5 }, () => long),
    });
    const parsed = parseReport(JSON.parse(JSON.stringify(body)));
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.slice(0, 3).join("; "));
    assert.equal(parsed.report.pods.length, MAX_REPORT_PODS);
    assert.equal(parsed.report.errors.length, MAX_REPORT_ERRORS);
  });

  it("the server refuses what the agent would have cut", () => {
    const parsed = parseReport({
      revision: null,
      etag: null,
      converged: true,
      pods: Array.from({ length: MAX_REPORT_PODS + 1 }, (_, i) => ({ name: `ns/p${i}`, state: "running" })),
      errors: [],
    });
    assert.equal(parsed.ok, false);
  });
});
