// Turns one manifest file into the pods it defines: every document a v1 Pod or the items of a v1 PodList.
import { IssueCollector } from "../lib/issue-collector.js";
import { joinPath, type Issue } from "../lib/issues.js";
import {
  MAX_DOCUMENTS,
  parseYamlDocuments,
  YamlSyntaxError,
  type YamlReadOptions,
} from "../manifests/yaml.js";
import { JsonReadError, readJson } from "../manifests/yaml-json.js";
import { hasTemplate } from "./template.js";
import type { Layer, ManifestFile } from "./fleet-files.js";
import { isRecord } from "../lib/json.js";

/** One pod definition as written in the fleet, before templating. */
export interface SourcePod {
  file: string;
  /** 1-based document index in the file. */
  doc: number;
  /** Path of the pod inside the document: "" or `items[3]`. */
  path: string;
  layer: Layer;
  value: Record<string, unknown>;
  templated: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes bytes as UTF-8 (a BOM is dropped); undefined when they are not valid UTF-8. */
export function decodeUtf8(content: Buffer): string | undefined {
  try {
    const text = utf8.decode(content);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return undefined;
  }
}

/**
 * Parses a whole file as documents: `.json` strictly as one JSON value, anything else as a YAML 1.1 stream. Bounded
 * (nesting, number range, documents, aliases: see readJson and parseYamlDocuments); never throws for any content.
 */
export function parseManifestDocuments(
  path: string,
  content: Buffer,
  options: YamlReadOptions = {},
): { docs: Array<{ index: number; value: unknown }>; issues: Issue[] } {
  const text = decodeUtf8(content);
  if (text === undefined)
    return {
      docs: [],
      issues: [{ severity: "error", code: "encoding", file: path, message: "file is not valid UTF-8 text" }],
    };
  if (path.toLowerCase().endsWith(".json")) {
    try {
      return { docs: [{ index: 1, value: readJson(text) }], issues: [] };
    } catch (e) {
      if (!(e instanceof JsonReadError)) throw e;
      const message =
        e.position === undefined ? e.message : new YamlSyntaxError(e.message, e.position).message;
      return {
        docs: [],
        issues: [{ severity: "error", code: "json-syntax", file: path, doc: 1, message }],
      };
    }
  }
  const parsed = parseYamlDocuments(text, options);
  const issues = [...parsed.issues, ...parsed.documents.flatMap((d) => d.warnings)].map((i) => ({
    ...i,
    file: path,
  }));
  return { docs: parsed.documents.map((d) => ({ index: d.index, value: d.value })), issues };
}

/** Reads the pods of one manifest file. Returns every pod it could read and every issue, each naming file and document. */
export function readPodSources(
  file: ManifestFile,
  options: YamlReadOptions = {},
): { pods: SourcePod[]; issues: Issue[] } {
  const parsed = parseManifestDocuments(file.path, file.content, options);
  const { docs } = parsed;
  // One file keeps its first issues only (a list of millions of bad items must not become millions of issues).
  const issues = new IssueCollector();
  issues.addAll(parsed.issues);
  const pods: SourcePod[] = [];
  const err = (doc: number, path: string, message: string): void => {
    issues.add({ severity: "error", code: "kind", file: file.path, doc, path, message });
  };
  const add = (doc: number, path: string, value: Record<string, unknown>): void => {
    pods.push({ file: file.path, doc, path, layer: file.layer, value, templated: hasTemplate(value) });
  };
  for (const { index, value } of docs) {
    if (value === null || value === undefined) continue; // an empty document, e.g. a trailing "---"
    if (!isRecord(value)) {
      err(index, "", "document must be a v1 Pod or v1 PodList mapping");
      continue;
    }
    const kind = value["kind"];
    if (kind === "PodList") {
      if (value["apiVersion"] !== "v1") {
        err(
          index,
          "apiVersion",
          `a PodList must have apiVersion "v1", got ${JSON.stringify(value["apiVersion"])}`,
        );
        continue;
      }
      const items = value["items"];
      if (!Array.isArray(items)) {
        err(index, "items", "a PodList needs an items list");
        continue;
      }
      if (items.length > MAX_DOCUMENTS) {
        err(
          index,
          "items",
          `a PodList of ${items.length.toLocaleString("en-US")} items; a file may define at most ${MAX_DOCUMENTS.toLocaleString("en-US")} pods, split it`,
        );
        continue;
      }
      items.forEach((item: unknown, i) => {
        const path = joinPath("items", i);
        if (!isRecord(item)) return err(index, path, "each PodList item must be a Pod mapping");
        // Items of a PodList usually omit apiVersion/kind; the served list carries them per item.
        add(index, path, { ...item, apiVersion: item["apiVersion"] ?? "v1", kind: item["kind"] ?? "Pod" });
      });
      continue;
    }
    if (kind === "Pod") {
      add(index, "", value);
      continue;
    }
    err(
      index,
      "kind",
      kind === undefined
        ? "kind is missing; every document must be a v1 Pod (kind: Pod) or a v1 PodList"
        : `kind ${JSON.stringify(kind)} is not served: only v1 Pod and v1 PodList documents are static pods (the kubelet rejects the whole response otherwise)`,
    );
  }
  return { pods, issues: issues.list() };
}
