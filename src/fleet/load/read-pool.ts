// A bounded pool of reader threads: large manifest files are read away from the event loop, each thread under a heap
// limit, so a hostile file stops its thread (an error of that file), never the server.
import { availableParallelism } from "node:os";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { ManifestFile } from "../fleet-files.js";
import { GraphReader } from "./read-codec.js";
import type { FileReader, OffThreadRead, ReadRequest } from "./read-file.js";
import type { ReaderJob, ReaderReply, SentRequest } from "./read-protocol.js";

/** How a pool reads. */
export interface ReadPoolOptions {
  /** Threads at most; default one, two on machines of 4 CPUs or more. */
  size?: number;
  /** Heap limit of each thread in MiB (default 2,048): a read needing more is an error of its file. */
  maxHeapMb?: number;
  /**
   * Files of fewer bytes are read inline (default 16 KiB): below it a read costs a few milliseconds, about what
   * the trip to a thread and back costs (bench/read-threshold.ts).
   */
  inlineBelow?: number;
  /** A thread idle this long is stopped, returning its memory (default 30 s). */
  idleMs?: number;
  /** A read taking longer is an error of its file (default 5 minutes). */
  timeoutMs?: number;
  /** Starts a reader thread (default: read-worker.ts, compiled or through tsx); for tests. */
  start?: (resourceLimits: ResourceLimits) => Worker;
}

interface Job {
  id: number;
  file: ManifestFile;
  request: SentRequest;
  resolve: (read: OffThreadRead | undefined) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Reader {
  worker: Worker;
  job: Job | undefined;
  idle: NodeJS.Timeout | undefined;
  /** The answer to `job` being rebuilt, chunk by chunk. */
  decoding?: GraphReader | undefined;
  /** Whether the thread has loaded its code and listens. */
  ready: boolean;
}

/** Starts a reader thread: the compiled read-worker.js, or from the TypeScript sources through tsx. */
function startReaderThread(resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  if (here.endsWith(".ts"))
    return new Worker(new URL("./read-worker-source.mjs", here), {
      workerData: { entry: new URL("./read-worker.ts", here).href },
      resourceLimits,
    });
  return new Worker(new URL("./read-worker.js", here), { resourceLimits });
}

/**
 * Reads large files in at most `size` threads (queued beyond), each under a heap limit; the result is exactly the
 * inline read's. A thread that runs out of memory, crashes or overruns the time limit is replaced, and its file's
 * read rejects naming the cause. A thread that cannot even start (its code missing) is no fault of any file: that
 * read and every later one resolve with nothing (read inline), and `unavailable` says why. Idle threads do not keep
 * the process alive.
 */
export class ReadPool implements FileReader {
  readonly size: number;
  readonly maxHeapMb: number;
  readonly inlineBelow: number;
  private readonly idleMs: number;
  private readonly timeoutMs: number;
  private readonly start: (resourceLimits: ResourceLimits) => Worker;
  private readonly readers = new Set<Reader>();
  private broken: string | undefined;
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(options: ReadPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? (availableParallelism() >= 4 ? 2 : 1));
    this.maxHeapMb = options.maxHeapMb ?? 2048;
    this.inlineBelow = options.inlineBelow ?? 16 * 1024;
    this.idleMs = options.idleMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.start = options.start ?? startReaderThread;
  }

  /** Why reader threads cannot start here (every file is then read inline); undefined while they can. */
  get unavailable(): string | undefined {
    return this.broken;
  }

  read(request: ReadRequest): Promise<OffThreadRead | undefined> {
    const { file } = request;
    if (file.content.length < this.inlineBelow || this.broken !== undefined)
      return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const { path, layer, content } = file;
      const { minors, strict, aliases } = request;
      const sent = { path, layer, content, minors, strict, aliases };
      this.queue.push({ id: this.nextId++, file, request: sent, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; reads in progress or queued reject. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new Error("the reader pool was closed"));
    await Promise.all([...this.readers].map((r) => this.fail(r, "the reader pool was closed")));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let reader = [...this.readers].find((r) => r.job === undefined);
      if (reader === undefined) {
        if (this.readers.size >= this.size) return;
        reader = this.spawn();
      }
      const job = this.queue.shift()!;
      clearTimeout(reader.idle);
      reader.job = job;
      reader.worker.ref();
      const busy = reader;
      job.timer = setTimeout(
        () => void this.fail(busy, `reading it took longer than ${Math.round(this.timeoutMs / 1000)} s`),
        this.timeoutMs,
      );
      reader.worker.postMessage({ id: job.id, request: job.request } satisfies ReaderJob);
    }
  }

  private spawn(): Reader {
    const worker = this.start({ maxOldGenerationSizeMb: this.maxHeapMb });
    const reader: Reader = { worker, job: undefined, idle: undefined, ready: false };
    worker.on("message", (reply: ReaderReply | { ready: true }) => {
      if ("ready" in reply) reader.ready = true;
      else this.settle(reader, reply);
    });
    worker.on("error", (e: Error & { code?: string }) => {
      const message =
        e.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `reading it needs more than ${this.maxHeapMb.toLocaleString("en-US")} MiB of memory`
          : `its reader stopped: ${e.message}`;
      void this.fail(reader, message);
    });
    worker.on("exit", (code) => void this.fail(reader, `its reader stopped (exit code ${code})`));
    this.readers.add(reader);
    return reader;
  }

  /** The thread is gone or must go: its file's read rejects with `message`, and the queue moves on. */
  private async fail(reader: Reader, message: string): Promise<void> {
    if (!this.readers.delete(reader)) return;
    clearTimeout(reader.idle);
    const job = reader.job;
    reader.job = undefined;
    reader.decoding = undefined;
    if (!reader.ready) {
      // It never started: no file is at fault, and the next thread would fail alike. Read inline from now on.
      this.broken = message;
      for (const queued of [...(job === undefined ? [] : [job]), ...this.queue.splice(0)]) {
        clearTimeout(queued.timer);
        queued.resolve(undefined);
      }
    } else if (job !== undefined) {
      clearTimeout(job.timer);
      job.reject(new Error(message));
    }
    this.dispatch();
    await reader.worker.terminate();
  }

  private settle(reader: Reader, reply: ReaderReply): void {
    const job = reader.job;
    if (job === undefined || job.id !== reply.id) return;
    let answer: OffThreadRead | Error;
    if (reply.ok) {
      try {
        const decoder = (reader.decoding ??= new GraphReader());
        decoder.read(reply.chunk);
        if (reply.more) {
          // The next chunk is asked for once this one is rebuilt: other work runs in between.
          reader.worker.postMessage({ id: job.id, next: true } satisfies ReaderJob);
          return;
        }
        answer = decoder.result!.value as OffThreadRead;
        for (const pod of answer.read.pods) pod.layer = job.file.layer;
      } catch (e) {
        answer = new Error(`its answer could not be read: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else answer = reply.range ? new RangeError(reply.message) : new Error(reply.message);
    reader.job = undefined;
    reader.decoding = undefined;
    clearTimeout(job.timer);
    if (answer instanceof Error) job.reject(answer);
    else job.resolve(answer);
    reader.worker.unref();
    reader.idle = setTimeout(() => void this.fail(reader, "idle"), this.idleMs).unref();
    this.dispatch();
  }
}

let shared: ReadPool | undefined;

/** The process's pool, made on first use with the default options. */
export function sharedReadPool(): ReadPool {
  return (shared ??= new ReadPool());
}
