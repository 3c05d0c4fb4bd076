// The podman runtime: real pods through `podman kube play`, labelled with the agent instance, only its own touched.
import { execCommand, type Exec } from "../lib/exec.js";
import {
  foreignOwner,
  GRACE_LABEL,
  HASH_KEY,
  INSTANCE_KEY,
  NAMESPACE_LABEL,
  OWNED_LABEL,
  PodConflictError,
  type ActualPod,
  type DesiredPod,
  type RuntimeDriver,
} from "./driver.js";
import { isRecord, recordAt, stringAt, stringMapAt } from "./json.js";

/** The kubelet's default terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;
/** Pod states that are not drift: running, partly running (containers restarting), or paused on purpose. */
const ALIVE = new Set(["running", "degraded", "paused"]);

export { PodConflictError };

/** A podman pod with the name the agent wants exists and is not this instance's pod of that full name. */
function conflict(name: string, why: string): PodConflictError {
  return new PodConflictError(
    `podman pod ${name}`,
    why,
    `Remove it (podman pod rm -f ${name}) or rename the pod in the fleet`,
  );
}

interface PodmanPod {
  id: string;
  name: string;
  status: string;
  labels: Record<string, string>;
}

function parsePodList(stdout: Buffer): PodmanPod[] {
  const text = stdout.toString("utf8").trim();
  const value: unknown = text === "" ? [] : JSON.parse(text);
  if (!Array.isArray(value)) throw new Error("podman pod ls returned something other than a JSON list");
  const pods: PodmanPod[] = [];
  for (const item of value) {
    if (!isRecord(item)) continue;
    const id = stringAt(item, "Id");
    const name = stringAt(item, "Name");
    if (id === undefined || name === undefined) continue;
    pods.push({ id, name, status: stringAt(item, "Status") ?? "", labels: stringMapAt(item, "Labels") });
  }
  return pods;
}

function fullNameOf(pod: PodmanPod): string {
  return `${pod.labels[NAMESPACE_LABEL] ?? "default"}/${pod.name}`;
}

function graceOf(pod: PodmanPod): string {
  const grace = pod.labels[GRACE_LABEL];
  return grace !== undefined && /^\d+$/.test(grace) ? grace : String(DEFAULT_GRACE_SECONDS);
}

/**
 * The pod given to `podman kube play`: the defaulted pod plus the instance, hash, namespace and grace labels. Not the
 * `manifest-agent.io/owned` label of agents older than instances: such an agent would remove every pod carrying it.
 */
export function podmanPodSpec(pod: DesiredPod, instance: string): string {
  const spec = structuredClone(pod.pod);
  const metadata = recordAt(spec, "metadata") ?? {};
  spec.metadata = metadata;
  const grace = recordAt(spec, "spec")?.terminationGracePeriodSeconds;
  metadata.labels = {
    ...(recordAt(metadata, "labels") ?? {}),
    [INSTANCE_KEY]: instance,
    [HASH_KEY]: pod.hash,
    [NAMESPACE_LABEL]: pod.namespace,
    [GRACE_LABEL]: String(
      typeof grace === "number" && grace >= 0 ? Math.floor(grace) : DEFAULT_GRACE_SECONDS,
    ),
  };
  return JSON.stringify(spec);
}

export interface PodmanOptions {
  /** The agent instance whose pods this driver lists, replaces and removes (a label value). */
  instance: string;
  exec?: Exec;
  /** The podman binary. */
  podman?: string;
  /** Environment for podman (e.g. CONTAINERS_CONF); the agent's own by default. */
  env?: NodeJS.ProcessEnv;
  /** Limit for one `kube play` (it may pull images). */
  playTimeoutMs?: number;
}

/**
 * A runtime backed by podman. `list` reads the pods labelled with this instance's `manifest-agent.io/instance`
 * (owned) and those an agent older than instances made (`manifest-agent.io/owned=true`, no instance: legacy); `apply` removes that pod of the same name (if any) and runs
 * `podman kube play -` with the pod on stdin; `remove` deletes it with the pod's grace period. A pod of the same
 * name that is another instance's or not the agent's is never touched (PodConflictError). Podman failures throw
 * ExecError with podman's stderr.
 */
export function createPodmanDriver(options: PodmanOptions): RuntimeDriver {
  const { instance } = options;
  const exec = options.exec ?? execCommand;
  const podman = options.podman ?? "podman";
  const env = options.env;
  const run = (args: string[], extra: { input?: string; timeoutMs?: number } = {}) =>
    exec(podman, args, { ...(env === undefined ? {} : { env }), ...extra });

  /** Whose a pod is: this instance's, an older agent's (legacy), another instance's, or not an agent's at all. */
  const ownerOf = (pod: PodmanPod): "mine" | "legacy" | "foreign" | "none" => {
    const owner = pod.labels[INSTANCE_KEY];
    if (owner !== undefined) return owner === instance ? "mine" : "foreign";
    return pod.labels[OWNED_LABEL] === "true" ? "legacy" : "none";
  };

  /** This instance's pods and the legacy ones; never another instance's. */
  const owned = async (): Promise<PodmanPod[]> =>
    parsePodList((await run(["pod", "ls", "--format", "json"])).stdout).filter((pod) =>
      ["mine", "legacy"].includes(ownerOf(pod)),
    );

  const named = async (name: string): Promise<PodmanPod[]> =>
    parsePodList((await run(["pod", "ls", "--filter", `name=^${name}$`, "--format", "json"])).stdout).filter(
      (p) => p.name === name,
    );

  const removePod = async (pod: PodmanPod): Promise<void> => {
    const grace = Number(graceOf(pod));
    await run(["pod", "rm", "--force", "--time", String(grace), pod.id], { timeoutMs: (grace + 60) * 1000 });
  };

  return {
    name: "podman",
    async list(): Promise<ActualPod[]> {
      return (await owned()).map((pod) => {
        const legacy = ownerOf(pod) === "legacy";
        return {
          fullName: fullNameOf(pod),
          hash: pod.labels[HASH_KEY] ?? "",
          owned: !legacy,
          ...(legacy ? { legacy } : {}),
          stopped: !ALIVE.has(pod.status.toLowerCase()),
        };
      });
    },
    async apply(pod: DesiredPod): Promise<void> {
      for (const existing of await named(pod.name)) {
        const owner = ownerOf(existing);
        if (owner === "none") throw conflict(pod.name, "was not created by manifest-agent");
        const foreign = foreignOwner(existing.labels[INSTANCE_KEY], instance);
        if (foreign !== undefined) throw conflict(pod.name, foreign);
        if (fullNameOf(existing) !== pod.fullName) {
          throw conflict(pod.name, `runs ${fullNameOf(existing)}; podman pod names have no namespace`);
        }
        await removePod(existing);
      }
      try {
        await run(["kube", "play", "-"], {
          input: podmanPodSpec(pod, instance),
          timeoutMs: options.playTimeoutMs ?? 300_000,
        });
      } catch (cause) {
        // kube play can leave a half-created pod behind; remove it so the next pass retries from scratch.
        for (const leftover of await named(pod.name).catch(() => [])) {
          if (ownerOf(leftover) === "mine") await removePod(leftover).catch(() => undefined);
        }
        throw cause;
      }
    },
    async remove(fullName: string): Promise<void> {
      for (const pod of await owned()) if (fullNameOf(pod) === fullName) await removePod(pod);
    },
  };
}
