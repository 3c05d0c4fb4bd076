// What a reader pool and its threads say to each other.
import type { AliasBudgetState } from "../../manifests/yaml.js";
import type { Layer } from "../fleet-files.js";
import type { GraphChunk } from "./read-codec.js";

/** A file to read, as sent to a reader thread. */
export interface SentRequest {
  path: string;
  layer: Layer;
  content: Uint8Array;
  minors: number[];
  strict: boolean;
  aliases: AliasBudgetState | undefined;
}

/** A file to read; or a request for the next chunk of the answer to job `id`. */
export type ReaderJob = { id: number; request: SentRequest } | { id: number; next: true };

/**
 * A reader thread's answer: the read (an OffThreadRead) encoded in chunks, sent one at a time as the pool asks for
 * them (`more` tells whether one follows), or what it threw.
 */
export type ReaderReply =
  | { id: number; ok: true; chunk: GraphChunk; more: boolean }
  | { id: number; ok: false; range: boolean; message: string };
