// Reads one YAML body in a worker thread whose stack holds the kubelet's nesting (10,000 levels), which the YAML
// library's recursive composer cannot reach on the main thread; answers compact JSON text or the error.
import { parentPort, workerData } from "node:worker_threads";
import { ExactInteger } from "../lib/exact-integer.js";
import { messageOf } from "../lib/errors.js";
import { ExcessiveAliasingError, yamlToJson, YamlSyntaxError, YamlTooDeepError } from "../manifests/yaml.js";
import { KUBELET_MAX_DEPTH } from "../manifests/yaml-depth.js";

/** What the worker posts: the body as JSON text, or why it cannot be read (`tooDeep`: the limit passed). */
export type YamlWorkerAnswer =
  | { json: string }
  | { error: string; tooDeep?: number; excessiveAliasing?: true; line?: number; column?: number };

/** The body's first document as compact JSON: exact integers as their digits, non-finite numbers refused. */
export function yamlBodyToJson(text: string): YamlWorkerAnswer {
  try {
    const value = yamlToJson(text, { maxDepth: KUBELET_MAX_DEPTH, kubeletAliasRule: true });
    const marker = "\u0000exact:";
    const json = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      const raw = (this as Record<string, unknown>)[key];
      if (raw instanceof ExactInteger) return marker + raw.text;
      if (typeof v === "number" && !Number.isFinite(v))
        throw new YamlSyntaxError(`json: unsupported value: ${v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN"}`);
      return v;
    });
    return { json: json.replace(/"\\u0000exact:(-?\d+)"/g, "$1") };
  } catch (e) {
    const at =
      e instanceof YamlSyntaxError && e.line !== undefined ? { line: e.line, column: e.column ?? 1 } : {};
    if (e instanceof ExcessiveAliasingError) return { error: e.message, excessiveAliasing: true, ...at };
    return e instanceof YamlTooDeepError
      ? { error: e.message, tooDeep: e.limit, ...at }
      : { error: messageOf(e), ...at };
  }
}

if (parentPort !== null && typeof workerData === "string") parentPort.postMessage(yamlBodyToJson(workerData));
