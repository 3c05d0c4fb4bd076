// Test helper: a real HTTP server on port 0 whose answer each test sets, recording the requests it gets.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../src/lib/logger.js";

export interface Answer {
  status?: number;
  body?: string | Buffer;
  /** When set, a matching If-None-Match gets a 304. */
  etag?: string;
  /** Send the headers, then never finish the body. */
  hang?: boolean;
}

export interface UrlServer {
  url: string;
  answer(next: Answer): void;
  requests: { url: string; headers: IncomingHttpHeaders; rawHeaders: string[] }[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1:0; `close` ends hanging responses too. */
export async function startUrlServer(path = "/"): Promise<UrlServer> {
  let current: Answer = { status: 503, body: "not ready" };
  const requests: UrlServer["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders });
    const answer = current;
    if (answer.etag !== undefined) res.setHeader("ETag", answer.etag);
    if (answer.etag !== undefined && req.headers["if-none-match"] === answer.etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(answer.status ?? 200, { "Content-Type": "application/json" });
    if (answer.hang === true) {
      res.write(" ");
      return;
    }
    res.end(answer.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    answer: (next) => {
      current = next;
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A pino logger whose JSON lines are kept for assertions. */
export function captureLogger(): { logger: Logger; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  const logger = pino({ level: "debug", base: undefined }, stream);
  return {
    logger,
    entries: () =>
      lines.flatMap((l) =>
        l
          .split("\n")
          .filter((x) => x !== "")
          .map((x) => JSON.parse(x) as Record<string, unknown>),
      ),
  };
}
