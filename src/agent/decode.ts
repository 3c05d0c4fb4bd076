// Decodes a URL-source response like the kubelet: JSON or YAML 1.1, one Pod or a v1 PodList, all or nothing.
import { ManifestServerError, messageOf } from "../lib/errors.js";
import { formatIssue, joinPath, type Issue } from "../lib/issues.js";
import {
  countYamlDocuments,
  ExcessiveAliasingError,
  yamlToJson,
  YamlTooDeepError,
} from "../manifests/yaml.js";
import { KUBELET_MAX_DEPTH } from "../manifests/yaml-depth.js";
import { depthIssue, POD_FIELDS_DEPTH, valueDepth } from "./max-depth.js";
import { withoutUnknownFields } from "../manifests/pod-schema.js";
import { NEWEST_KUBELET_MINOR } from "../manifests/rules/context.js";
import { validatePod } from "../manifests/validate.js";
import type { DesiredPod } from "../runtime/driver.js";
import { isRecord, recordAt, stringAt, type JsonObject } from "../runtime/json.js";
import { applyKubeletDefaults } from "./defaults.js";

/** The response was refused; nothing changes. `issues` lists every problem found, each with its field path. */
export class ResponseRejectedError extends ManifestServerError {
  readonly issues: Issue[];
  constructor(url: string, issues: Issue[]) {
    const errors = issues.filter((i) => i.severity === "error");
    const shown = errors.slice(0, 3).map(formatIssue).join("; ");
    const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : "";
    super("response-rejected", `response from ${url} rejected, nothing changed: ${shown}${more}`, {
      hint: "Fix the manifests on the server; the agent keeps running the last good set of pods",
    });
    this.issues = issues;
  }
}

/** Who the response is for: the node, its URL, and the kubelet minor judging it (default the newest supported). */
export interface DecodeOptions {
  node: string;
  url: string;
  kubeletMinor?: number | undefined;
}

/** What a good response decodes to: the defaulted pods (duplicates removed) and the warnings to log. */
export interface DecodedResponse {
  kind: "Pod" | "PodList";
  pods: DesiredPod[];
  warnings: Issue[];
}

function error(code: string, message: string, path?: string): Issue {
  return path === undefined
    ? { severity: "error", code, message }
    : { severity: "error", code, message, path };
}

/**
 * Parses the body to a JSON value the way the kubelet's `utilyaml.ToJSON` does: JSON when the first
 * non-whitespace character is `{`, otherwise YAML 1.1. Unlike the kubelet, a YAML stream with more than one
 * document is refused (the kubelet silently reads only the first). Returns the value or the issues found.
 */
export function parseBody(raw: string): { value: unknown } | { issues: Issue[] } {
  // A UTF-8 byte-order mark is skipped, as the kubelet's decoder does.
  const body = raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
  if (body.length === 0) {
    return {
      issues: [
        error(
          "empty-body",
          "zero-length data received; the kubelet would remove every pod here, the agent keeps them. " +
            'To remove every pod on purpose serve {"apiVersion":"v1","kind":"PodList","items":[]}',
        ),
      ],
    };
  }
  const first = /\S/.exec(body)?.[0];
  if (first === "{") {
    const tooDeep = depthIssue(body);
    if (tooDeep !== undefined) return { issues: [tooDeep] };
    try {
      return { value: JSON.parse(body) };
    } catch (cause) {
      const why = messageOf(cause);
      return { issues: [error("json-syntax", `the body starts with "{" but is not valid JSON: ${why}`)] };
    }
  }
  let documents: number;
  try {
    documents = countYamlDocuments(body);
  } catch (cause) {
    return { issues: [error("yaml-syntax", `the body is not valid YAML: ${describe(cause)}`)] };
  }
  if (documents > 1) {
    return {
      issues: [
        error(
          "multi-document",
          `the body holds ${documents} YAML documents; the kubelet would read only the first one and silently ` +
            "drop the rest, so the agent refuses it. Serve one v1 PodList instead (for manifest-server: no ?format=stream)",
        ),
      ],
    };
  }
  try {
    return { value: yamlToJson(body, { kubeletAliasRule: true }) };
  } catch (cause) {
    if (cause instanceof YamlTooDeepError) return { issues: [yamlTooDeep(cause)] };
    if (cause instanceof ExcessiveAliasingError) return { issues: [excessiveAliasing(cause)] };
    return { issues: [error("yaml-syntax", `the body is not valid YAML: ${describe(cause)}`)] };
  }
}

