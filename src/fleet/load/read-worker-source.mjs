// Starts a reader thread from the TypeScript sources (tests, `tsx`): the compiled build starts read-worker.js itself.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
