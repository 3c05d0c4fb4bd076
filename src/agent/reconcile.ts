// One reconcile of the runtime towards the desired pods: plan (pure diff), then run the steps one by one.
import { messageOf } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { DesiredPod, RuntimeDriver } from "../runtime/driver.js";
import { adoptLegacy, type Claim } from "./adopt.js";
import { describePlan, planReconcile } from "./diff.js";
import type { ReportedPod } from "./report.js";

/** What a reconcile did, accumulated into the pass's result. */
export interface ReconcileResult {
  /** The runtime matches the desired pods and nothing is blocked. */
  converged: boolean;
  applied: number;
  removed: number;
  failed: number;
  blocked: number;
  /** Each desired pod's state after the pass. */
  pods: ReportedPod[];
  /** What went wrong (runtime, pods). */
  errors: string[];
}

interface Step {
  what: string;
  pod: string;
  hash?: string;
  run: () => Promise<void>;
  removal: boolean;
}

/**
 * Lists the runtime, adopts the legacy pods `desired` or `claims` (the checkpoint's pods at boot) account for,
 * plans against `desired` and runs the plan: removals, additions, replacements, stopping before the next step
 * once `signal` aborts. Never throws: every failure is counted, logged and added to `result.errors`, and the next
 * pass retries. Unowned pods with a desired name are left alone (blocked).
 */
export async function reconcile(
  desired: readonly DesiredPod[],
  claims: readonly Claim[],
  deps: { driver: RuntimeDriver; logger: Logger },
  result: ReconcileResult,
  signal: AbortSignal,
): Promise<void> {
  const { driver, logger } = deps;
  let actual;
  try {
    actual = adoptLegacy(await driver.list(), [...desired, ...claims]);
  } catch (cause) {
    logger.error({ err: cause, runtime: driver.name }, "cannot list the runtime's pods; will retry");
    result.errors.push(`cannot list the ${driver.name} runtime's pods: ${messageOf(cause)}`);
    result.failed += 1;
    return;
  }
  const states = new Map<string, ReportedPod>(
    desired.map((p) => [p.fullName, { name: p.fullName, state: "running" }]),
  );
  const mark = (name: string, state: ReportedPod["state"], reason?: string): void => {
    if (states.has(name)) states.set(name, { name, state, ...(reason === undefined ? {} : { reason }) });
  };
  const plan = planReconcile(desired, actual);
  result.blocked = plan.blocked.length;
  for (const line of describePlan(plan)) logger.debug({ runtime: driver.name }, line);
  for (const pod of plan.blocked) {
    const reason = `a pod named ${pod.fullName} exists that this agent instance did not create`;
    mark(pod.fullName, "failed", reason);
    result.errors.push(reason);
    logger.error(
      { pod: pod.fullName, runtime: driver.name },
      `${reason}; not touching it. Remove or rename it`,
    );
  }
  const steps: Step[] = [
    ...plan.remove.map((p) => ({
      what: "removed",
      pod: p.fullName,
      run: () => driver.remove(p.fullName),
      removal: true,
    })),
    ...plan.add.map((p) => ({
      what: "added",
      pod: p.fullName,
      hash: p.hash,
      run: () => driver.apply(p),
      removal: false,
    })),
    ...plan.replace.map((r) => ({
      what: r.reason === "changed" ? "replaced" : "restarted",
      pod: r.desired.fullName,
      hash: r.desired.hash,
      run: () => driver.apply(r.desired),
      removal: false,
    })),
  ];
  for (const step of steps) if (!step.removal) mark(step.pod, "pending");
  result.pods = [...states.values()];
  for (const step of steps) {
    if (signal.aborted) return;
    try {
      await step.run();
      if (step.removal) result.removed += 1;
      else {
        result.applied += 1;
        mark(step.pod, "running");
      }
      logger.info({ pod: step.pod, hash: step.hash, runtime: driver.name }, `pod ${step.what}`);
    } catch (cause) {
      result.failed += 1;
      mark(step.pod, "failed", `could not be ${step.what}: ${messageOf(cause)}`);
      result.errors.push(`pod ${step.pod} could not be ${step.what}: ${messageOf(cause)}`);
      logger.error(
        { err: cause, pod: step.pod, runtime: driver.name },
        `pod could not be ${step.what}; will retry`,
      );
    }
  }
  result.pods = [...states.values()];
  result.converged = result.failed === 0 && result.blocked === 0 && !signal.aborted;
}
