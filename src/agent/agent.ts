// The agent loop: poll, decode, keep the checkpoint, and reconcile the runtime level-triggered on every pass.
import { setTimeout as delay } from "node:timers/promises";
import { ManifestServerError, messageOf } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { clampDelay } from "../lib/timers.js";
import type { DesiredPod, RuntimeDriver } from "../runtime/driver.js";
import type { Claim } from "./adopt.js";
import { loadCheckpoint, saveCheckpoint, sweepCheckpointTemps } from "./checkpoint.js";
import { decodeBody as decode } from "./deep-yaml.js";
import { ResponseRejectedError } from "./decode.js";
import { nodeHttpClient, type HttpClient } from "./http-client.js";
import { poll } from "./poll.js";
import { PollError } from "./poll-errors.js";
import { reconcile, type ReconcileResult } from "./reconcile.js";
import type { AgentReportBody } from "./report.js";

export interface AgentConfig {
  url: string;
  /** The node name as the kubelet would have it (pod names get it lowercased). */
  node: string;
  headers?: readonly (readonly [string, string])[];
  userAgent: string;
  /** Time between passes when all is well (the kubelet's httpCheckFrequency, 20 s). */
  intervalMs: number;
  /** Cap of the exponential backoff after failed passes. */
  maxBackoffMs: number;
  /** Relative jitter applied to every wait, 0.1 = ±10 %. */
  jitter?: number;
  /** The minor of the kubelet the pods are judged for (31 for 1.31); default the newest supported. */
  kubeletMinor?: number;
  /** Where the checkpoint lives; without it there is none. */
  stateDir?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface AgentDeps {
  driver: RuntimeDriver;
  logger: Logger;
  http?: HttpClient;
  now?: () => Date;
  /** Waits `ms` or until `signal` aborts; never rejects. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Sends the report of each pass (see report.ts); a failure is logged at debug and changes nothing else. */
  report?: (report: AgentReportBody, signal: AbortSignal) => Promise<void>;
}

/**
 * What one pass did. `fresh`: the server answered with a good 200 or a 304. `converged`: the runtime matches
 * the desired pods (fresh or from the checkpoint) and nothing is blocked. `errors`: poll, runtime and pods.
 */
export interface PassResult extends ReconcileResult {
  source: "changed" | "unchanged" | "error";
  fresh: boolean;
  /** Desired pods known (from the server or the checkpoint). */
  desired: number | undefined;
}

const defaultSleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  await delay(clampDelay(ms), undefined, { signal }).catch(() => undefined);
};

/** A URL source for one node reconciled into one runtime. Create, then `pass()` (for --once) or `run()`. */
export class Agent {
  private readonly config: AgentConfig;
  private readonly deps: Required<Omit<AgentDeps, "report">>;
  private booted = false;
  private desired: DesiredPod[] | undefined;
  /** The checkpoint's pods at boot: what an older agent on this URL and node ran, so its pods are adopted. */
  private checkpointClaims: Claim[] = [];
  private lastBody: string | undefined;
  private etag: string | undefined;
  private failures = 0;
  private lastError: string | undefined;

  private revision: string | undefined;
  private passErrors: string[] = [];
  private readonly report: AgentDeps["report"];

  constructor(config: AgentConfig, deps: AgentDeps) {
    this.config = config;
    const { report, ...rest } = deps;
    this.report = report;
    this.deps = {
      http: nodeHttpClient,
      now: () => new Date(),
      sleep: defaultSleep,
      random: Math.random,
      ...rest,
    };
  }

  /**
   * Loads the checkpoint once (idempotent), after removing temp files a crash left in the state dir. A corrupt
   * checkpoint, or one for another URL, is ignored with a warning.
   */
  async boot(): Promise<void> {
    if (this.booted) return;
    this.booted = true;
    const { stateDir, url, node } = this.config;
    if (stateDir === undefined) return;
    await this.sweepTemps(stateDir);
    const loaded = await loadCheckpoint(stateDir);
    if (loaded.checkpoint === undefined) {
      if (loaded.warning !== undefined) this.deps.logger.warn({ stateDir }, loaded.warning);
      return;
    }
    const { checkpoint } = loaded;
    if (checkpoint.url !== url) {
      this.deps.logger.warn(
        { checkpointUrl: checkpoint.url, url },
        "checkpoint is for another URL; ignoring it",
      );
      return;
    }
    try {
      const decoded = await decode(checkpoint.body, { node, url, kubeletMinor: this.config.kubeletMinor });
      this.desired = decoded.pods;
      this.checkpointClaims = decoded.pods.map(({ fullName, hash, legacyHash }) => ({
        fullName,
        hash,
        legacyHash,
      }));
      this.lastBody = checkpoint.body;
      this.etag = checkpoint.etag;
      this.deps.logger.info(
        { pods: decoded.pods.length, etag: checkpoint.etag, savedAt: checkpoint.savedAt },
        "loaded checkpoint",
      );
    } catch (cause) {
      this.deps.logger.warn({ err: cause }, "checkpoint no longer decodes; ignoring it");
    }
  }

  private async sweepTemps(stateDir: string): Promise<void> {
    try {
      const removed = await sweepCheckpointTemps(stateDir);
      if (removed.length > 0)
        this.deps.logger.info({ stateDir, removed }, "removed temp files left by a crash");
    } catch (cause) {
      this.deps.logger.warn({ err: cause, stateDir }, "cannot sweep the state dir's temp files");
    }
  }

