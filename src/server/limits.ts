// Bounds on what a client may send: URL length, header size, body size, and how long it may take to send them.
import type { IncomingMessage, ServerOptions, ServerResponse } from "node:http";
import { HttpError } from "../lib/errors.js";
import { sendHttpError } from "./http-error.js";

export interface RequestLimits {
  /** Longest request target (path + query) in bytes; longer answers 414. */
  maxUrlBytes: number;
  /** Largest total of request headers; larger answers 431 (enforced by Node's parser). */
  maxHeaderBytes: number;
  /** Largest declared request body outside the webhook (which has its own limit); larger answers 413. */
  maxBodyBytes: number;
  /** Time allowed to send the headers (slow-loris bound). */
  headersTimeoutMs: number;
  /** Time allowed for a whole request. */
  requestTimeoutMs: number;
}

/** Defaults: generous for kubelets, agents, browsers and git hosts; tight enough that no client can hoard memory. */
export const DEFAULT_LIMITS: RequestLimits = {
  maxUrlBytes: 2048,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
};

/** Options for http/https `createServer` enforcing the header limit and the timeouts. */
export function serverLimitOptions(limits: RequestLimits = DEFAULT_LIMITS): ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  };
}

/**
 * Answers requests over the URL or declared body limit (414, 413) and returns true; returns false for the rest.
 * Runs before routing, so oversized input never reaches a lookup. The connection is closed after a 413 because
 * the body is not read.
 */
export function rejectOversized(
  req: IncomingMessage,
  res: ServerResponse,
  limits: RequestLimits = DEFAULT_LIMITS,
  bodyExempt: (path: string) => boolean = () => false,
): boolean {
  const url = req.url ?? "/";
  if (url.length > limits.maxUrlBytes) {
    sendHttpError(
      res,
      new HttpError(414, "uri-too-long", `request targets are limited to ${limits.maxUrlBytes} bytes`),
    );
    return true;
  }
  const length = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(length) && length > limits.maxBodyBytes && !bodyExempt(url.split("?")[0] ?? "")) {
    res.setHeader("Connection", "close");
    sendHttpError(
      res,
      new HttpError(413, "payload-too-large", `request bodies are limited to ${limits.maxBodyBytes} bytes`),
    );
    return true;
  }
  return false;
}
