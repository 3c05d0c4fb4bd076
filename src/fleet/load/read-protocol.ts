// What a reader pool and its threads say to each other.
import type { ExactInteger } from "../../lib/exact-integer.js";
import type { AliasBudgetState } from "../../manifests/yaml.js";
import type { Layer } from "../fleet-files.js";
import type { FileRead } from "./read-file.js";

/** A file to read, as sent to a reader thread. */
export interface ReaderJob {
  id: number;
  request: {
    path: string;
    layer: Layer;
    content: Uint8Array;
    minors: number[];
    strict: boolean;
    aliases: AliasBudgetState | undefined;
  };
}

/**
 * A reader thread's answer. `exact` lists every ExactInteger in the read: the copy between threads keeps shared
 * objects shared but not classes, so the pool gives those objects their class back.
 */
export type ReaderReply =
  | { id: number; ok: true; read: FileRead; aliases: AliasBudgetState | undefined; exact: ExactInteger[] }
  | { id: number; ok: false; range: boolean; message: string };
