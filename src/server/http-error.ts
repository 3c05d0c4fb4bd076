// The one mapping from an error to the JSON error answer, {"error": {"code": "...", "message": "..."}}, used by the
// Express app's error handler and by everything answered outside Express (the hot path, the request limits).
import type { ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import { HttpError } from "../lib/errors.js";

/** `err` as the HttpError to answer with: itself, a client error from a body parser (4xx), or a 500. */
export function httpErrorOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const status =
    typeof err === "object" && err !== null && "status" in err && typeof err.status === "number"
      ? err.status
      : 500;
  return status >= 500
    ? new HttpError(status, "internal", "internal error")
    : new HttpError(status, "bad-request", "bad request");
}

/**
 * Answers `err` (see httpErrorOf); `onInternal` is told about errors answered with a 5xx that were not an
 * HttpError (their details are logged, never sent).
 */
export function sendHttpError(res: ServerResponse, err: unknown, onInternal?: (err: unknown) => void): void {
  const answer = httpErrorOf(err);
  if (answer.status >= 500 && !(err instanceof HttpError)) onInternal?.(err);
  const body = Buffer.from(
    JSON.stringify({ error: { code: answer.code, message: answer.message, ...answer.details } }) + "\n",
    "utf8",
  );
  res.statusCode = answer.status;
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  res.setHeader("Cache-Control", "no-store");
  res.end(res.req?.method === "HEAD" ? undefined : body);
}

/**
 * Runs the body parser `parse`, passing its failures on as `mapError` gives them (an HttpError for the client's
 * mistakes; anything else is answered as httpErrorOf does).
 */
export function parseBody(parse: RequestHandler, mapError: (err: unknown) => unknown): RequestHandler {
  return (req, res, next) => {
    void parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) next();
      else next(mapError(err));
    });
  };
}
