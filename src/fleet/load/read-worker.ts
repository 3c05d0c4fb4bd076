// A reader thread: reads the files its pool sends (read-file.ts, the loader's own code), one at a time, and sends
// each answer in chunks as the pool asks for them.
import { parentPort } from "node:worker_threads";
import { AliasBudget } from "../../manifests/yaml.js";
import type { ManifestFile } from "../fleet-files.js";
import { encodeGraph, type GraphChunk } from "./read-codec.js";
import type { OffThreadRead } from "./read-file.js";
import { readFile } from "./read-file.js";
import type { ReaderJob, ReaderReply } from "./read-protocol.js";

/** The chunks of the answer being sent. */
let sending: { id: number; chunks: GraphChunk[]; next: number } | undefined;

function nextChunk(id: number): ReaderReply {
  if (sending?.id !== id) return { id, ok: false, range: false, message: "no answer to continue" };
  const chunk = sending.chunks[sending.next++]!;
  const more = sending.next < sending.chunks.length;
  if (!more) sending = undefined;
  return { id, ok: true, chunk, more };
}

function answer(job: ReaderJob): ReaderReply {
  if ("next" in job) return nextChunk(job.id);
  const { request } = job;
  const file: ManifestFile = {
    path: request.path,
    layer: request.layer,
    content: Buffer.from(request.content.buffer, request.content.byteOffset, request.content.byteLength),
  };
  const budget = request.aliases === undefined ? undefined : AliasBudget.from(request.aliases);
  try {
    const steps = readFile(
      file,
      request.minors,
      request.strict,
      budget === undefined ? {} : { aliasBudget: budget },
    );
    let step = steps.next();
    while (step.done !== true) step = steps.next();
    const read: OffThreadRead = { read: step.value, aliases: budget?.state() };
    sending = { id: job.id, chunks: encodeGraph(read), next: 0 };
    return nextChunk(job.id);
  } catch (e) {
    return {
      id: job.id,
      ok: false,
      range: e instanceof RangeError,
      message: e instanceof Error ? e.message : String(e),
    };
  }
}

parentPort?.on("message", (job: ReaderJob) => parentPort?.postMessage(answer(job)));
// Its code loaded: from now on, a failure of this thread is a failure of the file it reads.
parentPort?.postMessage({ ready: true });
