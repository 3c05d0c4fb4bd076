// The security profile fields shared by pod and container security contexts: seccompProfile, appArmorProfile, windowsOptions.
import { subdomainProblem } from "../validate-names.js";
import { IssueSink, isRecord, pathOf, stringAt } from "../validate-walk.js";
import { checkOneOf } from "./pod-parts.js";

const PROFILE_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"];
const MAX_LOCALHOST_PROFILE = 4095;
const MAX_GMSA_SPEC_BYTES = 64 * 1024;
const MAX_USER_DOMAIN = 256;
const MAX_USER_NAME = 104;
const NETBIOS_DOMAIN = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/;
const DNS_DOMAIN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
// eslint-disable-next-line no-control-regex -- Go's [[:cntrl:]]
const CONTROL_CHARS = /[\x00-\x1f\x7f]/;
const BAD_USER_CHARS = /["/\\:;|=,+*?<>@[\]]/;

/** Why `p` is not a relative path without `..` elements (seccomp localhost profiles, their annotations), or undefined. */
export function localDescendingPathProblem(p: string): string | undefined {
  if (p.startsWith("/")) return "must be a relative path";
  if (p.split("/").includes("..")) return "must not contain '..'";
  return undefined;
}

interface ProfileKind {
  /** "seccomp" or "AppArmor", as the kubelet's messages name it. */
  what: string;
  field: string;
  hint: string;
  /** seccomp refuses localhostProfile beside any other type; AppArmor only beside RuntimeDefault and Unconfined. */
  anyTypeRefusesLocal: boolean;
  checkLocal: (local: string, at: string, sink: IssueSink) => void;
}

/** The type and localhostProfile rules seccompProfile and appArmorProfile share. */
function checkProfile(profile: unknown, path: string, kind: ProfileKind, sink: IssueSink): void {
  if (!isRecord(profile)) return;
  const type = stringAt(profile, "type") ?? "";
  if (type === "") {
    sink.error(pathOf(path, "type"), "required", `type is required when ${kind.field} is set: RuntimeDefault, Localhost or Unconfined`);
  } else checkOneOf(profile, "type", PROFILE_TYPES, path, sink);
  const local = profile["localhostProfile"];
  const at = pathOf(path, "localhostProfile");
  const hasLocal = local !== undefined && local !== null;
  if (type === "Localhost") {
    if (!hasLocal) sink.error(at, "required", `must be set when ${kind.what} type is Localhost: ${kind.hint}`);
    else if (typeof local === "string") kind.checkLocal(local, at, sink);
  } else if (hasLocal && (kind.anyTypeRefusesLocal || PROFILE_TYPES.includes(type))) {
    sink.error(at, "invalid-profile", `can only be set when ${kind.what} type is Localhost: remove localhostProfile or set type: Localhost`);
  }
}

const SECCOMP: ProfileKind = {
  what: "seccomp",
  field: "seccompProfile",
  hint: "the profile's path relative to the kubelet's seccomp directory",
  anyTypeRefusesLocal: true,
  checkLocal: (local, at, sink) => {
    const problem = localDescendingPathProblem(local);
    if (problem !== undefined) sink.error(at, "invalid-profile", `"${local}": ${problem} (relative to the kubelet's seccomp directory)`);
  },
};

const APPARMOR: ProfileKind = {
  what: "AppArmor",
  field: "appArmorProfile",
  hint: "the name of a profile loaded on the node",
  anyTypeRefusesLocal: false,
  checkLocal: (local, at, sink) => {
    if (local.trim() !== local) sink.error(at, "invalid-profile", `"${local}": must not be padded with whitespace`);
    else if (local === "") sink.error(at, "required", `must be set when AppArmor type is Localhost: ${APPARMOR.hint}`);
    if (local.length > MAX_LOCALHOST_PROFILE) sink.error(at, "invalid-profile", `must have at most ${MAX_LOCALHOST_PROFILE} bytes`);
  },
};

/** Checks a seccompProfile (pod or container) as validateSeccompProfileField does. */
export function checkSeccompProfile(profile: unknown, path: string, sink: IssueSink): void {
  checkProfile(profile, path, SECCOMP, sink);
}

/** Checks an appArmorProfile (pod or container) as ValidateAppArmorProfileField does. */
export function checkAppArmorProfile(profile: unknown, path: string, sink: IssueSink): void {
  checkProfile(profile, path, APPARMOR, sink);
}

function runAsUserNameProblem(name: string): string | undefined {
  if (name === "") return "runAsUserName cannot be an empty string";
  if (CONTROL_CHARS.test(name)) return "runAsUserName cannot contain control characters";
  const parts = name.split("\\");
  if (parts.length > 2) return "runAsUserName cannot contain more than one backslash";
  const [domain, user] = parts.length === 2 ? [parts[0] ?? "", parts[1] ?? ""] : ["", parts[0] ?? ""];
  if (domain.length >= MAX_USER_DOMAIN) return `runAsUserName's Domain length must be under ${MAX_USER_DOMAIN} characters`;
  if (parts.length === 2 && !NETBIOS_DOMAIN.test(domain) && !DNS_DOMAIN.test(domain)) {
    return "runAsUserName's Domain doesn't match the NetBios nor the DNS format";
  }
  if (user === "") return "runAsUserName's User cannot be empty";
  if (user.length > MAX_USER_NAME) return `runAsUserName's User length must not be longer than ${MAX_USER_NAME} characters`;
  if (/^[. ]+$/.test(user)) return "runAsUserName's User cannot contain only periods or spaces";
  if (BAD_USER_CHARS.test(user)) return `runAsUserName's User cannot contain the following characters: "/\\:;|=,+*?<>@[]`;
  return undefined;
}

/** Checks windowsOptions (pod or container) as validateWindowsSecurityContextOptions does. */
export function checkWindowsOptions(options: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(options)) return;
  const specName = stringAt(options, "gmsaCredentialSpecName");
  if (specName !== undefined) {
    const problem = subdomainProblem(specName);
    if (problem !== undefined) {
      sink.error(pathOf(path, "gmsaCredentialSpecName"), "invalid-windows-options", `"${specName}": ${problem} (the name of a GMSACredentialSpec resource)`);
    }
  }
  const spec = stringAt(options, "gmsaCredentialSpec");
  if (spec === "") sink.error(pathOf(path, "gmsaCredentialSpec"), "invalid-windows-options", "gmsaCredentialSpec cannot be an empty string");
  else if (spec !== undefined && Buffer.byteLength(spec) > MAX_GMSA_SPEC_BYTES) {
    sink.error(pathOf(path, "gmsaCredentialSpec"), "invalid-windows-options", "gmsaCredentialSpec size must be under 64 KiB");
  }
  const userName = stringAt(options, "runAsUserName");
  if (userName !== undefined) {
    const problem = runAsUserNameProblem(userName);
    if (problem !== undefined) sink.error(pathOf(path, "runAsUserName"), "invalid-windows-options", `"${userName}": ${problem}`);
  }
}

