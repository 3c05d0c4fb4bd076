// Access control wiring: the hot-path hook, one Express guard that classifies every route, and failure throttling.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "../../lib/logger.js";
import { isDns1123Subdomain } from "../../manifests/validate-names.js";
import { HttpError } from "../../lib/errors.js";
import type { DeniedRequest } from "../documents/node-lookup.js";
import { authorize, bearerToken, type Principal, type TokenTable } from "./tokens.js";

/** Which credential a path needs. `node`: that node's token (or a verified client certificate for it) or an admin token. */
export type RouteClass =
  { kind: "open" } | { kind: "admin" } | { kind: "metrics" } | { kind: "node"; node: string };

const OPEN = new Set(["/healthz", "/readyz"]);

/**
 * Classifies a request path (without the query) by the credential it needs. Unknown paths need admin, so a route
 * added later is never open by mistake. A `/nodes/{x}` segment that is not a node name needs admin too.
 */
export function classifyPath(method: string, rawPath: string): RouteClass {
  const path = rawPath.toLowerCase().replace(/\/+$/, "") || "/";
  if (OPEN.has(path)) return { kind: "open" };
  if (path === "/metrics") return { kind: "metrics" };
  // The webhook carries its own HMAC signature (see webhook.ts); only the delivery itself is exempt.
  if (path === "/hooks/git" && method === "POST") return { kind: "open" };
  const m = /^\/nodes\/([^/]+)(\/report)?$/.exec(path);
  if (m?.[1] !== undefined) {
    let node: string;
    try {
      node = decodeURIComponent(m[1]);
    } catch {
      return { kind: "admin" };
    }
    if (isDns1123Subdomain(node)) return { kind: "node", node };
  }
  return { kind: "admin" };
}

/** A token bucket per client address, spent only by failed authentications. */
export class FailureThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * `burst` failures are allowed at once, then `perSecond` more each second. Memory is bounded: at `maxClients`
   * addresses the full (idle) buckets are dropped, then the oldest.
   */
  constructor(
    private readonly burst = 20,
    private readonly perSecond = 1,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {}

  private refill(key: string): { tokens: number; at: number } | undefined {
    const b = this.buckets.get(key);
    if (b === undefined) return undefined;
    const t = this.now();
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    return b;
  }

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const b = this.refill(key);
    if (b === undefined || b.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /** Records one failed authentication from `key`. */
  fail(key: string): void {
    const b = this.refill(key);
    if (b !== undefined) {
      b.tokens = Math.max(0, b.tokens - 1);
      return;
    }
    if (this.buckets.size >= this.maxClients) this.prune();
    this.buckets.set(key, { tokens: this.burst - 1, at: this.now() });
  }

  private prune(): void {
    for (const key of [...this.buckets.keys()]) {
      const b = this.refill(key);
      if (b !== undefined && b.tokens >= this.burst) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxClients) break;
      this.buckets.delete(key);
    }
  }
}

export interface AuthOptions {
  /** The token table in force now (a reload swaps it); undefined leaves everything open. */
  table: () => TokenTable | undefined;
  logger: Logger;
  /** Overrides the tokens file's `metrics:` key. */
  metrics?: "open" | "admin";
  /** Accept a client certificate verified against --client-ca whose CN or DNS SAN is the node's name. */
  clientCerts?: boolean;
  throttle?: FailureThrottle;
}

const REALM = 'Bearer realm="manifest-server"';

function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}

function certNames(req: IncomingMessage): string[] {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== "function") return [];
  const cert = socket.getPeerCertificate();
  const names: string[] = [];
  const cn: unknown = cert.subject?.CN;
  if (typeof cn === "string") names.push(cn.toLowerCase());
  for (const part of (cert.subjectaltname ?? "").split(",")) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m?.[1] !== undefined) names.push(m[1].trim().toLowerCase());
  }
  return names;
}

/** The access checks of one server. Stateless apart from the throttle; the table is read on every request. */
export class Authenticator {
  private readonly throttle: FailureThrottle;
  /** Who each request allowed by a token is (what the guard found), for routes that record the actor. */
  private readonly principals = new WeakMap<IncomingMessage, Principal>();

  constructor(private readonly options: AuthOptions) {
    this.throttle = options.throttle ?? new FailureThrottle();
  }

  /** True when a tokens file is in force. */
  get enabled(): boolean {
    return this.options.table() !== undefined;
  }

  /** Decides one request of class `cls`: undefined to allow, else the error (401, 403 or 429) to answer with. */
  check(req: IncomingMessage, cls: RouteClass): DeniedRequest | undefined {
    const table = this.options.table();
    if (table === undefined || cls.kind === "open") return undefined;
    if (cls.kind === "metrics" && (this.options.metrics ?? table.metrics) === "open") return undefined;
    const key = clientKey(req);
    const node = cls.kind === "node" ? cls.node : undefined;
    if (node !== undefined && this.options.clientCerts === true && certNames(req).includes(node))
      return undefined;
    const header = req.headers.authorization;
    const result = authorize(table, header, node);
    // A valid credential is never throttled: the clients sharing an address with a guesser keep working.
    if (result.ok) {
      this.principals.set(req, result.principal);
      return undefined;
    }
    const wait = this.throttle.retryAfter(key);
    if (wait > 0)
      return {
        status: 429,
        code: "too-many-failures",
        message: `too many failed authentications from this address; retry in ${wait} s`,
        headers: { "Retry-After": String(wait) },
      };
    if (result.status === 401) this.throttle.fail(key);
    this.options.logger.warn(
      {
        remote: key,
        method: req.method,
        path: (req.url ?? "").split("?")[0]?.slice(0, 200),
        status: result.status,
      },
      result.status === 401 ? "authentication failed" : "access denied",
    );
    const challenge =
      result.status === 403
        ? `${REALM}, error="insufficient_scope"`
        : bearerToken(header) === undefined
          ? REALM
          : `${REALM}, error="invalid_token"`;
    return {
      status: result.status,
      code: result.code,
      message: result.message,
      headers: { "WWW-Authenticate": challenge },
    };
  }

  /**
   * Who `req` is, once `check` (or the guard) allowed it with a token: an admin token's name, a node token's
   * pattern. Undefined when no token was needed (tokens off, an open route) or a client certificate was used.
   */
  principalOf(req: IncomingMessage): Principal | undefined {
    return this.principals.get(req);
  }

  /** The hook for handleNodeDocument's `authorize`. */
  readonly nodeHook = (req: IncomingMessage, node: string): DeniedRequest | undefined =>
    this.check(req, { kind: "node", node });

  /** Express middleware guarding every route by its class (see classifyPath); mount it before the routes. */
  guard(): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      const denied = this.check(req, classifyPath(req.method, req.path));
      next(denied === undefined ? undefined : HttpError.from(denied));
    };
  }

  /** Middleware requiring `cls` whatever the path, for routers mounted elsewhere. */
  require(cls: RouteClass): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      const denied = this.check(req, cls);
      next(denied === undefined ? undefined : HttpError.from(denied));
    };
  }
}

/** The start-up warning when no tokens file is given; logged at warn level so it stands out. */
export function warnOpen(logger: Logger): void {
  logger.warn(
    { security: "open" },
    "NO --tokens-file: every node's pods (and /nodes, /status) are readable by anyone who can reach this server; " +
      "give each node a token with --tokens-file (see the README, Security)",
  );
}
