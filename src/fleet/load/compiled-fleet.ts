// The fleet model a load produces: every node's pods, where each came from, and its canonical JSON document.
import type { Issue } from "../../lib/issues.js";
import type { GroupMatch } from "../compose.js";
import type { Layer } from "../fleet-files.js";
import type { ResolvedRollout } from "../../rollout/policy.js";
import type { KubeletVersion } from "../kubelet-version.js";
import type { LoadMemo } from "./load-memo.js";
import type { FileReader } from "./read-file.js";

/** Where a served pod was defined. */
export interface PodOrigin {
  layer: Layer;
  file: string;
  doc: number;
  path: string;
}

export interface ServedPod {
  key: string;
  /** The pod exactly as served (status removed). */
  pod: Record<string, unknown>;
  origin: PodOrigin;
  /** Less specific definitions of the same key that this one replaced. */
  overrides: PodOrigin[];
  /** Template variables the pod used on this node, e.g. `node.vars.ip`. */
  vars: string[];
}

export interface CompiledNode {
  name: string;
  labels: Record<string, string>;
  vars: Record<string, string>;
  declared: boolean;
  groups: GroupMatch[];
  /** The kubelet version the node's pods were validated for, and where it was set. */
  kubelet: KubeletVersion;
  /** Sorted by namespace, then name. */
  pods: ServedPod[];
  /** The canonical JSON PodList (its ETag is computed where documents are served). */
  json: Buffer;
}

/** A fully validated fleet revision, immutable once built. */
export interface CompiledFleet {
  revision: string;
  nodes: Map<string, CompiledNode>;
  /** Warnings only: a compiled fleet has no errors. */
  warnings: Issue[];
  stats: { files: number; documents: number; pods: number; nodes: number };
  /** The revision's `rollout:` policy with each node's wave; undefined without one. */
  rollout?: ResolvedRollout | undefined;
  /** What the next load may reuse (pass this fleet as `previous`); opaque outside the loader. */
  memo?: LoadMemo;
}

export type LoadResult = { ok: true; fleet: CompiledFleet } | { ok: false; issues: Issue[] };

export interface LoadOptions {
  revision: string;
  /**
   * The revision served so far: files whose bytes did not change are not parsed, validated or rendered again, and
   * nodes whose declaration, groups and files did not change keep their documents. The result is the same as without.
   */
  previous?: CompiledFleet | undefined;
  /** Unknown pod fields are errors (`validate --strict`); fleet.yaml's `strict: true` does the same. */
  strict?: boolean | undefined;
  /** Called as the load advances: files read, then nodes compiled (for progress on a terminal). */
  onProgress?: ((step: LoadStep) => void) | undefined;
  /**
   * Where loadFleetInSlices reads large files, away from the event loop (default: the process's ReadPool); loadFleet
   * reads every file inline. Either way the result is the same.
   */
  reader?: FileReader | undefined;
}

/** How far a load has come: `done` of `total` manifest files read, or nodes compiled. */
export interface LoadStep {
  stage: "files" | "nodes";
  done: number;
  total: number;
}
