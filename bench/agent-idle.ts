// Child process: the agent (compiled JavaScript, dry-run runtime) polling a node whose document never changes.
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadFleet } from "../src/fleet/load-fleet.js";
import { silentLogger } from "../src/lib/logger.js";
import { createHandler } from "../src/server/app.js";
import { RevisionStore } from "../src/revisions/revision-store.js";
import { readFleetDir } from "../src/source/dir-source.js";
import { REPO } from "./children.js";
import { cpuMs, rssMb } from "./measure.js";

const INTERVAL_MS = 200;
const WINDOW_MS = 10_000;

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "ms-bench-agent-"));
  const out = join(REPO, ".bench-dist");
  try {
    // Measure the agent as shipped (compiled), not under a TypeScript loader.
    let entry = [join(out, "cli", "manifest-agent.js")];
    let note = "compiled";
    try {
      await promisify(execFile)(
        process.execPath,
        [
          join(REPO, "node_modules", "typescript", "bin", "tsc"),
          "-p",
          join(REPO, "tsconfig.build.json"),
          "--outDir",
          out,
        ],
        { cwd: REPO },
      );
    } catch {
      entry = ["--import", "tsx", join(REPO, "src", "cli", "manifest-agent.ts")];
      note = "under tsx (the build failed)";
    }
    const loaded = loadFleet(await readFleetDir(join(REPO, "manifests")), { revision: "bench" });
    if (!loaded.ok) throw new Error("the example fleet was rejected");
    const store = new RevisionStore();
    store.publish({ fleet: loaded.fleet, loadedAt: new Date(), meta: {} });
    const handler = createHandler({
      store,
      logger: silentLogger(),
      sourceDescription: "bench",
      version: "bench",
    });
    let polls = 0;
    let notModified = 0;
    const server = createServer((req, res) => {
      if (req.url?.startsWith("/nodes/")) polls++;
      res.once("finish", () => {
        if (res.statusCode === 304) notModified++;
      });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const agent = spawn(
      process.execPath,
      [
        ...entry,
        "--url",
        `http://127.0.0.1:${port}/nodes/edge-1`,
        "--node",
        "edge-1",
        "--runtime",
        "dry-run",
        "--state-dir",
        work,
        "--interval",
        `${INTERVAL_MS}ms`,
        "--log-level",
        "warn",
      ],
      { stdio: ["ignore", "ignore", "ignore"] },
    );
    try {
      const pid = agent.pid ?? 0;
      // Warm up: the first poll gets a 200 and reconciles; later ones are 304s.
      await new Promise((r) => setTimeout(r, 3000));
      const cpu0 = await cpuMs(pid);
      const polls0 = polls;
      const nm0 = notModified;
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const cpu1 = await cpuMs(pid);
      const n = polls - polls0;
      process.stdout.write(
        JSON.stringify({
          rssMb: await rssMb([pid]),
          cpuMsPerPoll: n === 0 ? NaN : (cpu1 - cpu0) / n,
          polls: n,
          notModified: notModified - nm0,
          note: `agent ${note}, --interval ${INTERVAL_MS}ms, ${WINDOW_MS / 1000} s window`,
        }) + "\n",
      );
    } finally {
      agent.kill("SIGTERM");
      server.closeAllConnections();
      server.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

await main();
