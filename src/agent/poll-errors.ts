// Why a poll failed: one error class per kind, each message naming the request (`Request timed out: GET <url>`).
import { ManifestServerError, messageOf } from "../lib/errors.js";

const KEEP = "A failed poll changes nothing; the agent keeps the pods it has";

/** Base class of every poll failure; `code` is stable for logs, `url` is the URL polled. */
export class PollError extends ManifestServerError {
  readonly url: string;
  constructor(code: string, url: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.url = url;
  }
}

/** The request could not be sent or the connection failed (DNS, refused, reset, TLS, bad URL, redirects). */
export class NetworkError extends PollError {
  constructor(url: string, cause: unknown) {
    super("poll-network", url, `Network error: GET ${url} failed: ${messageOf(cause)}`, {
      cause,
      hint: KEEP,
    });
  }
}

/** No complete answer within the timeout, body included. */
export class TimeoutError extends PollError {
  readonly timeoutMs: number;
  constructor(url: string, timeoutMs: number, cause?: unknown) {
    super("poll-timeout", url, `Request timed out after ${timeoutMs / 1000} s: GET ${url}`, {
      cause,
      hint: "The server must answer, body included, within the kubelet's 10 s",
    });
    this.timeoutMs = timeoutMs;
  }
}

/** The poll was cancelled through its signal (shutdown). */
export class AbortedError extends PollError {
  constructor(url: string, cause?: unknown) {
    super("poll-aborted", url, `Request aborted: GET ${url}`, { cause });
  }
}

/** An answer other than 200 or 304. */
export class HttpStatusError extends PollError {
  readonly status: number;
  constructor(url: string, status: number, statusText: string) {
    super("poll-status", url, `Request failed: GET ${url}: ${status} ${statusText}`.trimEnd(), {
      hint: "Only a 200 changes anything; the agent keeps the pods it has",
    });
    this.status = status;
  }
}

/** A 304 Not Modified although the agent sent no If-None-Match: nothing can be "not modified". */
export class UnexpectedNotModifiedError extends PollError {
  constructor(url: string) {
    super(
      "poll-unexpected-304",
      url,
      `Unexpected 304 Not Modified: GET ${url}: the agent sent no If-None-Match, so it has nothing to keep`,
      { hint: `A proxy or cache in front of the server answers 304 on its own; fix it. ${KEEP}` },
    );
  }
}

/** The body reached the kubelet's limit (10 MiB). */
export class BodyTooLargeError extends PollError {
  constructor(url: string, maxBytes: number) {
    super(
      "poll-too-large",
      url,
      `Response too large: GET ${url}: the body reached ${maxBytes} bytes, the kubelet's limit`,
      {
        hint: "Split the node's pods or shrink them; the kubelet refuses bodies of 10 MiB or more too",
      },
    );
  }
}

/**
 * A 200 whose body has neither Content-Length nor chunked framing: it ends when the connection closes, so a
 * cut connection would look like a complete (shorter) list of pods.
 */
export class UnframedBodyError extends PollError {
  constructor(url: string) {
    super(
      "poll-unframed",
      url,
      `Response not framed: GET ${url}: a 200 without Content-Length or chunked Transfer-Encoding ends when the ` +
        "connection closes, so a truncated body cannot be told from a complete one",
      { hint: `Serve the body with Content-Length or chunked encoding (every HTTP/1.1 server can). ${KEEP}` },
    );
  }
}
