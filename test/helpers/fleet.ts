// Test helpers: fleets as in-memory trees, written to temp folders, and the example fleet.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FleetFile } from "../../src/fleet/fleet-files.js";
import { createDirSource } from "../../src/source/dir-source.js";
import type { FleetSource } from "../../src/source/source.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const EXAMPLE_FLEET = join(REPO_ROOT, "manifests");

/** FleetFile entries from a path → text map, as a source would produce them. */
export function filesFromTree(tree: Record<string, string>): FleetFile[] {
  return Object.entries(tree).map(([path, text]) => {
    const content = Buffer.from(text, "utf8");
    return { path, size: content.length, content };
  });
}

/** A minimal valid pod document with the given name (and optional extra spec fields). */
export function podYaml(name: string, image = "busybox:1.36", extra = ""): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
    - name: main
      image: "${image}"
${extra}`;
}

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = "ms-test-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Writes `tree` under a new temp folder. */
export async function writeTree(tree: Record<string, string>, into?: string): Promise<TempDir> {
  const dir =
    into === undefined
      ? await tempDir()
      : { path: into, remove: () => rm(into, { recursive: true, force: true }) };
  for (const [path, text] of Object.entries(tree)) {
    const abs = join(dir.path, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
  return dir;
}

/** A temp copy of the example fleet, to edit freely. */
export async function copyExampleFleet(): Promise<TempDir> {
  const dir = await tempDir("ms-fleet-");
  await cp(EXAMPLE_FLEET, dir.path, { recursive: true });
  return dir;
}

/** A folder source that only reloads when the test calls follower.refresh(): no watcher races the test's own edits. */
export function manualDirSource(dir: string): FleetSource {
  return createDirSource(dir, { pollMs: 0, events: false });
}
