// Test helper: finds a usable podman (with the registry-free localhost/busybox image) and the env it needs.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { INSTANCE_KEY, OWNED_LABEL, type DesiredPod } from "../../src/runtime/driver.js";
import { isRecord, recordAt, stringMapAt, type JsonObject } from "../../src/runtime/json.js";
import { podmanPodSpec } from "../../src/runtime/podman.js";

/** Written by scripts/setup-podman.sh. */
export const TEST_CONTAINERS_CONF = "/etc/manifest-agent-test/containers.conf";
/** Built by scripts/setup-podman.sh from /bin/busybox, no registry needed. */
export const TEST_IMAGE = "localhost/busybox:latest";

export interface PodmanSetup {
  /** Environment for podman commands (CONTAINERS_CONF set when the test config exists). */
  env: NodeJS.ProcessEnv;
  /** Why podman tests cannot run here; undefined when they can. */
  skip: string | undefined;
}

/**
 * Detects podman once. Tests pass `skip` to node:test. When MANIFEST_AGENT_REQUIRE_PODMAN=1 (CI) a missing
 * podman throws instead, so the end-to-end tests can never be skipped silently there.
 */
export function detectPodman(): PodmanSetup {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (env.CONTAINERS_CONF === undefined && existsSync(TEST_CONTAINERS_CONF))
    env.CONTAINERS_CONF = TEST_CONTAINERS_CONF;
  let skip: string | undefined;
  try {
    execFileSync("podman", ["--version"], { env, stdio: "ignore" });
    try {
      execFileSync("podman", ["image", "exists", TEST_IMAGE], { env, stdio: "ignore" });
    } catch {
      skip = `podman is installed but ${TEST_IMAGE} is missing: run 'bash scripts/setup-podman.sh' as root`;
    }
  } catch {
    skip = "podman is not installed here: run 'bash scripts/setup-podman.sh' as root to enable these tests";
  }
  if (skip !== undefined && process.env.MANIFEST_AGENT_REQUIRE_PODMAN === "1") {
    throw new Error(`MANIFEST_AGENT_REQUIRE_PODMAN=1 but ${skip}`);
  }
  return { env, skip };
}

/** The podman pods carrying `label` (e.g. `manifest-agent.io/owned=true`), sorted by name. */
export function podmanPods(
  env: NodeJS.ProcessEnv,
  label: string,
): { id: string; name: string; status: string; labels: Record<string, string> }[] {
  const out = execFileSync("podman", ["pod", "ls", "--filter", `label=${label}`, "--format", "json"], {
    env,
  }).toString("utf8");
  const value: unknown = JSON.parse(out.trim() === "" ? "[]" : out);
  if (!Array.isArray(value)) return [];
  return value
    .filter(isRecord)
    .map((p) => ({
      id: String(p.Id),
      name: String(p.Name),
      status: String(p.Status),
      labels: stringMapAt(p, "Labels"),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A name no other test or test run on this host uses at the same time (podman pod names are host-wide):
 * `<prefix>-<8 random hex digits>`, a DNS-1123 label when `prefix` is one of at most 54 characters.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** Removes these pods at once (no grace period); names that do not exist are ignored. */
export function removePods(env: NodeJS.ProcessEnv, names: readonly string[]): void {
  if (names.length === 0) return;
  execFileSync("podman", ["pod", "rm", "--force", "--ignore", "--time", "0", ...names], {
    env,
    stdio: "ignore",
  });
}

/** Removes every pod labelled with this agent instance: a test's cleanup, whatever the test left. */
export function removeInstancePods(env: NodeJS.ProcessEnv, instance: string): void {
  removePods(
    env,
    podmanPods(env, `${INSTANCE_KEY}=${instance}`).map((p) => p.name),
  );
}

/** The pod as an agent older than instances played it: `manifest-agent.io/owned=true` and no instance label. */
export function legacyPodSpec(pod: DesiredPod): string {
  const spec = JSON.parse(podmanPodSpec(pod, "unused")) as JsonObject;
  const labels = recordAt(recordAt(spec, "metadata") ?? {}, "labels") ?? {};
  delete labels[INSTANCE_KEY];
  labels[OWNED_LABEL] = "true";
  return JSON.stringify(spec);
}
