// The node documents a rollout may serve besides the current revision's (what not yet switched or rolled-back nodes
// get), kept under the state folder so a restarted server serves them byte for byte without the old source.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic-file.js";
import { joined, type Pieces } from "../lib/shared-bytes.js";

/**
 * One node document as served: its revision, its ETag and its exact JSON bytes, as pieces (shared, where they are
 * the same, with the current revision's document of the node).
 */
export interface HeldDocument {
  revision: string;
  etag: string;
  json: Pieces;
}

const PACK = "documents.jsonl";

/** A file of documents by ETag, replaced whole (atomically) each time: one line per document. */
export class DocumentPack {
  constructor(private readonly dir: string) {}

  /** Every document stored, by ETag (an absent file: none). Lines that do not parse are skipped. */
  async read(): Promise<Map<string, HeldDocument>> {
    const docs = new Map<string, HeldDocument>();
    const text = await readFile(join(this.dir, PACK), "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return "";
      throw e;
    });
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        const v = JSON.parse(line) as { revision: string; etag: string; json: string };
        docs.set(v.etag, { revision: v.revision, etag: v.etag, json: [Buffer.from(v.json, "utf8")] });
      } catch {
        // A damaged line loses one document; the node is then served its current revision.
      }
    }
    return docs;
  }

  /** Replaces the stored documents by `docs` (durable once resolved). */
  async write(docs: Iterable<HeldDocument>): Promise<void> {
    const lines: string[] = [];
    for (const d of docs)
      lines.push(
        JSON.stringify({ revision: d.revision, etag: d.etag, json: joined(d.json).toString("utf8") }),
      );
    await writeFileAtomic(join(this.dir, PACK), this.dir, lines.join("\n") + (lines.length > 0 ? "\n" : ""));
  }
}
