// The kubelet's URL-source defaults (name suffix, namespace, nodeName, UID, config annotations) applied to one pod.
import { createHash } from "node:crypto";
import { dropGoZeroValues } from "../manifests/defaults/go-zero-values.js";
import { applyPodDefaults } from "../manifests/defaults/pod-defaults.js";
import { withoutUnknownFields } from "../manifests/pod-schema.js";
import { canonicalJson } from "../manifests/render.js";
import { NEWEST_KUBELET_MINOR } from "../manifests/rules/context.js";
import { HASH_KEY, type DesiredPod } from "../runtime/driver.js";
import { isRecord, recordAt, stringAt, type JsonObject } from "../runtime/json.js";

export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
/** The kubelet's source name for URL pods. */
export const HTTP_SOURCE = "http";

/**
 * The pod as the kubelet's decoder sees it: without status, unknown fields, nulls and Go zero values of non-pointer
 * fields (decoding cannot tell them from absent), with its v1
 * defaults applied (a default spelled out or left implicit decode the same). Never mutates `served`.
 */
export function decodedPod(served: JsonObject, kubeletMinor = NEWEST_KUBELET_MINOR): JsonObject {
  const known = withoutUnknownFields(withoutStatus(served), kubeletMinor);
  // withoutUnknownFields built new objects, so the zero values can be dropped in place.
  dropGoZeroValues(known);
  return applyPodDefaults(isRecord(known) ? known : {});
}

/**
 * The agent's deterministic content hash, like the kubelet's UID: the first 32 hex digits of sha256(canonical
 * JSON of the decoded, defaulted pod + "url:" + url). Same meaning and URL → same hash on every node, whatever
 * the key order, spelled-out defaults or unknown fields; a change the kubelet would see → a new hash.
 */
export function contentHash(served: JsonObject, url: string, kubeletMinor?: number): string {
  return sha(canonicalJson(decodedPod(served, kubeletMinor)) + "url:" + url);
}

/**
 * The hash agents before the decoded-pod hash recorded: sha256 of the served pod's canonical JSON (status
 * removed) + "url:" + url. A running pod recorded with it whose served bytes did not change is kept, so an
 * upgraded agent restarts nothing (see DesiredPod.legacyHash).
 */
export function legacyContentHash(served: JsonObject, url: string): string {
  return sha(canonicalJson(withoutStatus(served)) + "url:" + url);
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** The kubelet's static pod name: `<name>-<lowercased node>`. */
export function staticPodName(name: string, node: string): string {
  return `${name}-${node.toLowerCase()}`;
}

/** A deep copy of the pod without `status` (the agent never carries a manifest's status through). */
export function withoutStatus(pod: JsonObject): JsonObject {
  const copy = structuredClone(pod);
  delete copy.status;
  return copy;
}

/**
 * Applies the kubelet's decoding and defaults to a served pod (unknown fields dropped, v1 defaults as in
 * validation), then its URL-source defaults, to a served pod that has a non-empty `metadata.name` (checked by the caller):
 * UID = metadata.uid if set, else `contentHash`; name `<name>-<lowercased node>`; namespace `default` if empty;
 * `spec.nodeName` = node (as given); annotations `kubernetes.io/config.hash` = UID and
 * `kubernetes.io/config.source` = `http`; a negative terminationGracePeriodSeconds becomes 1; `status` is dropped
 * (the kubelet forces phase Pending; a runtime has no use for a served status). Never mutates `served`.
 */
export function applyKubeletDefaults(
  served: JsonObject,
  options: { node: string; url: string; kubeletMinor?: number | undefined },
): DesiredPod {
  const manifest = withoutStatus(served);
  const pod = decodedPod(served, options.kubeletMinor);
  const metadata = recordAt(pod, "metadata") ?? {};
  pod.metadata = metadata;
  const hash = contentHash(served, options.url, options.kubeletMinor);
  const pinnedUid = stringAt(metadata, "uid");
  const uid = pinnedUid !== undefined && pinnedUid !== "" ? pinnedUid : hash;
  metadata.uid = uid;
  const name = staticPodName(stringAt(metadata, "name") ?? "", options.node);
  metadata.name = name;
  const givenNamespace = stringAt(metadata, "namespace");
  const namespace = givenNamespace === undefined || givenNamespace === "" ? "default" : givenNamespace;
  metadata.namespace = namespace;
  const annotations = recordAt(metadata, "annotations") ?? {};
  annotations[CONFIG_HASH_ANNOTATION] = uid;
  annotations[CONFIG_SOURCE_ANNOTATION] = HTTP_SOURCE;
  annotations[HASH_KEY] = hash;
  metadata.annotations = annotations;
  const spec = recordAt(pod, "spec") ?? {};
  pod.spec = spec;
  spec.nodeName = options.node;
  const grace = spec.terminationGracePeriodSeconds;
  if (typeof grace === "number" && grace < 0) spec.terminationGracePeriodSeconds = 1;
  const restartPolicy = stringAt(spec, "restartPolicy");
  return {
    fullName: `${namespace}/${name}`,
    namespace,
    name,
    hash,
    legacyHash: legacyContentHash(served, options.url),
    keepRunning: restartPolicy === undefined || restartPolicy === "" || restartPolicy === "Always",
    pod,
    manifest,
  };
}
