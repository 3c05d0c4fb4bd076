// One leader among replicas (it drives rollouts): a lease row renewed every ttl/3, taken over once it expires.
import type pg from "pg";
import { messageOf } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";

export interface LeaderLeaseOptions {
  pool: pg.Pool;
  /** This replica's name in the lease row. */
  id: string;
  logger: Logger;
  /** The lease lasts this long after each renewal (DB clock). Default 6 s: a dead leader is replaced within it. */
  ttlMs?: number;
  /** Which lease. Default "rollout-leader". */
  name?: string;
  local?: () => number;
}

/**
 * Leadership by a row `(name, holder, expires_at)`: a replica takes or renews it when it holds it or it expired
 * (both decided by the DB's clock in one statement). It believes itself leader only until its last successful
 * renewal's send time + ttl by its own monotonic clock, which is never later than the DB's expiry: two replicas
 * never both believe it at once (up to clock-rate drift). Compare-and-set in the store still guards each decision.
 */
export class LeaderLease {
  private validUntil = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private leading = false;
  private readonly ttlMs: number;
  private readonly local: () => number;
  private readonly listeners: Array<(leader: boolean) => void> = [];

  constructor(private readonly o: LeaderLeaseOptions) {
    this.ttlMs = o.ttlMs ?? 6000;
    this.local = o.local ?? (() => performance.now());
  }

  /** True while this replica holds the lease (for the rollout driver: act only then). */
  isLeader(): boolean {
    return this.local() < this.validUntil;
  }

  /** Called with true when this replica becomes leader, false when it stops being one. */
  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    const tick = () => {
      void this.renew().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, Math.floor(this.ttlMs / 3));
        this.timer.unref();
      });
    };
    tick();
  }

  /** Stops renewing and gives the lease up, so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const was = this.isLeader();
    this.validUntil = -Infinity;
    this.changed();
    if (was)
      await this.o.pool
        .query("DELETE FROM ms_lease WHERE name = $1 AND holder = $2", [this.name, this.o.id])
        .catch(() => undefined);
  }

  private get name(): string {
    return this.o.name ?? "rollout-leader";
  }

  /** One attempt to take or renew the lease. */
  async renew(): Promise<void> {
    const sentAt = this.local();
    try {
      const r = await this.o.pool.query<{ holder: string }>(
        `INSERT INTO ms_lease (name, holder, expires_at)
         VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE ms_lease.holder = excluded.holder OR ms_lease.expires_at < clock_timestamp()
         RETURNING holder`,
        [this.name, this.o.id, this.ttlMs],
      );
      if (r.rows[0]?.holder === this.o.id && !this.stopped) this.validUntil = sentAt + this.ttlMs;
    } catch (e) {
      if (this.leading)
        this.o.logger.warn({ err: messageOf(e) }, "cannot renew the leader lease; leading until it expires");
    }
    this.changed();
  }

  private changed(): void {
    const now = this.isLeader();
    if (now === this.leading) return;
    this.leading = now;
    this.o.logger.info({ replica: this.o.id }, now ? "leading this replica set" : "no longer leading");
    for (const l of this.listeners) l(now);
  }
}
