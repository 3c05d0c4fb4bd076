// What every kubelet rule receives: the kubelet minor version judging the pod, and the node it is for.
import type { IssueSink } from "../validate-walk.js";

/** The oldest and newest kubelet minor versions (1.x) whose rules are modelled. */
export const OLDEST_KUBELET_MINOR = 29;
export const NEWEST_KUBELET_MINOR = 35;

export interface RuleContext {
  /** The kubelet minor version, e.g. 31 for 1.31. Rules that changed between versions follow it. */
  readonly minor: number;
  /** The node the pod is for, when known (the final name `<name>-<node>` and node-dependent checks). */
  readonly nodeName?: string;
}

/**
 * One area of the kubelet's pod validation. `pod` is the pod after the kubelet's v1 defaults were applied;
 * `base` prefixes every issue path ("" or "items[3]"). A rule never throws and reports every problem it finds.
 */
export type PodRule = (pod: Record<string, unknown>, base: string, ctx: RuleContext, sink: IssueSink) => void;
