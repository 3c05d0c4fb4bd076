// The last good response on disk (atomic, checksummed), so a node boots its pods while the server is unreachable.
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { ATOMIC_TEMP_PREFIX, sweepTempFiles, writeFileAtomic } from "../lib/atomic-file.js";
import { join } from "node:path";
import { isRecord, stringAt } from "../runtime/json.js";

const FORMAT = "manifest-agent-checkpoint/v1";
export const CHECKPOINT_FILE = "checkpoint.json";

/** A response the agent accepted: the exact body, where it came from and its ETag. */
export interface Checkpoint {
  url: string;
  body: string;
  etag?: string;
  /** ISO time it was saved; informational. */
  savedAt: string;
}

export type LoadResult = { checkpoint: Checkpoint } | { checkpoint?: undefined; warning?: string };

function digest(url: string, etag: string, body: string): string {
  return createHash("sha256")
    .update(JSON.stringify([url, etag, body]))
    .digest("hex");
}

/** Saves `checkpoint` to `<stateDir>/checkpoint.json` atomically with a sha256 checksum. Creates stateDir. */
export async function saveCheckpoint(stateDir: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const etag = checkpoint.etag ?? "";
  const record = {
    format: FORMAT,
    url: checkpoint.url,
    etag,
    savedAt: checkpoint.savedAt,
    sha256: digest(checkpoint.url, etag, checkpoint.body),
    body: checkpoint.body,
  };
  await writeFileAtomic(join(stateDir, CHECKPOINT_FILE), stateDir, JSON.stringify(record) + "\n");
}

/** Removes the temp files of saves a crash cut short (they hold whole bodies); returns their names. */
export async function sweepCheckpointTemps(stateDir: string): Promise<string[]> {
  return sweepTempFiles(stateDir, ATOMIC_TEMP_PREFIX);
}

/**
 * Reads `<stateDir>/checkpoint.json`. Returns the checkpoint, or no checkpoint with a `warning` when the file
 * is corrupt, truncated, of another format or fails its checksum (a missing file gives no warning). Never throws.
 */
export async function loadCheckpoint(stateDir: string): Promise<LoadResult> {
  const path = join(stateDir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    if (isRecord(cause) && cause.code === "ENOENT") return {};
    return { warning: `checkpoint ${path} cannot be read (${String(cause)}); ignoring it` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { warning: `checkpoint ${path} is corrupt or truncated (not JSON); ignoring it` };
  }
  if (!isRecord(value) || value.format !== FORMAT) {
    return { warning: `checkpoint ${path} has an unknown format; ignoring it` };
  }
  const url = stringAt(value, "url");
  const etag = stringAt(value, "etag");
  const body = stringAt(value, "body");
  const sum = stringAt(value, "sha256");
  const savedAt = stringAt(value, "savedAt") ?? "";
  if (url === undefined || etag === undefined || body === undefined || sum === undefined) {
    return { warning: `checkpoint ${path} is missing fields; ignoring it` };
  }
  if (digest(url, etag, body) !== sum) {
    return { warning: `checkpoint ${path} fails its sha256 checksum (corrupt); ignoring it` };
  }
  const checkpoint: Checkpoint = { url, body, savedAt };
  if (etag !== "") checkpoint.etag = etag;
  return { checkpoint };
}