/**
 * A body past go-yaml v2's alias rule (see KubeletAliasRule): the kubelet refuses it and keeps its pods, and so
 * does the agent. `at` is where the decoder stopped.
 */
export function excessiveAliasing(at: { line?: number | undefined; column?: number | undefined }): Issue {
  const where = at.line === undefined ? "" : ` (line ${at.line}:${at.column ?? 1})`;
  return error(
    "excessive-aliasing",
    `the body's YAML aliases expand too much${where}: excessive aliasing, as the kubelet's YAML decoder refuses ` +
      '("document contains excessive aliasing"); nothing changed',
  );
}

/** The issue code of a YAML body nested deeper than this thread reads (MAX_YAML_DEPTH): see decodeBody. */
export const YAML_TOO_DEEP = "yaml-too-deep";

/** A YAML body past MAX_YAML_DEPTH: not something the kubelet refuses, so say whose limit it is. */
function yamlTooDeep(cause: YamlTooDeepError): Issue {
  const n = (v: number): string => v.toLocaleString("en-US");
  const where = cause.line === undefined ? "" : ` (line ${cause.line}:${cause.column ?? 1})`;
  return error(
    YAML_TOO_DEEP,
    `the body nests YAML collections deeper than ${n(cause.limit)} levels${where}, the most read on this thread ` +
      `(the kubelet reads up to ${n(KUBELET_MAX_DEPTH)}); the agent reads such a body in a worker thread (decodeBody)`,
  );
}

function describe(cause: unknown): string {
  return messageOf(cause);
}

function checkTypeMeta(value: JsonObject, path: string, issues: Issue[]): string | undefined {
  const kind = stringAt(value, "kind");
  const apiVersion = stringAt(value, "apiVersion");
  if (kind === undefined || kind === "") {
    issues.push(
      error(
        "kind-missing",
        "Object 'Kind' is missing: set kind: Pod or kind: PodList",
        joinPath(path, "kind"),
      ),
    );
  }
  if (apiVersion === undefined || apiVersion === "") {
    issues.push(
      error("api-version-missing", "apiVersion is missing: set apiVersion: v1", joinPath(path, "apiVersion")),
    );
  } else if (apiVersion !== "v1") {
    issues.push(
      error(
        "api-version",
        `apiVersion "${apiVersion}" is not known for pods: use v1`,
        joinPath(path, "apiVersion"),
      ),
    );
  }
  return kind;
}

/** Splits the parsed body into the served pods (each with its field path), or the issues that refuse it. */
function servedPods(
  value: unknown,
): { kind: "Pod" | "PodList"; pods: { pod: unknown; path: string }[] } | Issue[] {
  if (Array.isArray(value)) {
    return [error("not-an-object", "the body is a list, not an object: serve one v1 Pod or a v1 PodList")];
  }
  if (!isRecord(value)) {
    return [error("kind-missing", `Object 'Kind' is missing in '${JSON.stringify(value) ?? "undefined"}'`)];
  }
  const issues: Issue[] = [];
  const kind = checkTypeMeta(value, "", issues);
  if (kind === "Pod") return issues.length > 0 ? issues : { kind, pods: [{ pod: value, path: "" }] };
  if (kind === "PodList") {
    const items = value.items;
    if (!Array.isArray(items)) {
      issues.push(
        error("items-missing", "a PodList needs an items list; to remove every pod serve items: []", "items"),
      );
      return issues;
    }
    return issues.length > 0
      ? issues
      : { kind, pods: items.map((pod: unknown, i) => ({ pod, path: `items[${i}]` })) };
  }
  if (kind === "List") {
    issues.push(error("kind", "kind List is not accepted by the kubelet: serve kind: PodList", "kind"));
  } else if (kind !== undefined && kind !== "") {
    issues.push(error("kind", `kind "${kind}" is not accepted: serve kind: Pod or kind: PodList`, "kind"));
  }
  return issues;
}

