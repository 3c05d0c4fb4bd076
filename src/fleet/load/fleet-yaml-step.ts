// Step 1: fleet.yaml read as YAML 1.1, reused whole when its bytes did not change.
import { messageOf } from "../../lib/errors.js";
import type { Issue } from "../../lib/issues.js";
import { countYamlDocuments } from "../../manifests/yaml.js";
import { FLEET_FILE } from "../fleet-config.js";
import { readFleetYaml, type FleetYamlCache } from "../fleet-yaml.js";
import { decodeUtf8 } from "../pod-sources.js";
import type { FleetYamlMemo } from "./load-memo.js";

/**
 * fleet.yaml read as YAML 1.1 (reusing the node entries of `previous` that did not change); null and an error
 * issue when it is not UTF-8, not YAML, or more than one document.
 */
function parseFleetYaml(
  content: Buffer,
  previous: FleetYamlCache | undefined,
): { value: unknown; issues: Issue[]; cache?: FleetYamlCache } {
  const fail = (code: string, message: string) => ({
    value: null,
    issues: [{ severity: "error" as const, code, file: FLEET_FILE, message }],
  });
  const text = decodeUtf8(content);
  if (text === undefined) return fail("encoding", "file is not valid UTF-8 text");
  try {
    const { value, cache } = readFleetYaml(text, previous);
    // Document markers sit at the start of a line; counting (a full parse) is only needed when one is there.
    const documents = /^(---|\.\.\.)/m.test(text) ? countYamlDocuments(text) : 1;
    if (documents > 1)
      return fail(
        "fleet-config",
        `fleet.yaml holds ${documents} YAML documents; write one mapping with nodes, groups and vars (remove the extra ---)`,
      );
    return { value, issues: [], cache };
  } catch (e) {
    return fail("yaml-syntax", messageOf(e));
  }
}

/** fleet.yaml of this revision (undefined when there is none): `before` itself when the bytes are the same. */
export function fleetYamlStep(
  content: Buffer | undefined,
  before: FleetYamlMemo | undefined,
): FleetYamlMemo | undefined {
  if (content === undefined) return undefined;
  if (before !== undefined && before.content.equals(content)) return before;
  return { content, ...parseFleetYaml(content, before?.cache) };
}
