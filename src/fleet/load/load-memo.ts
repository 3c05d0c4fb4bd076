// What one load keeps for the next: per-file, per-node and per-expansion work, reused while its inputs are unchanged.
import type { Issue } from "../../lib/issues.js";
import type { YamlSize } from "../../manifests/yaml-size.js";
import type { FleetYamlCache } from "../fleet-yaml.js";
import type { SourcePod } from "../pod-sources.js";
import type { CompiledNode } from "./compiled-fleet.js";

/** Per-source work that does not depend on the node (done once for an untemplated pod). */
export interface Prepared {
  source: SourcePod;
  key: string | undefined;
  name: string;
  fragment: string;
  served: Record<string, unknown>;
  /** toYaml(served)'s size, measured where the pod was read when its JSON is large (for the node's size check). */
  yamlSize?: YamlSize;
}

/** fleet.yaml read, with the issues reading it reported. */
export interface FleetYamlMemo {
  content: Buffer;
  value: unknown;
  issues: Issue[];
  cache?: FleetYamlCache;
}

/** One untemplated pod validated for one kubelet minor, and prepared when valid. */
export interface PreparedMemo {
  prepared: Prepared | undefined;
  issues: Issue[];
}

/** One manifest file parsed, with its untemplated pods validated and rendered once per kubelet minor in use. */
export interface FileMemo {
  /** Unique within a chain of loads: a node's signature names its files by id. */
  id: number;
  content: Buffer;
  pods: SourcePod[];
  issues: Issue[];
  documents: number;
  /** The `strict` setting the pods were validated with. */
  strict: boolean;
  /** Per kubelet minor. */
  prepared: Map<number, Map<SourcePod, PreparedMemo>>;
}

/** One templated pod expanded, validated and prepared for one node. */
export interface TemplatedMemo {
  /** The template context it was computed with (node name, labels, vars, fleet vars, kubelet minor, strict). */
  context: string;
  used: string[];
  issues: Issue[];
  prepared: Prepared | undefined;
}

/** One node's templated pods, each with its expansion. */
export type NodeExpansions = Map<SourcePod, TemplatedMemo>;

/** One compiled node and the issues its compilation reported, valid while its inputs' signature holds. */
export interface NodeMemo {
  signature: string;
  compiled: CompiledNode;
  issues: Issue[];
}

/** The per-file and per-node work of a revision, reusable by the next load for unchanged inputs. */
export interface LoadMemo {
  fleetYaml: FleetYamlMemo | undefined;
  files: Map<string, FileMemo>;
  nodes: Map<string, NodeMemo>;
  /** Per node and templated pod definition: its expansion, valid while the node's template context is unchanged. */
  templated: Map<string, NodeExpansions>;
  nextFileId: number;
}
