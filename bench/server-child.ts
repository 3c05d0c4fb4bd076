// Child process: serves a fleet folder with startServer, in one process or as a cluster of workers sharing one port.
import cluster from "node:cluster";
import { startServer } from "../src/server/start.js";
import { freePort } from "./measure.js";

async function serveOne(dir: string, port: number): Promise<string> {
  const running = await startServer({ dir, listen: `127.0.0.1:${port}` });
  if (running.firstLoad.kind !== "published")
    throw new Error(`first load: ${JSON.stringify(running.firstLoad)}`);
  await running.follower.stop();
  process.on("SIGTERM", () => void running.close(100).then(() => process.exit(0)));
  return running.url;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const workers = Number(process.argv[3] ?? "1");
  if (dir === undefined) throw new Error("usage: server-child.ts DIR [WORKERS]");
  if (workers <= 1) {
    const url = await serveOne(dir, 0);
    process.stdout.write(JSON.stringify({ url, pids: [process.pid] }) + "\n");
    return;
  }
  if (cluster.isPrimary) {
    const port = await freePort();
    const pids: number[] = [];
    await Promise.all(
      Array.from({ length: workers }, () => {
        const w = cluster.fork({ BENCH_PORT: String(port) });
        return new Promise<void>((resolve, reject) => {
          w.once("message", () => {
            if (w.process.pid !== undefined) pids.push(w.process.pid);
            resolve();
          });
          w.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
        });
      }),
    );
    process.on("SIGTERM", () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      process.exit(0);
    });
    process.stdout.write(
      JSON.stringify({ url: `http://127.0.0.1:${port}`, pids: [process.pid, ...pids] }) + "\n",
    );
    return;
  }
  await serveOne(dir, Number(process.env["BENCH_PORT"]));
  process.send?.("ready");
}

await main();
