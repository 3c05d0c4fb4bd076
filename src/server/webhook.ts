// POST /hooks/git: a signed push notification triggers a git fetch and a load; the answer says what is served now.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../lib/logger.js";
import type { SyncOutcome } from "../revisions/git-sync.js";
import { HttpError } from "../lib/errors.js";
import { parseBody } from "./http-error.js";

/** Webhook bodies larger than this are refused with 413 (push payloads are far smaller). */
export const WEBHOOK_MAX_BODY = 1024 * 1024;

export type Verification =
  { ok: true; scheme: "github" | "gitea" | "gitlab" | "generic" } | { ok: false; reason: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function hmacMatches(secret: string, body: Buffer, given: string): boolean {
  const hex = given.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, "hex"));
}

function tokenMatches(secret: string, given: string): boolean {
  // Hashing both sides gives equal-length buffers, so the comparison time says nothing about the secret.
  const a = createHash("sha256").update(secret).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * Checks a webhook against `secret`: GitHub/Gitea `X-Hub-Signature-256: sha256=<hex>` (HMAC-SHA256 of the raw
 * body), Gitea's bare-hex `X-Gitea-Signature`, GitLab's `X-Gitlab-Token` (the secret itself) or a generic
 * `X-Signature: sha256=<hex>`. The first of these headers present decides; none present fails.
 */
export function verifyWebhook(headers: IncomingHttpHeaders, body: Buffer, secret: string): Verification {
  const hub = header(headers, "x-hub-signature-256");
  if (hub !== undefined)
    return hub.startsWith("sha256=") && hmacMatches(secret, body, hub.slice(7))
      ? { ok: true, scheme: "github" }
      : { ok: false, reason: "X-Hub-Signature-256 does not match the body" };
  const gitea = header(headers, "x-gitea-signature");
  if (gitea !== undefined)
    return hmacMatches(secret, body, gitea)
      ? { ok: true, scheme: "gitea" }
      : { ok: false, reason: "X-Gitea-Signature does not match the body" };
  const gitlab = header(headers, "x-gitlab-token");
  if (gitlab !== undefined)
    return tokenMatches(secret, gitlab)
      ? { ok: true, scheme: "gitlab" }
      : { ok: false, reason: "X-Gitlab-Token is wrong" };
  const generic = header(headers, "x-signature");
  if (generic !== undefined)
    return generic.startsWith("sha256=") && hmacMatches(secret, body, generic.slice(7))
      ? { ok: true, scheme: "generic" }
      : { ok: false, reason: "X-Signature does not match the body" };
  return {
    ok: false,
    reason:
      "no signature: send X-Hub-Signature-256, X-Gitlab-Token or X-Signature: sha256=<hmac of the body>",
  };
}

export interface WebhookDeps {
  /** Undefined disables the endpoint (403 saying how to enable it). */
  secret: string | undefined;
  sync: () => Promise<SyncOutcome>;
  logger: Logger;
  maxBodyBytes?: number;
}

/** The router for `POST /hooks/git`: 403 when disabled, 413 over the size limit, 401 on a bad signature. */
export function gitWebhookRouter(deps: WebhookDeps): express.Router {
  const router = express.Router();
  const limit = deps.maxBodyBytes ?? WEBHOOK_MAX_BODY;
  router.post(
    "/hooks/git",
    (_req: Request, _res: Response, next: NextFunction) => {
      if (deps.secret !== undefined) return next();
      throw new HttpError(
        403,
        "webhook-disabled",
        "the git webhook is disabled: start the server with --webhook-secret-file FILE (or MANIFEST_SERVER_WEBHOOK_SECRET_FILE) and configure the same secret in the repository's webhook",
      );
    },
    parseBody(express.raw({ type: () => true, limit }), (err) => {
      const status = typeof err === "object" && err !== null && "status" in err ? err.status : undefined;
      if (status === 413)
        return new HttpError(413, "payload-too-large", `webhook bodies are limited to ${limit} bytes`);
      if (typeof status === "number" && status >= 400 && status < 500)
        return new HttpError(400, "bad-request", "the webhook body could not be read");
      return err;
    }),
    (req: Request, res: Response, next: NextFunction) => {
      const secret = deps.secret ?? "";
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = verifyWebhook(req.headers, body, secret);
      if (!check.ok) {
        deps.logger.warn({ remote: req.socket.remoteAddress, reason: check.reason }, "webhook refused");
        throw new HttpError(401, "bad-signature", check.reason);
      }
      const event =
        header(req.headers, "x-github-event") ??
        header(req.headers, "x-gitea-event") ??
        header(req.headers, "x-gitlab-event");
      deps.sync().then((result) => {
        deps.logger.info({ scheme: check.scheme, event, ...result }, "webhook handled");
        res
          .status(result.outcome === "fetch-failed" ? 502 : 200)
          .type("application/json")
          .set("Cache-Control", "no-store")
          .send(JSON.stringify(result, null, 2) + "\n");
      }, next);
    },
  );
  return router;
}