  /** One pass: poll, decode, save the checkpoint, then reconcile whatever desired state is known. */
  async pass(signal: AbortSignal = new AbortController().signal): Promise<PassResult> {
    await this.boot();
    this.passErrors = [];
    const source = await this.fetchDesired(signal);
    const result: PassResult = {
      source,
      fresh: source !== "error",
      converged: false,
      desired: this.desired?.length,
      applied: 0,
      removed: 0,
      failed: 0,
      blocked: 0,
      pods: (this.desired ?? []).map((p) => ({ name: p.fullName, state: "pending" })),
      errors: this.passErrors,
    };
    if (this.desired !== undefined && !signal.aborted)
      await reconcile(this.desired, this.checkpointClaims, this.deps, result, signal);
    if (!signal.aborted) await this.sendReport(result, signal);
    return result;
  }

  private async sendReport(result: PassResult, signal: AbortSignal): Promise<void> {
    if (this.report === undefined) return;
    try {
      await this.report(
        {
          revision: this.revision ?? null,
          etag: this.etag ?? null,
          converged: result.fresh && result.converged,
          pods: result.pods,
          errors: result.errors,
        },
        signal,
      );
    } catch (cause) {
      this.deps.logger.debug({ err: messageOf(cause) }, "report not sent");
    }
  }

  /** Runs passes until `signal` aborts: the interval when healthy, exponential backoff (capped) after failures. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const result = await this.pass(signal);
      this.failures = result.fresh && result.converged ? 0 : this.failures + 1;
      if (signal.aborted) break;
      await this.deps.sleep(this.nextDelay(), signal);
    }
    this.deps.logger.info("stopped");
  }

  /** The wait before the next pass: interval × 2^(failures−1) capped at maxBackoff, ±jitter. */
  nextDelay(failures = this.failures): number {
    const { intervalMs, maxBackoffMs } = this.config;
    const base =
      failures === 0
        ? intervalMs
        : Math.min(intervalMs * 2 ** Math.min(failures - 1, 30), Math.max(maxBackoffMs, intervalMs));
    const jitter = this.config.jitter ?? 0.1;
    return Math.max(0, Math.round(base * (1 + (this.deps.random() * 2 - 1) * jitter)));
  }

  private async fetchDesired(signal: AbortSignal): Promise<PassResult["source"]> {
    const { url, node, stateDir } = this.config;
    const { logger } = this.deps;
    try {
      const request = {
        url,
        headers: this.config.headers ?? [],
        userAgent: this.config.userAgent,
        signal,
        ...(this.etag === undefined ? {} : { etag: this.etag }),
        ...(this.config.timeoutMs === undefined ? {} : { timeoutMs: this.config.timeoutMs }),
        ...(this.config.maxBytes === undefined ? {} : { maxBytes: this.config.maxBytes }),
      };
      const polled = await poll(request, this.deps.http);
      if (polled.status === "unchanged" || polled.body === this.lastBody) {
        if (polled.status === "changed" && polled.etag !== undefined) this.etag = polled.etag;
        this.recovered();
        return "unchanged";
      }
      const decoded = await decode(polled.body, { node, url, kubeletMinor: this.config.kubeletMinor });
      for (const warning of decoded.warnings) logger.warn({ issue: warning }, warning.message);
      this.desired = decoded.pods;
      this.lastBody = polled.body;
      this.etag = polled.etag;
      this.revision = polled.revision;
      this.recovered();
      logger.info(
        { pods: decoded.pods.length, etag: polled.etag, revision: polled.revision },
        "received a new set of pods",
      );
      if (stateDir !== undefined) {
        const checkpoint = { url, body: polled.body, savedAt: this.deps.now().toISOString() };
        await saveCheckpoint(
          stateDir,
          polled.etag === undefined ? checkpoint : { ...checkpoint, etag: polled.etag },
        ).catch((cause: unknown) => logger.warn({ err: cause, stateDir }, "cannot save the checkpoint"));
      }
      return "changed";
    } catch (cause) {
      if (signal.aborted) return "error";
      this.reportFailure(cause);
      return "error";
    }
  }

  private recovered(): void {
    if (this.lastError !== undefined) this.deps.logger.info({ url: this.config.url }, "server answers again");
    this.lastError = undefined;
  }

  private reportFailure(cause: unknown): void {
    const message = messageOf(cause);
    this.passErrors.push(message);
    const repeated = message === this.lastError;
    this.lastError = message;
    // A poll failure or a refused response is the server's doing (a warning); anything else is a bug here.
    const expected = cause instanceof PollError || cause instanceof ResponseRejectedError;
    const fields: Record<string, unknown> = {
      code: cause instanceof ManifestServerError ? cause.code : "internal",
    };
    if (cause instanceof ResponseRejectedError) fields.issues = cause.issues;
    const keeping = this.desired === undefined ? "no pods known yet" : `keeping ${this.desired.length} pods`;
    // Identical failures repeat every pass; log them at debug after the first.
    if (repeated) this.deps.logger.debug(fields, `${message} (${keeping})`);
    else if (expected) this.deps.logger.warn(fields, `${message} (${keeping})`);
    else this.deps.logger.error({ ...fields, err: cause }, `${message} (${keeping})`);
  }
}
