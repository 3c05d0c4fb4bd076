// Wires the rollout controller into serving: a new revision starts (or supersedes) a rollout, ticks on the clock and on
// what nodes show (fetches, agent reports, probes) move it, and each decision is turned into the nodes held on another
// document than the current revision's (NodeSelection, read by the hot path without any planner work). A held node
// whose document this server lacks is pending (503) until HeldRecovery reproduces it, never served the current one.
import type { CompiledFleet, CompiledNode } from "../fleet/load-fleet.js";
import { messageOf } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { ActionKind, OperatorAction } from "../rollout/actions.js";
import { RolloutController, type Decision } from "../rollout/controller.js";
import type { DocumentPack, HeldDocument } from "../rollout/document-pack.js";
import type { ByNode, FetchSeen, Observations, ReportSeen } from "../rollout/observations.js";
import type { ProbeRunner } from "../rollout/probes.js";
import type { TimeBounds } from "../rollout/serving.js";
import { changedSince } from "../rollout/participants.js";
import { isFinished, type Doc, type RolloutState } from "../rollout/state.js";
import { nodeRolloutView, rolloutView, type NodeRolloutView, type RolloutView } from "../rollout/view.js";
import type { StateStore } from "../store/store.js";
import { DecisionSchedule } from "./decision-schedule.js";
import type { LoadedRevision, RevisionStore } from "./revision-store.js";
import { KeptDocuments } from "./kept-documents.js";
import { missingByState, noneWanted, resolveWanted, servedBefore, type Wanted } from "./held-nodes.js";
import { HeldRecovery, type Reproduce } from "./held-recovery.js";
import { shareHeld } from "./share-held.js";

/** The nodes held on another document than the current revision's, as the hot path reads them (NodeSelection). */
export interface Holds {
  get(node: string): HeldDocument | undefined;
  /** Holds exactly `docs`; `rolledBack` names the nodes held there by a rollback (the others wait for their wave). */
  replace(docs: ReadonlyMap<string, HeldDocument>, rolledBack: ReadonlySet<string>): void;
  /**
   * Holds each node of `changes` on its document, or no longer (undefined), those in `rolledBack` by a rollback; the
   * others stay as they are.
   */
  update(changes: ReadonlyMap<string, HeldDocument | undefined>, rolledBack: ReadonlySet<string>): void;
  /** Marks exactly the nodes of `pending` as waiting for a document this server does not have yet (503). */
  setPending(pending: ReadonlyMap<string, Doc>, rolledBack: ReadonlySet<string>): void;
}

export interface RolloutDriverOptions {
  revisions: RevisionStore;
  state: StateStore;
  /** Where the documents of held nodes are kept across restarts; undefined: memory only. */
  pack?: DocumentPack | undefined;
  /**
   * Re-renders a revision's documents this server lacks (replicas: from the git cache). Undefined: a node whose
   * held document is missing answers 503 until the rollout moves it.
   */
  reproduce?: Reproduce | undefined;
  selection: Holds;
  /** The ETag of a node's JSON document (as served). */
  etagOf: (node: CompiledNode) => string;
  fetches: ByNode<FetchSeen>;
  reports: ByNode<ReportSeen>;
  /**
   * Subscribes to every change of a node's fetch or report (with the node), so a step judges only the nodes whose
   * observations changed. Undefined: every step judges every node taking part. Probe answers are followed anyway.
   */
  watch?: ((listener: (node: string) => void) => void) | undefined;
  probes?: ProbeRunner | undefined;
  logger: Logger;
  now?: () => number;
  /** Tick this often (0: only when `tick()` is called). Default 1 s. */
  tickMs?: number;
  /** Only the leader decides; the others follow the stored state. Default: always the leader. */
  isLeader?: () => boolean | Promise<boolean>;
  /**
   * The store's clock (replicas): the state store's decisions on served documents take effect at a stored time,
   * the same on every replica; each node keeps its document until then. Undefined: decisions apply at once.
   */
  dbTime?: () => TimeBounds | undefined;
}

/** The rollout as the API shows it. */
export interface RolloutSnapshot {
  rollout: RolloutView | null;
  node(name: string): NodeRolloutView | undefined;
}

/** The planner's view of a document: revision and ETag only (the bytes stay out of the stored state). */
const docOf = (d: HeldDocument | undefined): Doc | undefined =>
  d === undefined ? undefined : { revision: d.revision, etag: d.etag };

export class RolloutDriver {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Background steps queued and not started yet, by kind: at most one of each waits. */
  private readonly waiting = new Set<"tick" | "refresh">();
  /**
   * A new revision's changing nodes, held on what they were served until the leader's decision on it is read
   * (followers): `version` is the state's version when the revision was published.
   */
  private provisional: { revision: string; held: Wanted; version: number } | undefined;
  /** What the hot path was last given (held documents, and the nodes waiting for theirs). */
  private holding: Wanted = noneWanted();
  private readonly recovery: HeldRecovery;
  private readonly schedule: DecisionSchedule;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** Nodes whose observations changed since the last step (undefined: not followed). */
  private touched: Set<string> | undefined;

