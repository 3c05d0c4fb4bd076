// Environment: env var names (strict or relaxed by kubelet version), valueFrom sources, envFrom prefixes and sources.
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkSubdomain, containersOf, type ContainerAt } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";
import { ENV_FIELD_PATHS, checkFieldRef, checkResourceFieldRef } from "./volume-downward-api.js";

/** RelaxedEnvironmentVariableValidation (any printable ASCII but '=') is on by default from v1.32. */
const RELAXED_ENV_MINOR = 32;
/** EnvFiles (valueFrom.fileKeyRef): the field exists from v1.34 and is on by default from v1.35. */
const ENV_FILES_FIELD_MINOR = 34;
const ENV_FILES_MINOR = 35;
const STRICT_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const RELAXED_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;
const STRICT_MESSAGE =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const RELAXED_MESSAGE = "a valid environment variable name must consist only of printable ASCII characters other than '='";
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Why `name` is not an env var name for this kubelet version, or undefined. */
export function envNameProblem(name: string, minor: number): string | undefined {
  if (minor >= RELAXED_ENV_MINOR) return RELAXED_NAME.test(name) ? undefined : RELAXED_MESSAGE;
  if (STRICT_NAME.test(name)) return name.startsWith("..") || name === "." ? "must not be '.' or '..', nor start with '..'" : undefined;
  const relaxedHint = RELAXED_NAME.test(name) ? ` (kubelets from v1.32 accept it; this node runs v1.${minor})` : "";
  return STRICT_MESSAGE + relaxedHint;
}

function checkKeySelector(ref: Record<string, unknown>, at: string, sink: IssueSink): void {
  // An empty name is no API reference (the static-pod ban skips it) but is still not a valid object name.
  checkSubdomain(stringAt(ref, "name") ?? "", pathOf(at, "name"), "name", sink);
  const key = stringAt(ref, "key") ?? "";
  if (key === "") sink.error(pathOf(at, "key"), "required", "Required value: key is required");
  else if (key.length > 253 || !CONFIG_MAP_KEY.test(key) || key === "." || key.startsWith("..")) {
    sink.error(pathOf(at, "key"), "invalid-env", `"${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (at most 253, not '.' and not starting with '..')`);
  }
}

function checkFileKeyRef(ref: Record<string, unknown>, at: string, ctx: RuleContext, sink: IssueSink): void {
  if (ctx.minor < ENV_FILES_MINOR) {
    sink.warning(at, "needs-newer-kubelet", `fileKeyRef needs the EnvFiles feature gate, on by default from v1.35: this node's v1.${ctx.minor} kubelet does not set the variable unless the gate is enabled`);
  }
  for (const key of ["volumeName", "path", "key"]) {
    if ((stringAt(ref, key) ?? "") === "") sink.error(pathOf(at, key), "required", `Required value: fileKeyRef.${key} is required`);
  }
}

function checkValueFrom(env: Record<string, unknown>, at: string, ctx: RuleContext, sink: IssueSink): void {
  const from = recordAt(env, "valueFrom");
  if (from === undefined) return;
  const path = pathOf(at, "valueFrom");
  // fileKeyRef is unknown to kubelets before v1.34, which drop it when decoding.
  const kinds = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", ...(ctx.minor >= ENV_FILES_FIELD_MINOR ? ["fileKeyRef"] : [])];
  const sources = kinds.filter((k) => isRecord(from[k]));
  const fileRef = recordAt(from, "fileKeyRef");
  if (fileRef !== undefined && ctx.minor >= ENV_FILES_FIELD_MINOR) checkFileKeyRef(fileRef, pathOf(path, "fileKeyRef"), ctx, sink);
  const fieldRef = recordAt(from, "fieldRef");
  if (fieldRef !== undefined) checkFieldRef(fieldRef, pathOf(path, "fieldRef"), ENV_FIELD_PATHS, sink);
  const resourceRef = recordAt(from, "resourceFieldRef");
  if (resourceRef !== undefined) checkResourceFieldRef(resourceRef, pathOf(path, "resourceFieldRef"), false, sink);
  for (const key of ["configMapKeyRef", "secretKeyRef"]) {
    const ref = recordAt(from, key);
    if (ref !== undefined) checkKeySelector(ref, pathOf(path, key), sink);
  }
  if (sources.length === 0) {
    sink.error(path, "invalid-env", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
  } else if ((stringAt(env, "value") ?? "") !== "") {
    sink.error(path, "invalid-env", "may not be specified when `value` is not empty: keep value or valueFrom");
  } else if (sources.length > 1) {
    sink.error(path, "invalid-env", `may not have more than one field specified at a time (found ${sources.join(", ")})`);
  }
}

function checkContainerEnv(c: ContainerAt, ctx: RuleContext, sink: IssueSink): void {
  arrayAt(c.container, "env").forEach((env, j) => {
    if (!isRecord(env)) return;
    const at = pathOf(c.path, "env", j);
    const name = stringAt(env, "name") ?? "";
    if (name === "") sink.error(pathOf(at, "name"), "required", "Required value: env var name is required");
    else {
      const problem = envNameProblem(name, ctx.minor);
      if (problem !== undefined) sink.error(pathOf(at, "name"), "invalid-env", `"${name}": ${problem}`);
    }
    checkValueFrom(env, at, ctx, sink);
  });
  const envFromPath = pathOf(c.path, "envFrom");
  arrayAt(c.container, "envFrom").forEach((source, j) => {
    if (!isRecord(source)) return;
    const at = pathOf(envFromPath, j);
    const prefix = stringAt(source, "prefix") ?? "";
    const problem = prefix === "" ? undefined : envNameProblem(prefix, ctx.minor);
    if (problem !== undefined) sink.error(pathOf(at, "prefix"), "invalid-env", `"${prefix}": ${problem}`);
    const refs = ["configMapRef", "secretRef"].filter((k) => isRecord(source[k]));
    for (const key of refs) {
      if ((stringAt(source[key], "name") ?? "") === "") sink.error(pathOf(at, key, "name"), "required", "Required value: name is required");
    }
    // The kubelet reports these under the list path, not the item.
    if (refs.length === 0) sink.error(envFromPath, "invalid-env", `envFrom[${j}]: must specify one of: \`configMapRef\` or \`secretRef\``);
    if (refs.length > 1) sink.error(envFromPath, "invalid-env", `envFrom[${j}]: may not have more than one field specified at a time`);
  });
}

/** env and envFrom of every container. */
export const envRule: PodRule = (pod, base, ctx, sink) => {
  for (const c of containersOf(recordAt(pod, "spec"), pathOf(base, "spec"))) checkContainerEnv(c, ctx, sink);
};
