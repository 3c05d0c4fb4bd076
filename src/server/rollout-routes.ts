// POST /api/rollout/{pause,resume,promote,abort}: operator actions on the running rollout, each an event naming who.
// Access: like every /api route, an admin token when tokens are on (the guard answers 401/403 first).
import express, { type Request } from "express";
import { HttpError } from "../lib/errors.js";
import { ACTION_KINDS, type ActionKind } from "../rollout/actions.js";
import type { Decision } from "../rollout/controller.js";
import type { RolloutSnapshot } from "../revisions/rollout-driver.js";
import { parseBody } from "./http-error.js";

/** What the routes need of the rollout driver. */
export interface RolloutControl {
  snapshot(): Promise<RolloutSnapshot>;
  act(kind: ActionKind, by: string): Promise<Decision>;
}

/**
 * Who acts: the optional `by` of the JSON body (a person's name, at most 64 printable characters), after the kind of
 * credential (`admin`, or `anonymous` when tokens are off).
 */
function actor(req: Request, tokensOn: boolean): string {
  const body: unknown = req.body;
  const by =
    typeof body === "object" && body !== null && "by" in body && typeof body.by === "string"
      ? body.by.replace(/[^\x20-\x7e]/g, "").slice(0, 64)
      : "";
  const who = tokensOn ? "admin" : "anonymous";
  return by === "" ? who : `${by} (${who})`;
}

export function rolloutRouter(control: RolloutControl, tokensOn: () => boolean): express.Router {
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
    control
      .act(kind as ActionKind, actor(req, tokensOn()))
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
