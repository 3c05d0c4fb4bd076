// Admin tokens of the tokens file, each with a name: the actor that rollout events and logs show for its requests.
import { timingSafeEqual } from "node:crypto";
import { joinPath, type Severity } from "../../lib/issues.js";
import { isRecord } from "../../lib/json.js";

/** One named admin credential: its digests (a list allows rotation). */
export interface AdminToken {
  name: string;
  digests: Buffer[];
}

/** Reads one digest or a list of digests at `path`, reporting problems itself; [] when none is usable. */
export type DigestReader = (v: unknown, path: string) => Buffer[];

export type Report = (path: string, message: string, severity?: Severity) => void;

/** The name given to admin tokens of the old unnamed form (a bare list of digests). */
export const UNNAMED_ADMIN = "admin";

/** Longest admin token name, in characters. */
export const MAX_ADMIN_NAME = 64;

/** Why `name` cannot name an admin token, or undefined when it can. */
export function adminNameProblem(name: string): string | undefined {
  if (name === "") return "an admin token name must not be empty";
  if ([...name].length > MAX_ADMIN_NAME)
    return `an admin token name has at most ${MAX_ADMIN_NAME} characters (this one has ${[...name].length})`;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name))
    return "an admin token name must be printable (no control or invisible characters)";
  if (name.trim() !== name) return "an admin token name must not start or end with a space";
  return undefined;
}

/**
 * Parses the `admin` key: a mapping of token name → digest or list of digests (`admin: { alice: sha256:… }`), the
 * form `nodes` uses. Names are printable, at most 64 characters, unique ignoring case; one digest belongs to one
 * name. The old form, a digest or a list of digests without names, is still read, with a warning: its tokens are
 * all named "admin". Problems go to `report` with their path (`admin.alice`, `admin[0]`).
 */
export function parseAdminTokens(value: unknown, digests: DigestReader, report: Report): AdminToken[] {
  if (Array.isArray(value) && value.some(isRecord)) {
    report(
      "admin",
      "name admin tokens with a mapping, as for nodes: admin: { alice: sha256:…, ci-bot: sha256:… }",
    );
    return [];
  }
  if (typeof value === "string" || Array.isArray(value)) {
    report(
      "admin",
      `admin tokens without names: every admin action is recorded as "${UNNAMED_ADMIN}"; ` +
        "name each token (admin: { alice: sha256:…, ci-bot: [sha256:…, sha256:…] })",
      "warning",
    );
    return [{ name: UNNAMED_ADMIN, digests: digests(value, "admin") }];
  }
  if (!isRecord(value)) {
    report("admin", "admin must map a token name to a digest or a list of digests (alice: sha256:…)");
    return [];
  }
  const out: AdminToken[] = [];
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const [name, v] of Object.entries(value)) {
    const problem = adminNameProblem(name);
    // A bad name is shown escaped, so no control character reaches a log or a terminal.
    const path = joinPath("admin", problem === undefined ? name : JSON.stringify(name.slice(0, 80)));
    const same = names.get(name.toLowerCase());
    if (problem !== undefined) report(path, problem);
    else if (same !== undefined)
      report(
        path,
        `"${name}" is the name of another admin token ("${same}"); names are unique, ignoring case`,
      );
    names.set(name.toLowerCase(), name);
    const list = digests(v, path);
    for (const d of list) {
      const hex = d.toString("hex");
      const owner = owners.get(hex);
      if (owner !== undefined && owner !== name)
        report(path, `this digest is already the token of "${owner}": one token, one name`);
      owners.set(hex, name);
    }
    if (problem === undefined && same === undefined) out.push({ name, digests: list });
  }
  return out;
}

/** The name of the admin token whose digest is `digest`, or undefined; compares with every digest (constant time). */
export function matchAdmin(digest: Buffer, admins: readonly AdminToken[]): string | undefined {
  let found: string | undefined;
  for (const a of admins) for (const d of a.digests) if (timingSafeEqual(digest, d)) found ??= a.name;
  return found;
}
