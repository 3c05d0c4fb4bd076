// Test helpers: fleets as in-memory trees, written to temp folders, and the example fleet.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

/**
 * Copies the example fleet to `to` without its `rollout:` policy (and the comment above it): tests of revisions
 * switching want every node to get a new revision at once; the rollout tests have their own fleets.
 */
export async function copyExampleWithoutRollout(to: string): Promise<void> {
  await cp(EXAMPLE_FLEET, to, { recursive: true });
  await stripRollout(to);
}

/** The text of a fleet.yaml without its `rollout:` section (the last one, with its comment). */
export function withoutRollout(fleetYaml: string): string {
  const at = fleetYaml.search(/^(#[^\n]*\n)*rollout:/m);
  return at < 0 ? fleetYaml : fleetYaml.slice(0, at);
}

/** Removes the `rollout:` section from the fleet in `dir`. */
export async function stripRollout(dir: string): Promise<void> {
  const path = join(dir, "fleet.yaml");
  await writeFile(path, withoutRollout(await readFile(path, "utf8")));
}

/** A temp copy of the example fleet (without its rollout policy), to edit freely. */
export async function copyExampleFleet(): Promise<TempDir> {
  const dir = await tempDir("ms-fleet-");
  await copyExampleWithoutRollout(dir.path);
  return dir;
}

/** A folder source that only reloads when the test calls follower.refresh(): no watcher races the test's own edits. */
export function manualDirSource(dir: string): FleetSource {
  return createDirSource(dir, { pollMs: 0, events: false });
}

/** Writes a one-pod fleet into `dir`: `common/app.yaml` running `image` on every node, and `fleetYaml`. */
export async function writeAppFleet(dir: string, image: string, fleetYaml: string): Promise<void> {
  await mkdir(join(dir, "common"), { recursive: true });
  await writeFile(join(dir, "common", "app.yaml"), podYaml("app", image));
  await writeFile(join(dir, "fleet.yaml"), fleetYaml);
}

/**
 * Writes a one-pod fleet of `nodes` running `image` (see writeAppFleet) whose rollout switches the canary cp-1 first,
 * then soaks for an hour before the other nodes: after a change, every node but cp-1 stays held.
 */
export async function writeCanaryFleet(dir: string, image: string, nodes: readonly string[]): Promise<void> {
  await writeAppFleet(
    dir,
    image,
    `nodes:
${nodes.map((n) => `  ${n}: {}`).join("\n")}
rollout:
  waves:
    - { name: "canary", nodes: ["cp-1"], soak: "1h" }
    - { name: "everyone" }
`,
  );
}

/** Nodes a, b, c with a rollout: a canary wave of `a` soaking for an hour (so b and c stay held), then the rest. */
export const CANARY_FLEET = `nodes:
  a: {}
  b: {}
  c: {}
rollout:
  waves:
    - { name: "canary", nodes: ["a"], soak: "1h" }
    - { name: "rest" }
`;

/** The files of CANARY_FLEET with one app pod running `image` on every node. */
export function canaryFleetFiles(image: string): FleetFile[] {
  return filesFromTree({ "fleet.yaml": CANARY_FLEET, "common/app.yaml": podYaml("app", image) });
}
