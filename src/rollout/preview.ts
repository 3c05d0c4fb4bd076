// What a change would do under a rollout policy: which nodes take part, in which wave and batch, which do not.
import { describeWave, maxInFlight, type ResolvedRollout } from "./policy.js";

export interface WavePreview {
  name: string;
  /** Nodes switched together when every node is healthy in time, in order. */
  batches: string[][];
  /** How the wave moves, e.g. `1 at a time, soak 10m`. */
  limits: string;
}

export interface RolloutPreview {
  /** False without `rollout:` in the new revision: every changed node gets it at once. */
  policy: boolean;
  waves: WavePreview[];
  /** Nodes whose bytes do not change: they never wait. */
  unchanged: string[];
  /** Nodes new in the new revision (served at once: nothing to protect) and nodes it removes. */
  added: string[];
  removed: string[];
}

/**
 * Previews a rollout from the ETags each node is served (`from`) to the new revision's (`to`) under `rollout`
 * (the new revision's policy): the planner's order when every switched node is healthy in time. Pure.
 */
export function previewRollout(
  from: ReadonlyMap<string, string>,
  to: ReadonlyMap<string, string>,
  rollout: ResolvedRollout | undefined,
): RolloutPreview {
  const names = [...to.keys()].sort();
  const changing = names.filter((n) => from.has(n) && from.get(n) !== to.get(n));
  const preview: RolloutPreview = {
    policy: rollout !== undefined,
    waves: [],
    unchanged: names.filter((n) => from.get(n) === to.get(n)),
    added: names.filter((n) => !from.has(n)),
    removed: [...from.keys()].filter((n) => !to.has(n)).sort(),
  };
  const waves = rollout?.policy.waves ?? [{ name: "everyone", soakMs: 0, maxNodes: undefined }];
  waves.forEach((wave, i) => {
    const members = changing.filter((n) => (rollout?.waveOf.get(n) ?? 0) === i);
    const size = maxInFlight(wave.maxNodes, members.length);
    const batches: string[][] = [];
    for (let k = 0; k < members.length; k += size) batches.push(members.slice(k, k + size));
    preview.waves.push({ name: wave.name, batches, limits: describeWave(wave) });
  });
  return preview;
}

/** The preview as text lines for `diff`. */
export function formatRolloutPreview(p: RolloutPreview): string[] {
  const count = p.waves.reduce((sum, w) => sum + w.batches.flat().length, 0);
  if (!p.policy)
    return [
      `rollout: no rollout: in the new revision; ${count === 1 ? "1 changed node gets" : `${count} changed nodes get`} it at once.`,
    ];
  const out = [
    `rollout of ${count} node${count === 1 ? "" : "s"}, wave by wave (when every node is healthy in time):`,
  ];
  for (const w of p.waves) {
    if (w.batches.length === 0) {
      out.push(`  wave ${w.name}: no node changes (skipped)`);
      continue;
    }
    out.push(`  wave ${w.name} (${w.limits}):`);
    w.batches.forEach((b, i) => out.push(`    batch ${i + 1}: ${b.join(", ")}`));
  }
  if (p.unchanged.length > 0) out.push(`  not taking part (document unchanged): ${p.unchanged.join(", ")}`);
  if (p.added.length > 0) out.push(`  new nodes, served at once: ${p.added.join(", ")}`);
  if (p.removed.length > 0) out.push(`  removed nodes: ${p.removed.join(", ")}`);
  return out;
}
