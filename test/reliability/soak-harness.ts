// The soak: concurrent clients fetch random nodes while revisions switch continuously; every answer is checked.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { CompiledFleet } from "../../src/fleet/load-fleet.js";
import { startServer } from "../../src/server/start.js";
import { copyExampleFleet, podYaml, manualDirSource } from "../helpers/fleet.js";
import { nodeEtag } from "../../src/server/documents/etag.js";

export interface SoakOptions {
  durationMs: number;
  clients: number;
  /**
   * Keep going past durationMs until this many revision switches were published (at most maxDurationMs), so a
   * machine busy with other work still checks answers across switches. Default 0.
   */
  minSwitches?: number;
  maxDurationMs?: number;
}

export interface SoakResult {
  requests: number;
  notModified: number;
  switches: number;
  revisions: number;
  status5xx: number;
  /** Human-readable descriptions of wrong answers (mixed revisions, ETag not of the bytes, empty 200...). */
  mismatches: string[];
  heapStartMb: number;
  heapEndMb: number;
  durationMs: number;
}

const NODES = ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"];

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc === "function") (gc as () => void)();
}

function heapMb(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Runs the soak on a copy of the example fleet whose revisions cycle through three contents. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const fleet = await copyExampleFleet();
  const server = await startServer({ source: manualDirSource(fleet.path), listen: "127.0.0.1:0" });
  const result: SoakResult = {
    requests: 0,
    notModified: 0,
    switches: 0,
    revisions: 0,
    status5xx: 0,
    mismatches: [],
    heapStartMb: 0,
    heapEndMb: 0,
    durationMs: 0,
  };
  const published = new Map<string, CompiledFleet>();
  const remember = () => {
    const current = server.store.current;
    if (current !== undefined) published.set(current.fleet.revision, current.fleet);
  };
  remember();
  server.store.onPublish((next) => {
    published.set(next.fleet.revision, next.fleet);
    result.switches += 1;
  });
  let stop = false;
  let started = 0;
  const switcher = async () => {
    let i = 0;
    while (!stop) {
      i += 1;
      await writeFile(join(fleet.path, "common", "soak.yaml"), podYaml("soak", `busybox:1.${i % 3}`));
      await server.follower.refresh();
      const elapsed = Date.now() - started;
      const enough = result.switches >= (options.minSwitches ?? 0);
      if (elapsed >= options.durationMs && (enough || elapsed >= (options.maxDurationMs ?? 0))) stop = true;
      else await new Promise((r) => setTimeout(r, 5));
    }
  };
  const client = async () => {
    const etags = new Map<string, string>();
    while (!stop) {
      const node = NODES[Math.floor(Math.random() * NODES.length)] ?? "cp-1";
      const known = etags.get(node);
      const res = await fetch(`${server.url}/nodes/${node}`, {
        headers: known !== undefined && Math.random() < 0.25 ? { "If-None-Match": known } : {},
      });
      const body = Buffer.from(await res.arrayBuffer());
      result.requests += 1;
      if (res.status >= 500) {
        result.status5xx += 1;
        continue;
      }
      const tag = res.headers.get("etag") ?? "";
      const revision = res.headers.get("x-manifest-revision") ?? "";
      if (res.status === 304) {
        result.notModified += 1;
        if (tag !== known) result.mismatches.push(`304 for ${node} with ETag ${tag}, asked ${known}`);
        continue;
      }
      const compiled = published.get(revision)?.nodes.get(node);
      if (res.status !== 200 || compiled === undefined) {
        result.mismatches.push(
          `${node}: status ${res.status}, revision ${revision} unknown=${compiled === undefined}`,
        );
        continue;
      }
      if (!body.equals(compiled.json) || tag !== nodeEtag(compiled))
        result.mismatches.push(`${node}@${revision}: bytes or ETag are not that revision's`);
      etags.set(node, tag);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        fetch(`${server.url}/nodes/${NODES[i] ?? "cp-1"}`).then((r) => r.arrayBuffer()),
      ),
    );
    result.heapStartMb = heapMb();
    started = Date.now();
    await Promise.all([switcher(), ...Array.from({ length: options.clients }, () => client())]);
    result.durationMs = Date.now() - started;
    result.revisions = published.size;
    published.clear();
    result.heapEndMb = heapMb();
  } finally {
    await server.close();
    await fleet.remove();
  }
  return result;
}
