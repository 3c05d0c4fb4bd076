// YAML bodies nested deeper than the main thread can compose (MAX_YAML_DEPTH), read in a worker thread with a stack
// large enough for the kubelet's 10,000 levels, so the agent accepts and refuses exactly what the kubelet does.
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { KUBELET_MAX_DEPTH } from "../manifests/yaml-depth.js";
import {
  decodeResponse,
  excessiveAliasing,
  ResponseRejectedError,
  YAML_TOO_DEEP,
  type DecodedResponse,
  type DecodeOptions,
} from "./decode.js";
import type { YamlWorkerAnswer } from "./yaml-worker.js";

/** Stack of the worker: composing 10,000 levels of flow collections takes about 13 MB. */
const WORKER_STACK_MB = 64;

/** The worker's module: the `.ts` source when running from source (tests), else the built `.js` beside this file. */
function workerUrl(): URL {
  return new URL(`./yaml-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
}

function startWorker(body: string): Worker {
  const url = workerUrl();
  const options = { workerData: body, resourceLimits: { stackSizeMb: WORKER_STACK_MB } };
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  // Running from the TypeScript sources (the tests): a worker does not inherit the main thread's module hooks on
  // Node 20, so it loads the sources through tsx itself.
  const href = JSON.stringify(url.href);
  return new Worker(`import("tsx/esm/api").then((tsx) => tsx.tsImport(${href}, ${href}))`, {
    ...options,
    eval: true,
  });
}

/** Reads `body` (YAML) in a fresh worker thread; resolves with its JSON text or the reason it cannot be read. */
export function readDeepYaml(body: string): Promise<YamlWorkerAnswer> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(body);
    let answered = false;
    worker.once("message", (answer: YamlWorkerAnswer) => {
      answered = true;
      resolve(answer);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!answered) reject(new Error(`the YAML reader thread exited with code ${code} without an answer`));
    });
  });
}

/**
 * decodeResponse, except that a YAML body nested deeper than the main thread composes (MAX_YAML_DEPTH) is first read
 * to JSON in a worker thread, so bodies up to the kubelet's 10,000 levels are accepted and deeper ones refused, as
 * the kubelet does. Throws ResponseRejectedError like decodeResponse.
 */
export async function decodeBody(body: string, options: DecodeOptions): Promise<DecodedResponse> {
  try {
    return decodeResponse(body, options);
  } catch (e) {
    if (!(e instanceof ResponseRejectedError) || !e.issues.some((i) => i.code === YAML_TOO_DEEP)) throw e;
  }
  const answer = await readDeepYaml(body);
  if ("json" in answer) return decodeResponse(answer.json, options);
  if (answer.excessiveAliasing === true)
    throw new ResponseRejectedError(options.url, [excessiveAliasing(answer)]);
  const where = answer.line === undefined ? "" : ` (line ${answer.line}:${answer.column ?? 1})`;
  throw new ResponseRejectedError(options.url, [
    answer.tooDeep === undefined
      ? { severity: "error", code: "yaml-syntax", message: `the body is not valid YAML: ${answer.error}` }
      : {
          severity: "error",
          code: "max-depth",
          message:
            `the body nests YAML collections deeper than ${KUBELET_MAX_DEPTH.toLocaleString("en-US")} levels${where}; ` +
            'the kubelet refuses it ("exceeded max depth") and keeps its pods, and so does the agent',
        },
  ]);
}
