// A reader thread: reads the files its pool sends (read-file.ts, the loader's own code), one at a time.
import { parentPort } from "node:worker_threads";
import { ExactInteger } from "../../lib/exact-integer.js";
import { AliasBudget } from "../../manifests/yaml.js";
import type { ManifestFile } from "../fleet-files.js";
import type { SourcePod } from "../pod-sources.js";
import type { ReaderJob, ReaderReply } from "./read-protocol.js";
import { readFile } from "./read-file.js";

/** Every ExactInteger in the pods' values, once each (the pool restores their class after the copy). */
function exactIntegersOf(pods: readonly SourcePod[]): ExactInteger[] {
  const found = new Set<ExactInteger>();
  const seen = new Set<object>();
  const stack: unknown[] = pods.map((p) => p.value);
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof ExactInteger) found.add(v);
    // One push per element: a spread of a list of 100,000s of items would overflow the call stack.
    else
      for (const child of Array.isArray(v) ? (v as unknown[]) : Object.values(v as Record<string, unknown>))
        stack.push(child);
  }
  return [...found];
}

function answer(job: ReaderJob): ReaderReply {
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
    for (;;) {
      const step = steps.next();
      if (step.done === true)
        return {
          id: job.id,
          ok: true,
          read: step.value,
          aliases: budget?.state(),
          exact: exactIntegersOf(step.value.pods),
        };
    }
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
