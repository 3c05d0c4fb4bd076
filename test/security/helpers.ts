// Test helpers for the security suites: a tokens file, raw HTTP over a socket, and a logger whose text is kept.
import { writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../src/lib/logger.js";
import { tokenDigest } from "../../src/server/access/tokens.js";

/**
 * The tokens every security test uses: one per control-plane node, one for the edge-* glob, and two admins named
 * `alice` (admin) and `ci-bot` (ciBot) in the tokens file.
 */
export const TOKENS = {
  cp1: "cp1-Zq8xN3v7Lk2Pw9Rt",
  cp2: "cp2-Hs4dF6gJ8kL1mN3b",
  edge: "edge-Vb5nM7qW2eR4tY6u",
  admin: "admin-Xc9zA1sD3fG5hJ7k",
  ciBot: "ci-bot-Pq3wE5rT7yU9iO1p",
} as const;

/** Writes a tokens file for TOKENS (plus `extra` YAML lines) into `dir`; resolves with its path. */
export async function writeTokensFile(dir: string, extra = ""): Promise<string> {
  const path = join(dir, "tokens.yaml");
  await writeFile(
    path,
    `nodes:
  cp-1: ${tokenDigest(TOKENS.cp1)}
  cp-2: ${tokenDigest(TOKENS.cp2)}
  "edge-*": ${tokenDigest(TOKENS.edge)}
admin:
  alice: ${tokenDigest(TOKENS.admin)}
  ci-bot: ${tokenDigest(TOKENS.ciBot)}
${extra}`,
  );
  return path;
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** A pino logger at debug level whose output text is kept for assertions. */
export function textLogger(): { logger: Logger; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString("utf8");
      cb();
    },
  });
  return { logger: pino({ level: "debug", base: undefined }, stream), text: () => text };
}

/** Sends `raw` bytes to `url`'s host and port and resolves with everything the server sent until it closed. */
export function rawRequest(url: string, raw: string | Buffer, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let out = "";
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(out);
    });
    socket.on("data", (c: Buffer) => {
      out += c.toString("latin1");
    });
    socket.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? resolve(out) : reject(e)));
    socket.on("close", () => resolve(out));
    socket.write(raw);
  });
}

/** The status code of a raw HTTP response text, or 0 when there is none. */
export function rawStatus(response: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}
