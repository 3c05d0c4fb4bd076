// A small HTTP client on node:http/https for the agent: what the kubelet's Go client does, at a fraction of fetch's memory.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { createGunzip } from "node:zlib";

export interface HttpRequestInit {
  method: "GET" | "POST";
  /** In order; a key may repeat (its values are all sent, like Go's `Header.Add`). */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: string;
  signal: AbortSignal;
  /** Follow up to 10 redirects as Go's client does (true for polls), or return 3xx answers as they are. */
  followRedirects: boolean;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** A response header (the first value when repeated), or undefined. */
  header(name: string): string | undefined;
  /** The body, streamed. */
  body: AsyncIterable<Buffer>;
  /** Drops the rest of the body and the connection. */
  discard(): void;
}

export type HttpClient = (url: string, init: HttpRequestInit) => Promise<HttpResponse>;

const MAX_REDIRECTS = 10;
/** Dropped when a redirect leaves the original host, as Go's client does. */
const SENSITIVE = new Set(["authorization", "cookie", "www-authenticate"]);

function groupHeaders(headers: ReadonlyArray<readonly [string, string]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const names = new Map<string, string>();
  for (const [key, value] of headers) {
    const name = names.get(key.toLowerCase()) ?? key;
    names.set(key.toLowerCase(), name);
    (out[name] ??= []).push(value);
  }
  return out;
}

function once(
  url: URL,
  init: HttpRequestInit,
  headers: ReadonlyArray<readonly [string, string]>,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      reject(new Error(`unsupported protocol ${url.protocol}`));
      return;
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: init.method, headers: groupHeaders(headers), signal: init.signal });
    req.once("response", resolve);
    req.once("error", reject);
    req.end(init.body);
  });
}

/** Sends one request with node:http or node:https; rejects on network errors, aborts and redirect loops. */
export const nodeHttpClient: HttpClient = async (url, init) => {
  let target = new URL(url);
  // Like Go's transport: ask for gzip unless the caller chose an encoding, and then decode it transparently.
  const gunzip = !init.headers.some(([k]) => k.toLowerCase() === "accept-encoding");
  let headers: ReadonlyArray<readonly [string, string]> = gunzip
    ? [...init.headers, ["Accept-Encoding", "gzip"]]
    : init.headers;
  for (let redirects = 0; ; redirects++) {
    const res = await once(target, init, headers);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (init.followRedirects && [301, 302, 303, 307, 308].includes(status) && location !== undefined) {
      res.resume();
      if (redirects >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, target);
      if (next.host !== target.host) headers = headers.filter(([k]) => !SENSITIVE.has(k.toLowerCase()));
      target = next;
      continue;
    }
    const body = gunzip && res.headers["content-encoding"] === "gzip" ? res.pipe(createGunzip()) : res;
    if (body !== res) res.once("error", (e) => body.destroy(e));
    return {
      status,
      statusText: res.statusMessage ?? "",
      header(name) {
        const v = res.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      },
      body,
      discard() {
        body.destroy();
        res.destroy();
      },
    };
  }
};
