// One poll of the URL source: a conditional GET with the kubelet's limits (10 s including the body, < 10 MiB, only 200).
import { ManifestServerError } from "../lib/errors.js";
import { nodeHttpClient, type HttpClient, type HttpResponse } from "./http-client.js";
import { REVISION_HEADER } from "../protocol/headers.js";

/** The kubelet's `maxConfigLength`: a body of this many bytes or more is refused. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The kubelet's client timeout, covering the whole exchange including the body. */
export const POLL_TIMEOUT_MS = 10_000;

/** Why a poll failed. `code`: poll-network, poll-timeout, poll-status, poll-too-large, poll-aborted. */
export class PollError extends ManifestServerError {
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

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
      throw new PollError(
        "poll-too-large",
        `GET ${url}: the body reached ${maxBytes} bytes, the kubelet's limit`,
        {
          hint: "Split the node's pods or shrink them; the kubelet refuses bodies of 10 MiB or more too",
        },
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * GETs `url` once. Resolves `changed` with the body (UTF-8) for a 200, `unchanged` for a 304. Throws PollError
 * for anything else: network errors, other statuses, a timeout (10 s, body included), a body of `maxBytes`
 * (10 MiB) or more, or an abort through `signal`. Redirects are followed, as the kubelet's Go client does.
 */
export async function poll(request: PollRequest, client: HttpClient = nodeHttpClient): Promise<PollResult> {
  const timeoutMs = request.timeoutMs ?? POLL_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  const headers: Array<readonly [string, string]> = [...(request.headers ?? [])];
  const has = (name: string): boolean => headers.some(([k]) => k.toLowerCase() === name);
  if (!has("user-agent")) headers.push(["User-Agent", request.userAgent]);
  if (request.etag !== undefined) headers.push(["If-None-Match", request.etag]);
  const fail = (cause: unknown): PollError => {
    if (cause instanceof PollError) return cause;
    if (request.signal?.aborted === true)
      return new PollError("poll-aborted", `GET ${request.url}: aborted`, { cause });
    if (timeout.aborted) {
      return new PollError(
        "poll-timeout",
        `Request timed out after ${timeoutMs / 1000} s: GET ${request.url}`,
        {
          cause,
          hint: "The server must answer, body included, within the kubelet's 10 s",
        },
      );
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new PollError("poll-network", `GET ${request.url} failed: ${reason}`, { cause });
  };
  let response: HttpResponse;
  try {
    response = await client(request.url, { method: "GET", headers, signal, followRedirects: true });
  } catch (cause) {
    throw fail(cause);
  }
  if (response.status === 304) {
    response.discard();
    return { status: "unchanged" };
  }
  if (response.status !== 200) {
    response.discard();
    throw new PollError(
      "poll-status",
      `GET ${request.url}: ${response.status} ${response.statusText}`.trimEnd(),
      {
        hint: "Only a 200 changes anything; the agent keeps the pods it has",
      },
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readLimited(response, request.maxBytes ?? MAX_BODY_BYTES, request.url);
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