  private constructor(
    private readonly o: RolloutDriverOptions,
    private controller: RolloutController,
    /** Documents the current rollout may serve besides the current revision's. */
    private readonly kept: KeptDocuments,
  ) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.schedule = new DecisionSchedule(o.dbTime, () => this.hold(this.holdsNow()));
    this.recovery = new HeldRecovery({
      reproduce: o.reproduce,
      found: (docs) => void this.recovered(docs).catch(() => undefined),
      logger: o.logger,
      now: this.now,
    });
  }

  /**
   * Opens the stored rollout and its kept documents and starts following `revisions` (call before the first
   * revision is published, so a restarted server holds the same nodes from its first answer).
   */
  static async open(o: RolloutDriverOptions): Promise<RolloutDriver> {
    const controller = await RolloutController.open(o.state);
    const kept = await KeptDocuments.open(o.pack, o.etagOf, o.logger);
    const driver = new RolloutDriver(o, controller, kept);
    driver.hold(driver.holdsNow());
    o.revisions.onPublish((next, previous) => driver.published(next, previous));
    if (o.watch !== undefined) {
      driver.touched = new Set();
      o.watch((node) => driver.touched?.add(node));
    }
    o.probes?.onResult((node) => {
      driver.touched?.add(node);
      driver.tickSoon();
    });
    const tickMs = o.tickMs ?? 1000;
    if (tickMs > 0) {
      driver.timer = setInterval(() => driver.tickSoon(), tickMs);
      driver.timer.unref();
    }
    return driver;
  }

  get state(): RolloutState | undefined {
    return this.controller.state;
  }

  /** Resolves once every queued decision is taken. */
  async idle(): Promise<void> {
    for (let q = this.queue; ; q = this.queue) {
      await q;
      if (q === this.queue) return;
    }
  }

  /** One planner step now, on what was seen. */
  tick(): Promise<Decision | undefined> {
    return this.serial(() => this.tickNow());
  }

  private async tickNow(): Promise<Decision | undefined> {
    if (!(await this.leader())) return undefined;
    this.probe();
    return this.stepNow([]);
  }

  /** One step with what was seen since the last one, and the decision taken into what is served. */
  private async stepNow(actions: readonly OperatorAction[]): Promise<Decision> {
    const before = this.controller.state;
    const changed = this.touched;
    if (changed !== undefined) this.touched = new Set();
    return this.decided(
      await this.controller.step(this.observations(), this.now(), actions, changed),
      before,
    );
  }

  /** Queues a tick unless one is already waiting (a slow step never piles ticks up); failures are logged. */
  private tickSoon(): void {
    this.once("tick", () => this.tickNow());
  }

  /** Queues `fn` unless one of its `kind` is already waiting. */
  private once(kind: "tick" | "refresh", fn: () => Promise<unknown>): void {
    if (this.waiting.has(kind)) return;
    this.waiting.add(kind);
    this.serial(async () => {
      this.waiting.delete(kind);
      return fn();
    }).catch(() => undefined);
  }

  /** An operator action by `by` (with the client's `note`); the decision says whether it was refused and why. */
  act(kind: ActionKind, by: string, note?: string): Promise<Decision> {
    return this.serial(() => this.stepNow([{ kind, by, note }]));
  }

  async snapshot(): Promise<RolloutSnapshot> {
    const state = this.controller.state;
    if (state === undefined) return { rollout: null, node: () => undefined };
    const events = await this.o.state.readEvents({ rollout: state.id, limit: 10_000 });
    return { rollout: rolloutView(state, events), node: (name) => nodeRolloutView(state, name) };
  }

  /** Resolves once every queued decision is taken and no missing document is being reproduced. */
  async settled(): Promise<void> {
    for (;;) {
      await this.idle();
      if (!this.recovery.busy) return;
      await this.recovery.idle();
    }
  }

  async close(): Promise<void> {
    await this.recovery.close();
    clearInterval(this.timer);
    this.schedule.close();
    await this.idle();
  }

  /** The rollout state's version the served documents follow. */
  get servingVersion(): number {
    return this.controller.version;
  }

  /** Re-reads the stored rollout (a newer decision is published); at most one re-read waits. */
  refresh(): void {
    this.once("refresh", () => this.follow());
  }

  /**
   * True while a stored decision changing `node` may or may not be effective at store time `now`, or while the
   * document it keeps until then is not known here; switches the held nodes once a decision surely is effective.
   */
  unsure(node: string, now: TimeBounds): boolean {
    return this.schedule.unsure(node, now, this.controller.pending);
  }

  /** True when a decision of the rollout could change `node` (it takes part, or it is held). */
  mayChange(node: string): boolean {
    const { held, missing } = this.holding;
    return held.has(node) || missing.has(node) || this.controller.state?.nodes.has(node) === true;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch((e: unknown) => {
      this.o.logger.error({ err: messageOf(e) }, "rollout step failed; the nodes keep what they are served");
    });
    return run;
  }

  private async leader(): Promise<boolean> {
    if (this.o.isLeader === undefined || (await this.o.isLeader())) return true;
    await this.follow();
    return false;
  }

  /** A follower serves what the leader decided, as it takes effect. */
  private async follow(): Promise<void> {
    const next = await RolloutController.open(this.o.state);
    // The same stored version holds the same state and pending decisions: the holds stand (the schedule switches
    // them as decisions take effect). Re-holding every node at each tick would cost the hot path at 100,000 nodes.
    if (next.version === this.controller.version && this.provisional === undefined) return;
    this.controller = next;
    this.hold(this.holdsNow());
  }

  /**
   * The nodes held now: what the stored rollout serves them, except where a stored decision is not effective yet
   * (they keep what they had), and a new revision's changing nodes until the leader's decision on it is read.
   */
  private holdsNow(): Wanted {
    const held = this.heldByState();
    const fleet = this.o.revisions.current?.fleet;
    const missing = missingByState(this.controller.state, fleet, this.o.etagOf, this.kept);
    // A missing node sits in `held` as a marker meanwhile, so what the schedule does to it can be told apart.
    const markers = new Map<string, HeldDocument>();
    for (const [name, doc] of missing) {
      const marker: HeldDocument = { ...doc, json: [] };
      markers.set(name, marker);
      held.set(name, marker);
    }
    this.schedule.apply(held, this.controller.pending, fleet, (etag) => this.kept.get(etag), this.o.etagOf);
    for (const [name, marker] of markers)
      if (held.get(name) === marker) held.delete(name);
      else missing.delete(name);
    const p = this.provisional;
    const state = this.controller.state;
    const decided =
      p === undefined ||
      state?.to === p.revision ||
      (state === undefined && this.controller.version > p.version);
    if (decided) this.provisional = undefined;
    else {
      const has = (name: string): boolean => held.has(name) || missing.has(name);
      for (const [name, doc] of p.held.held) if (!has(name)) held.set(name, doc);
      for (const [name, doc] of p.held.missing) if (!has(name)) missing.set(name, doc);
    }
    return { held, missing };
  }

  private observations(): Observations {
    return { fetches: this.o.fetches, reports: this.o.reports, probes: this.o.probes?.results ?? new Map() };
  }

  /** Probes the switched nodes of a rollout of the current revision. */
  private probe(): void {
    const state = this.controller.state;
    const fleet = this.o.revisions.current?.fleet;
    const probes = this.o.probes;
    if (probes === undefined || state === undefined || fleet?.revision !== state.to || isFinished(state))
      return;
    const urls = fleet.rollout?.probeOf;
    // Without a probe in the policy, no walk over every node taking part at each tick.
    if (urls === undefined || urls.size === 0) {
      if (probes.results.size > 0) probes.retain(new Set());
      return;
    }
    const targets: Array<[string, string]> = [];
    for (const [name, p] of state.nodes) {
      const url = urls?.get(name);
      if (url !== undefined && (p.step === "switched" || p.step === "healthy")) targets.push([name, url]);
    }
    probes.retain(new Set(targets.map(([n]) => n)));
    probes.probe(targets);
  }

  /**
   * After a decision: hold the nodes it says (as it takes effect), log its events. With the state `before` a step,
   * and no decision waiting for an agreed time (replicas) or a follower's provisional hold, only the nodes the step
   * changed are looked at.
   */
  private decided(d: Decision, before?: RolloutState): Decision {
    const after = this.controller.state;
    // A new phase (a rollback) changes how every held node is held: then all are held again.
    const stepped =
      before === undefined ||
      after === undefined ||
      d.conflict ||
      before.phase !== after.phase ||
      this.o.dbTime !== undefined ||
      this.provisional !== undefined
        ? undefined
        : changedSince(before.nodes, after.nodes);
    if (stepped !== undefined) this.holdChanged(after!, stepped);
    else if (d.events.length > 0 || d.conflict) this.hold(this.holdsNow());
    for (const e of d.events)
      this.o.logger.info({ rollout: e.rollout, kind: e.kind, actor: e.actor, nodes: e.nodes }, e.message);
    return d;
  }

  /** The nodes the stored rollout serves another document than the current revision's, and those documents. */
  private heldByState(): Map<string, HeldDocument> {
    return this.kept.heldBy(this.controller.state, this.o.revisions.current?.fleet);
  }

  /** Holds again only the nodes of `names`, as `state` says. */
  private holdChanged(state: RolloutState, names: readonly string[]): void {
    const fleet = this.o.revisions.current?.fleet;
    if (fleet === undefined || names.length === 0) return;
    const changes = new Map<string, HeldDocument | undefined>();
    const lost = missingByState(state, fleet, this.o.etagOf, this.kept, names);
    const { held, missing } = this.holding;
    for (const name of names) {
      const p = state.nodes.get(name);
      const doc = p === undefined || lost.has(name) ? undefined : this.kept.heldOn(fleet, name, p);
      changes.set(name, doc);
      if (doc === undefined) held.delete(name);
      else held.set(name, doc);
      const wants = lost.get(name);
      if (wants === undefined) missing.delete(name);
      else missing.set(name, wants);
    }
    this.o.selection.update(changes, this.rolledBack(changes.keys()));
    this.pend();
  }

  /**
   * Gives the hot path `wanted`: every missing document found among the kept ones is held, the others stay
   * pending (503) and are asked of the recovery.
   */
  private hold(wanted: Wanted): void {
    this.holding = resolveWanted(wanted, this.kept);
    this.o.selection.replace(this.holding.held, this.rolledBack(this.holding.held.keys()));
    this.pend();
  }

  /** The nodes waiting for their documents, to the hot path (503) and to the recovery. */
  private pend(): void {
    const { missing } = this.holding;
    this.o.selection.setPending(missing, this.rolledBack(missing.keys()));
    this.recovery.want(missing);
  }

  /** Documents reproduced: kept (on disk too) and served to the nodes waiting for them. */
  private recovered(docs: HeldDocument[]): Promise<void> {
    return this.serial(async () => {
      await this.kept.addDocuments(docs);
      this.hold(this.holding);
    });
  }

  /** Of `names`, those a rollback holds where they are (the others wait for their wave). */
  private rolledBack(names: Iterable<string>): Set<string> {
    const state = this.controller.state;
    // After a rollback, the nodes never switched are kept on their previous document too: their wave will not come.
    const rolledBack = new Set<string>();
    for (const name of names) {
      const p = state?.nodes.get(name);
      if (p !== undefined && (p.step === "rolled-back" || state?.phase === "rolled-back"))
        rolledBack.add(name);
    }
    return rolledBack;
  }

  /**
   * A new revision is published (synchronously, before any request sees it): while a rollout may apply, every node
   * whose bytes change stays on what it was served until the controller has decided, then the decision holds.
   */
  private published(next: LoadedRevision, previous: LoadedRevision | undefined): void {
    const fleet = next.fleet;
    if (fleet.rollout === undefined && this.controller.state === undefined) return;
    // The first revision after a start: what the stored rollout serves each of its nodes (nothing is held yet).
    const stored = previous === undefined ? this.holdsNow() : undefined;
    const before = servedBefore(fleet, previous?.fleet, this.holding, stored, this.o.etagOf);
    this.hold(before);
    this.provisional = { revision: fleet.revision, held: before, version: this.controller.version };
    this.serial(() => this.start(fleet, before, previous?.fleet.revision)).catch(() => undefined);
  }

  private async start(fleet: CompiledFleet, whole: Wanted, from: string | undefined): Promise<void> {
    const before: Wanted = { held: await shareHeld(whole.held, fleet), missing: whole.missing };
    // Unless a newer revision came meanwhile (its own start shares against it), hold the shared bytes.
    if (this.o.revisions.current?.fleet === fleet) {
      this.hold(before);
      if (this.provisional?.held === whole) this.provisional.held = before;
    }
    // Keep every document the stored rollout or the new one may serve before committing the new one.
    await this.kept.add(fleet, before.held);
    // A follower does not start rollouts: it serves what the leader stored (leader() re-reads it).
    if (!(await this.leader())) return;
    this.provisional = undefined;
    const target = new Map<string, Doc>();
    for (const node of fleet.nodes.values())
      target.set(node.name, { revision: fleet.revision, etag: this.o.etagOf(node) });
    const d = await this.controller.newRevision(
      {
        revision: fleet.revision,
        target,
        rollout: fleet.rollout,
        previous: {
          get: (name) => docOf(before.held.get(name)) ?? before.missing.get(name) ?? target.get(name),
        },
        from: from ?? this.controller.state?.to ?? "",
        observingSince: this.startedAt,
      },
      this.observations(),
      this.now(),
    );
    this.decided(d);
    this.decided(await this.controller.step(this.observations(), this.now()));
    this.hold(this.holdsNow());
    // What the rollout may serve, and what nodes keep until a pending decision takes effect (replicas).
    await this.kept.prune(this.controller.state, this.controller.pending);
  }
}
