// POST /api/rollout/{pause,resume,promote,abort}: operator actions on the running rollout, each an event naming who
// (the admin token's name from the tokens file).
// Access: like every /api route, an admin token when tokens are on (the guard answers 401/403 first).
import express, { type Request } from "express";
import { HttpError } from "../lib/errors.js";
import { ACTION_KINDS, type ActionKind } from "../rollout/actions.js";
import type { Decision } from "../rollout/controller.js";
import type { RolloutSnapshot } from "../revisions/rollout-driver.js";
import type { Principal } from "./access/tokens.js";
import { parseBody } from "./http-error.js";

/** What the routes need of the rollout driver. */
export interface RolloutControl {
  snapshot(): Promise<RolloutSnapshot>;
  act(kind: ActionKind, by: string, note?: string): Promise<Decision>;
}

/** Who a request is, as access control found it: `tokens` false when no tokens file is in force. */
export interface ActorSource {
  tokens(): boolean;
  principalOf(req: Request): Principal | undefined;
}

/**
 * Who acts: the admin token's name when tokens are on (`anonymous` when they are off), and the optional `by` of the
 * JSON body as a note (at most 64 printable characters). The note is context only: it can never change the actor.
 */
function actor(req: Request, source: ActorSource): { by: string; note: string } {
  const body: unknown = req.body;
  const note =
    typeof body === "object" && body !== null && "by" in body && typeof body.by === "string"
      ? body.by
          .replace(/[^\x20-\x7e]/g, "")
          .trim()
          .slice(0, 64)
      : "";
  if (!source.tokens()) return { by: "anonymous", note };
  const p = source.principalOf(req);
  // The guard lets only admin tokens reach /api routes; this holds even if a route is mounted elsewhere.
  if (p?.kind !== "admin") throw new HttpError(403, "forbidden", "rollout actions need an admin token");
  return { by: p.name, note };
}

export function rolloutRouter(control: RolloutControl, source: ActorSource): express.Router {
  const router = express.Router();
  const json = parseBody(
    express.json({ limit: 4096, type: () => true }),
    () => new HttpError(400, "invalid-json", 'the body is not valid JSON; send {} or {"by": "your name"}'),
  );
  router.post("/api/rollout/:action", json, (req, res, next) => {
    const kind = String(req.params["action"]);
    if (!ACTION_KINDS.includes(kind as ActionKind))
      throw new HttpError(
        404,
        "not-found",
        `no rollout action "${kind.slice(0, 40)}"; use ${ACTION_KINDS.join(", ")}`,
      );
    const { by, note } = actor(req, source);
    control
      .act(kind as ActionKind, by, note)
      .then(async (d) => {
        const refused = d.refused[0];
        if (refused !== undefined) throw new HttpError(409, "action-refused", `${kind}: ${refused.reason}`);
        if (d.conflict)
          throw new HttpError(
            409,
            "conflict",
            `${kind}: another replica decided first; look again and retry`,
          );
        const { rollout } = await control.snapshot();
        res.status(200).type("application/json").set("Cache-Control", "no-cache");
        res.send(JSON.stringify({ rollout }, null, 2) + "\n");
      })
      .catch(next);
  });
  return router;
}