function checkItem(item: unknown, path: string, issues: Issue[]): item is JsonObject {
  if (!isRecord(item)) {
    issues.push(error("not-an-object", "a pod must be an object", path));
    return false;
  }
  if (path !== "") {
    const kind = stringAt(item, "kind");
    const apiVersion = stringAt(item, "apiVersion");
    if (kind !== undefined && kind !== "" && kind !== "Pod") {
      issues.push(
        error(
          "kind",
          `an item of a PodList has kind "${kind}"; only pods are allowed`,
          joinPath(path, "kind"),
        ),
      );
    }
    if (apiVersion !== undefined && apiVersion !== "" && apiVersion !== "v1") {
      issues.push(
        error(
          "api-version",
          `apiVersion "${apiVersion}" is not known for pods: use v1`,
          joinPath(path, "apiVersion"),
        ),
      );
    }
  }
  const metadata = recordAt(item, "metadata");
  const name = metadata === undefined ? undefined : stringAt(metadata, "name");
  if (name === undefined || name === "") {
    issues.push(
      error(
        "name-missing",
        "invalid pod: name is needed for the pod",
        joinPath(joinPath(path, "metadata"), "name"),
      ),
    );
    return false;
  }
  return true;
}

/**
 * Decodes a response body for `node` fetched from `url`: parse (JSON or YAML 1.1, one document), a single v1
 * Pod or a v1 PodList, the kubelet's validation (ValidatePodCreate + static-pod bans) on every pod, then its
 * defaults. One bad pod refuses the whole response. Pods repeating a full name keep the first one, with a
 * warning. Throws ResponseRejectedError listing every issue; never returns a partial set.
 */
export function decodeResponse(body: string, options: DecodeOptions): DecodedResponse {
  const parsed = parseBody(body);
  if ("issues" in parsed) throw new ResponseRejectedError(options.url, parsed.issues);
  const served = servedPods(parsed.value);
  if (Array.isArray(served)) throw new ResponseRejectedError(options.url, served);
  const issues: Issue[] = [];
  const candidates: JsonObject[] = [];
  for (const { pod, path } of served.pods) {
    if (!checkItem(pod, path, issues)) continue;
    // PodList items are typed by the list, so their kind is implied.
    const typed = path === "" ? pod : { apiVersion: "v1", kind: "Pod", ...pod };
    const found = validatePod(typed, {
      nodeName: options.node,
      basePath: path,
      ...(options.kubeletMinor === undefined ? {} : { kubeletMinor: options.kubeletMinor }),
    });
    issues.push(...found);
    // Deeper than a valid pod's own fields reach, the depth is in unknown fields (up to the decoder's 10,000 levels):
    // the kubelet drops them, so they are dropped before anything below walks the pod recursively.
    const deep =
      !found.some((i) => i.severity === "error") && valueDepth(pod, POD_FIELDS_DEPTH) > POD_FIELDS_DEPTH;
    candidates.push(
      deep ? (withoutUnknownFields(pod, options.kubeletMinor ?? NEWEST_KUBELET_MINOR) as JsonObject) : pod,
    );
  }
  if (issues.some((i) => i.severity === "error")) throw new ResponseRejectedError(options.url, issues);
  const warnings = [...issues];
  const pods: DesiredPod[] = [];
  const seen = new Map<string, number>();
  candidates.forEach((pod, index) => {
    const desired = applyKubeletDefaults(pod, options);
    const first = seen.get(desired.fullName);
    if (first !== undefined) {
      warnings.push({
        severity: "warning",
        code: "duplicate-pod",
        message: `pod ${desired.fullName} is served more than once; the first (item ${first}) is kept, like the kubelet does`,
        path: served.kind === "PodList" ? `items[${index}]` : "",
      });
      return;
    }
    seen.set(desired.fullName, index);
    pods.push(desired);
  });
  return { kind: served.kind, pods, warnings };
}
