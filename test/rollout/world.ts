// Test helper: a small fleet under a rollout policy, and a world where nodes fetch, report and answer probes.
import type { FetchSeen, Observations, ProbeSeen, ReportSeen } from "../../src/rollout/observations.js";
import type { HealthPolicy, ResolvedRollout, WavePolicy } from "../../src/rollout/policy.js";
import { servedDoc, type Doc, type RolloutState } from "../../src/rollout/state.js";

/** The document of `node` at revision `rev`; its ETag is unique per revision and node. */
export function doc(rev: string, node: string): Doc {
  return { revision: rev, etag: `"${rev}-${node}"` };
}

/** Every node's document at `rev`, as a target map. */
export function docs(rev: string, nodes: readonly string[]): Map<string, Doc> {
  return new Map(nodes.map((n) => [n, doc(rev, n)]));
}

/** A resolved policy: `waves` in order, `waveOf` each node's wave index. */
export function policy(
  waves: Array<Partial<WavePolicy> & { name: string }>,
  waveOf: Record<string, number>,
  health: Partial<HealthPolicy> = {},
  onFailure: "rollback" | "pause" = "rollback",
): ResolvedRollout {
  return {
    policy: {
      waves: waves.map((w) => ({ soakMs: 0, maxNodes: undefined, ...w })),
      health: { probe: undefined, deadlineMs: 600_000, maxFailures: { count: 0 }, ...health },
      onFailure,
    },
    waveOf: new Map(Object.entries(waveOf)),
    probeOf: new Map(),
  };
}

/** A Map that tells `touched` of every key set or deleted. */
class WatchedMap<V> extends Map<string, V> {
  touched: Set<string> | undefined;

  override set(key: string, value: V): this {
    this.touched?.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.touched?.add(key);
    return super.delete(key);
  }
}

/** What nodes were seen doing; `now` advances by hand. */
export class World implements Observations {
  now = 1_000_000;
  readonly fetches = new WatchedMap<FetchSeen>();
  readonly reports = new WatchedMap<ReportSeen>();
  readonly probes = new WatchedMap<ProbeSeen>();
  private touched = new Set<string>();

  constructor() {
    for (const m of [this.fetches, this.reports, this.probes]) m.touched = this.touched;
  }

  /** The nodes whose observations changed since the last call. */
  takeTouched(): Set<string> {
    const t = this.touched;
    this.touched = new Set();
    for (const m of [this.fetches, this.reports, this.probes]) m.touched = this.touched;
    return t;
  }

  /** `nodes` fetch what `state` serves them (`target` when they do not take part). */
  fetch(state: RolloutState | undefined, target: ReadonlyMap<string, Doc>, nodes: Iterable<string>): void {
    for (const n of nodes) {
      const d = servedDoc(state, n, target.get(n));
      if (d !== undefined) this.fetches.set(n, { at: this.now, etag: d.etag, revision: d.revision });
    }
  }

  /** `node`'s agent reports the document it last fetched applied, with `pods`. */
  report(
    node: string,
    pods: ReportSeen["pods"] = [{ name: `kube-system/app-${node}`, state: "running" }],
  ): void {
    const f = this.fetches.get(node);
    this.reports.set(node, {
      at: this.now,
      revision: f?.revision ?? null,
      etag: f?.etag ?? null,
      pods,
      errors: [],
    });
  }

  probe(node: string, url: string, status: number | undefined, error?: string): void {
    const last = this.probes.get(node);
    const same = last !== undefined && last.status === status && last.error === error;
    this.probes.set(node, { at: this.now, url, status, error, since: same ? last.since : this.now });
  }
}
