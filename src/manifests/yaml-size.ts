// The sizes of the YAML forms of a pod list, from each pod's YAML measured once (a pod served to many nodes, or kept
// from the previous revision, is not rendered again for every node's size check).
import { toYaml } from "./yaml-emit.js";

/** toYaml(pod) in UTF-8 bytes, and its lines (newlines). */
export interface YamlSize {
  bytes: number;
  lines: number;
}

const measured = new WeakMap<object, YamlSize>();

/** The size of toYaml(pod), remembered for this object. */
export function podYamlSize(pod: object): YamlSize {
  let size = measured.get(pod);
  if (size === undefined) {
    const text = toYaml(pod);
    let lines = 0;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
    size = { bytes: Buffer.byteLength(text, "utf8"), lines };
    measured.set(pod, size);
  }
  return size;
}

/** Remembers `size` as podYamlSize(pod) (measured elsewhere, e.g. where the pod was read). */
export function rememberPodYamlSize(pod: object, size: YamlSize): void {
  measured.set(pod, size);
}

/**
 * The bytes of renderPodList(pods, "yaml") and (…, "stream"), without rendering them, for pods that are non-empty
 * mappings (every served pod is); undefined for anything else (the caller renders instead). A PodList's items are
 * each pod's lines indented by two (the first behind "- ") under its `items:` line; the stream is `---\n` and each
 * pod's YAML.
 */
export function podListYamlSizes(pods: readonly object[]): { yaml: number; stream: number } | undefined {
  if (pods.length === 0) return undefined;
  // The PodList without items, its "items: []" line becoming "items:".
  let yaml = toYaml({ apiVersion: "v1", items: [], kind: "PodList", metadata: {} }).length - " []".length;
  let stream = 0;
  for (const pod of pods) {
    if (Array.isArray(pod) || Object.keys(pod).length === 0) return undefined;
    const { bytes, lines } = podYamlSize(pod);
    yaml += bytes + 2 * lines;
    stream += "---\n".length + bytes;
  }
  return { yaml, stream };
}
