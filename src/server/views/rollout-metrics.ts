// Rollout metrics, read from the driver's state at each scrape: which rollout, its state, its wave, nodes per step.
import { Gauge, type Registry } from "prom-client";
import { ROLLOUT_PHASES, type NodeStep, type RolloutState } from "../../rollout/state.js";

const STEPS: readonly NodeStep[] = ["waiting", "switched", "healthy", "failed", "offline", "rolled-back"];

/** `manifest_server_rollout_*` on `registry`; `state()` is the current rollout (undefined: none). */
export function registerRolloutMetrics(registry: Registry, state: () => RolloutState | undefined): void {
  const registers = [registry];
  new Gauge({
    name: "manifest_server_rollout_info",
    help: "The current rollout (value 1): its id, the revisions it moves between, its state; absent without one.",
    labelNames: ["rollout", "from", "to", "state"],
    registers,
    collect() {
      this.reset();
      const s = state();
      if (s !== undefined) this.set({ rollout: s.id, from: s.from, to: s.to, state: s.phase }, 1);
    },
  });
  new Gauge({
    name: "manifest_server_rollout_state",
    help: "1 for the current rollout's state (progressing, paused, failed, succeeded, rolled-back), 0 for the others.",
    labelNames: ["state"],
    registers,
    collect() {
      this.reset();
      const s = state();
      if (s !== undefined) for (const p of ROLLOUT_PHASES) this.set({ state: p }, p === s.phase ? 1 : 0);
    },
  });
  new Gauge({
    name: "manifest_server_rollout_wave",
    help: "The wave in progress, counted from 1 (its name as a label); waves+1 once every wave is done.",
    labelNames: ["wave"],
    registers,
    collect() {
      this.reset();
      const s = state();
      if (s !== undefined) this.set({ wave: s.policy.waves[s.wave]?.name ?? "" }, s.wave + 1);
    },
  });
  new Gauge({
    name: "manifest_server_rollout_nodes",
    help: "Nodes taking part in the current rollout, by wave and step (waiting, switched, healthy, failed, offline, rolled-back).",
    labelNames: ["wave", "step"],
    registers,
    collect() {
      this.reset();
      const s = state();
      if (s === undefined) return;
      const counts = s.policy.waves.map(() => new Map<NodeStep, number>(STEPS.map((x) => [x, 0])));
      for (const p of s.nodes.values()) {
        const c = counts[p.wave];
        c?.set(p.step, (c.get(p.step) ?? 0) + 1);
      }
      s.policy.waves.forEach((w, i) => {
        for (const [step, n] of counts[i] ?? []) this.set({ wave: w.name, step }, n);
      });
    },
  });
}
