// Health probes of switched nodes: GET the node's templated URL, 2xx = healthy; bounded time, bounded concurrency,
// never two probes of one node at once. HTTPS certificates are verified (trust a private CA with NODE_EXTRA_CA_CERTS).
import { messageOf } from "../lib/errors.js";
import type { ProbeSeen } from "./observations.js";

export interface ProbeOptions {
  /** Abort a probe after this long. Default 5 s. */
  timeoutMs?: number;
  /** Probes in flight at most. Default 32. */
  concurrency?: number;
  /** A node is probed again at most this often. Default 2 s. */
  intervalMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The last answer of each probed node, and the probes in flight. */
export class ProbeRunner {
  private readonly seen = new Map<string, ProbeSeen>();
  private readonly inFlight = new Set<string>();
  private readonly started = new Map<string, number>();
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly intervalMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly listeners: Array<(node: string) => void> = [];

  constructor(options: ProbeOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.concurrency = options.concurrency ?? 32;
    this.intervalMs = options.intervalMs ?? 2000;
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /** The last probe answers, by node. */
  get results(): ReadonlyMap<string, ProbeSeen> {
    return this.seen;
  }

  /** Called with the node after each probe answer (or failure), and for each answer forgotten. */
  onResult(listener: (node: string) => void): void {
    this.listeners.push(listener);
  }

  /** Forgets nodes no longer probed (so a new rollout judges them from new answers only). */
  retain(nodes: ReadonlySet<string>): void {
    for (const node of this.seen.keys())
      if (!nodes.has(node)) {
        this.seen.delete(node);
        for (const l of this.listeners) l(node);
      }
  }

  /** Starts a probe of each `[node, url]` due and not in flight, while fewer than `concurrency` run. */
  probe(targets: Iterable<readonly [string, string]>): void {
    const t = this.now();
    for (const [node, url] of targets) {
      if (this.inFlight.size >= this.concurrency) return;
      if (this.inFlight.has(node) || t - (this.started.get(node) ?? -Infinity) < this.intervalMs) continue;
      this.inFlight.add(node);
      this.started.set(node, t);
      void this.run(node, url).finally(() => {
        this.inFlight.delete(node);
        for (const l of this.listeners) l(node);
      });
    }
  }

  private async run(node: string, url: string): Promise<void> {
    let outcome: { status?: number; error?: string };
    try {
      const res = await this.fetchFn(url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "manual",
        headers: { "user-agent": "manifest-server-probe" },
      });
      await res.body?.cancel();
      outcome = { status: res.status };
    } catch (e) {
      outcome = { error: probeError(e, this.timeoutMs) };
    }
    const at = this.now();
    const before = this.seen.get(node);
    const same = before !== undefined && before.url === url && sameOutcome(before, outcome);
    this.seen.set(node, { at, url, ...outcome, since: same ? before.since : at });
  }
}

function sameOutcome(a: ProbeSeen, b: { status?: number; error?: string }): boolean {
  const ok = (s: number | undefined): boolean => s !== undefined && s >= 200 && s < 300;
  if (ok(a.status) || ok(b.status)) return ok(a.status) && ok(b.status);
  return a.status === b.status && (a.error === undefined) === (b.error === undefined);
}

function probeError(e: unknown, timeoutMs: number): string {
  if (e instanceof DOMException && e.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? messageOf(e);
}
