// Bearer tokens per node (or node glob) and for admins, stored as SHA-256 digests; constant-time checks.
import { createHash, timingSafeEqual } from "node:crypto";
import { joinPath, type Issue } from "../../lib/issues.js";
import { isRecord } from "../../lib/json.js";
import { matchAdmin, parseAdminTokens, type AdminToken, type DigestReader } from "./admin-tokens.js";

/**
 * Who a request is. `admin` carries the token's name from the tokens file (what rollout events name as the actor);
 * `node` tokens read only their node's documents and post only their node's reports.
 */
export type Principal = { kind: "admin"; name: string } | { kind: "node"; pattern: string };

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; status: 401 | 403; code: string; message: string };

interface Entry {
  pattern: string;
  glob: RegExp | undefined;
  digests: Buffer[];
}

/** A parsed tokens file. Immutable: a reload builds a new one. */
export interface TokenTable {
  nodes: Entry[];
  exact: Map<string, Entry>;
  globs: Entry[];
  admin: AdminToken[];
  /** Every digest → principal, to tell "valid token for another node" (403) from "no valid token" (401). */
  known: Map<string, Principal>;
  /** Whether /metrics needs a token: "admin" (default: metrics name every node) or "open" when set explicitly. */
  metrics: "open" | "admin";
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[a-z0-9.-]*")
    .replace(/\?/g, "[a-z0-9.-]");
  return new RegExp(`^${body}$`);
}

/** sha256 of a token, as stored in the tokens file (`sha256:<hex>`). */
export function tokenDigest(token: string): string {
  return `sha256:${createHash("sha256").update(token, "utf8").digest("hex")}`;
}

/**
 * Parses the tokens file value (already read as YAML). Keys: `nodes` (node name or glob → digest or list of digests,
 * lists allow rotation), `admin` (token name → digest or list of digests; see parseAdminTokens), `metrics` ("open"
 * or "admin"). Every problem is reported; the table is returned when there are no errors (warnings may remain).
 */
export function parseTokenTable(value: unknown, file: string): { table?: TokenTable; issues: Issue[] } {
  const issues: Issue[] = [];
  const err = (path: string, message: string): void => {
    issues.push({ severity: "error", code: "tokens", file, path, message });
  };
  const table: TokenTable = {
    nodes: [],
    exact: new Map(),
    globs: [],
    admin: [],
    known: new Map(),
    metrics: "admin",
  };
  if (!isRecord(value)) {
    err("", "the tokens file must be a mapping with nodes and admin");
    return { issues };
  }
  for (const k of Object.keys(value))
    if (!["nodes", "admin", "metrics"].includes(k))
      err(k, `unknown field "${k}"; allowed: nodes, admin, metrics`);
  const digests: DigestReader = (v, path) => {
    const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : undefined;
    if (list === undefined || list.length === 0) {
      err(
        path,
        "expected sha256:<64 hex digits> or a list of them (hash a token with: printf %s TOKEN | sha256sum)",
      );
      return [];
    }
    const out: Buffer[] = [];
    list.forEach((d: unknown, i) => {
      const m = typeof d === "string" ? DIGEST.exec(d) : null;
      if (m?.[1] === undefined)
        err(
          Array.isArray(v) ? joinPath(path, i) : path,
          "expected sha256:<64 lowercase hex digits> (the digest, never the token itself)",
        );
      else out.push(Buffer.from(m[1], "hex"));
    });
    return out;
  };
  const nodes = value["nodes"];
  if (nodes !== undefined && nodes !== null) {
    if (!isRecord(nodes)) err("nodes", "nodes must map a node name or glob (edge-*) to a digest");
    else
      for (const [pattern, v] of Object.entries(nodes)) {
        if (!/^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/.test(pattern)) {
          err(
            joinPath("nodes", pattern),
            `"${pattern}" is not a lowercase node name or glob (letters, digits, '-', '.', '*', '?')`,
          );
          continue;
        }
        const entry: Entry = {
          pattern,
          glob: /[*?]/.test(pattern) ? globToRegExp(pattern) : undefined,
          digests: digests(v, joinPath("nodes", pattern)),
        };
        table.nodes.push(entry);
        if (entry.glob === undefined) table.exact.set(pattern, entry);
        else table.globs.push(entry);
        for (const d of entry.digests) table.known.set(d.toString("hex"), { kind: "node", pattern });
      }
  }
  const admin = value["admin"];
  if (admin !== undefined && admin !== null) {
    table.admin = parseAdminTokens(admin, digests, (path, message, severity = "error") =>
      issues.push({ severity, code: "tokens", file, path, message }),
    );
    for (const a of table.admin)
      for (const d of a.digests) table.known.set(d.toString("hex"), { kind: "admin", name: a.name });
  }
  const metrics = value["metrics"];
  if (metrics !== undefined && metrics !== "open" && metrics !== "admin")
    err("metrics", 'metrics must be "open" or "admin"');
  else if (metrics === "open") table.metrics = "open";
  return issues.some((i) => i.severity === "error") ? { issues } : { table, issues };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer[ \t]+([^\s]+)\s*$/i.exec(header);
  return m?.[1];
}

/** Compares against every candidate so the time does not depend on which one matched. */
function anyEqual(digest: Buffer, candidates: readonly Buffer[]): boolean {
  let found = false;
  for (const c of candidates) if (timingSafeEqual(digest, c)) found = true;
  return found;
}

const UNAUTHENTICATED: AuthResult = {
  ok: false,
  status: 401,
  code: "unauthenticated",
  message: "a valid bearer token is required (Authorization: Bearer <token>)",
};

/**
 * Checks a request's Authorization header. `node` set: the node's token (exact entry or a matching glob) or an admin token is
 * accepted; a valid token of another node gives 403. `node` undefined: only admin tokens are accepted.
 */
export function authorize(table: TokenTable, header: string | undefined, node?: string): AuthResult {
  const token = bearerToken(header);
  if (token === undefined || token.length > 4096) return UNAUTHENTICATED;
  const digest = createHash("sha256").update(token, "utf8").digest();
  const admin = matchAdmin(digest, table.admin);
  if (admin !== undefined) return { ok: true, principal: { kind: "admin", name: admin } };
  if (node !== undefined) {
    const candidates = [table.exact.get(node), ...table.globs.filter((g) => g.glob?.test(node) === true)];
    for (const entry of candidates)
      if (entry !== undefined && anyEqual(digest, entry.digests))
        return { ok: true, principal: { kind: "node", pattern: entry.pattern } };
  }
  // The digest of a secret token reveals nothing usable about it, so a map lookup here is safe.
  const known = table.known.get(digest.toString("hex"));
  if (known !== undefined)
    return {
      ok: false,
      status: 403,
      code: "forbidden",
      message:
        node === undefined ? "this endpoint needs an admin token" : `this token may not read node ${node}`,
    };
  return UNAUTHENTICATED;
}
