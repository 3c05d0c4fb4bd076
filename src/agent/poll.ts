// One poll of the URL source: a conditional GET with the kubelet's limits (10 s including the body, < 10 MiB, only 200).
import { clampDelay } from "../lib/timers.js";
import { nodeHttpClient, type HttpClient, type HttpResponse } from "./http-client.js";
import { REVISION_HEADER } from "../protocol/headers.js";
import {
  AbortedError,
  BodyTooLargeError,
  HttpStatusError,
  NetworkError,
  PollError,
  TimeoutError,
  UnexpectedNotModifiedError,
  UnframedBodyError,
} from "./poll-errors.js";

/** The kubelet's `maxConfigLength`: a body of this many bytes or more is refused. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The kubelet's client timeout, covering the whole exchange including the body. */
export const POLL_TIMEOUT_MS = 10_000;

export interface PollRequest {
  url: string;
  /** Extra headers in order; a key may repeat (values are appended, like the kubelet's `Header.Add`). */
  headers?: readonly (readonly [string, string])[];
  /** ETag of the last accepted body; sent as If-None-Match. */
  etag?: string;
  userAgent: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** Aborts the poll (shutdown). */
  signal?: AbortSignal;
}

export type PollResult =
  { status: "changed"; body: string; etag?: string; revision?: string } | { status: "unchanged" };

/** Parses `Key: Value` (or the kubelet's `key:value`) into a header pair; throws a plain Error when malformed. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":");
  const key = colon < 0 ? "" : text.slice(0, colon).trim();
  if (key === "" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
    throw new Error(`header "${text}" is not of the form 'Key: Value'`);
  }
  return [key, text.slice(colon + 1).trim()];
}

async function readLimited(response: HttpResponse, maxBytes: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total >= maxBytes) {
      response.discard();
      throw new BodyTooLargeError(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** True when the body's end is announced (Content-Length) or marked (chunked), so truncation is detected. */
function isFramed(response: HttpResponse): boolean {
  if (response.header("content-length") !== undefined) return true;
  return /(^|,)\s*chunked\s*$/i.test(response.header("transfer-encoding") ?? "");
}

/**
 * GETs `url` once. Resolves `changed` with the body (UTF-8) for a 200, `unchanged` for a 304 to an
 * If-None-Match. Throws a PollError subclass for anything else: NetworkError, HttpStatusError (another status),
 * UnexpectedNotModifiedError (a 304 although no ETag was sent), TimeoutError (10 s, body included),
 * BodyTooLargeError (`maxBytes`, 10 MiB, or more), UnframedBodyError (a 200 neither Content-Length-framed nor
 * chunked), AbortedError (through `signal`). Redirects are followed, as the kubelet's Go client does.
 */
export async function poll(request: PollRequest, client: HttpClient = nodeHttpClient): Promise<PollResult> {
  const { url } = request;
  const timeoutMs = request.timeoutMs ?? POLL_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(clampDelay(timeoutMs));
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  const headers: Array<readonly [string, string]> = [...(request.headers ?? [])];
  const has = (name: string): boolean => headers.some(([k]) => k.toLowerCase() === name);
  if (!has("user-agent")) headers.push(["User-Agent", request.userAgent]);
  if (request.etag !== undefined) headers.push(["If-None-Match", request.etag]);
  const fail = (cause: unknown): PollError => {
    if (cause instanceof PollError) return cause;
    if (request.signal?.aborted === true) return new AbortedError(url, cause);
    if (timeout.aborted) return new TimeoutError(url, timeoutMs, cause);
    return new NetworkError(url, cause);
  };
  let response: HttpResponse;
  try {
    response = await client(url, { method: "GET", headers, signal, followRedirects: true });
  } catch (cause) {
    throw fail(cause);
  }
  if (response.status === 304) {
    response.discard();
    if (request.etag === undefined) throw new UnexpectedNotModifiedError(url);
    return { status: "unchanged" };
  }
  if (response.status !== 200) {
    response.discard();
    throw new HttpStatusError(url, response.status, response.statusText);
  }
  if (!isFramed(response)) {
    response.discard();
    throw new UnframedBodyError(url);
  }
  let bytes: Buffer;
  try {
    bytes = await readLimited(response, request.maxBytes ?? MAX_BODY_BYTES, url);
  } catch (cause) {
    throw fail(cause);
  }
  const result: PollResult = { status: "changed", body: bytes.toString("utf8") };
  const etag = response.header("etag");
  if (etag !== undefined) result.etag = etag;
  const revision = response.header(REVISION_HEADER);
  if (revision !== undefined) result.revision = revision;
  return result;
}
