// The one JSON error shape every endpoint answers with: {"error": {"code": "...", "message": "..."}}.
import type { ServerResponse } from "node:http";

/** Sends `status` with the JSON error body; `message` must never contain internals (stack traces, paths of the host). */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify({ error: { code, message } }) + "\n", "utf8");
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  res.setHeader("Cache-Control", "no-store");
  res.end(res.req?.method === "HEAD" ? undefined : body);
}
