// The static-dir runtime: one file per pod in a kubelet staticPodPath, written atomically, only its instance's touched.
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { sweepTempFiles, syncDir, writeTempFile } from "../lib/atomic-file.js";
import { yamlToJson } from "../manifests/yaml.js";
import { toYaml } from "../manifests/render.js";
import {
  foreignOwner,
  HASH_KEY,
  INSTANCE_KEY,
  PodConflictError,
  splitFullName,
  type ActualPod,
  type DesiredPod,
  type RuntimeDriver,
} from "./driver.js";
import { isRecord, recordAt, stringMapAt } from "./json.js";

/** Every file the driver writes starts with this; `_` cannot occur in a namespace or pod name. */
export const FILE_PREFIX = "manifest-agent_";
const FILE_SUFFIX = ".yaml";
/** Temp files are `.manifest-agent@<instance>+<random>.tmp`: `@` and `+` never occur in an instance name. */
const tempPrefix = (instance: string): string => `.manifest-agent@${instance}+`;

/** The file name for a pod: `manifest-agent_<namespace>_<name>.yaml` (name after defaults, e.g. `etcd-cp-1`). */
export function staticFileName(fullName: string): string {
  const { namespace, name } = splitFullName(fullName);
  return `${FILE_PREFIX}${namespace}_${name}${FILE_SUFFIX}`;
}

function fullNameOf(file: string): string | undefined {
  if (!file.startsWith(FILE_PREFIX) || !file.endsWith(FILE_SUFFIX)) return undefined;
  const parts = file.slice(FILE_PREFIX.length, -FILE_SUFFIX.length).split("_");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return undefined;
  return `${parts[0]}/${parts[1]}`;
}

/**
 * The file the kubelet reads: the pod as served (the kubelet applies its own defaults, name suffix included),
 * with the `manifest-agent.io/hash` annotation so `list` can tell whether it is current, and the
 * `manifest-agent.io/instance` annotation naming the agent instance that owns it.
 */
export function staticFileContent(pod: DesiredPod, instance: string): string {
  const manifest = structuredClone(pod.manifest);
  const metadata = recordAt(manifest, "metadata") ?? {};
  manifest.metadata = metadata;
  metadata.annotations = {
    ...(recordAt(metadata, "annotations") ?? {}),
    [HASH_KEY]: pod.hash,
    [INSTANCE_KEY]: instance,
  };
  return toYaml(manifest);
}

/** The hash and owning instance a pod file records; both undefined when it is not a readable pod. */
async function readOwnership(path: string): Promise<{ hash?: string; instance?: string }> {
  try {
    const value = yamlToJson(await readFile(path, "utf8"));
    const metadata = isRecord(value) ? recordAt(value, "metadata") : undefined;
    const annotations = metadata === undefined ? {} : stringMapAt(metadata, "annotations");
    return {
      ...(annotations[HASH_KEY] === undefined ? {} : { hash: annotations[HASH_KEY] }),
      ...(annotations[INSTANCE_KEY] === undefined ? {} : { instance: annotations[INSTANCE_KEY] }),
    };
  } catch (cause) {
    if (isRecord(cause) && cause.code === "ENOENT") throw cause;
    return {};
  }
}

export interface StaticDirOptions {
  /** The agent instance whose files this driver lists, replaces and removes. */
  instance: string;
  /** The kubelet's staticPodPath. */
  dir: string;
  /** A directory for temp files, outside `dir` (the kubelet reads every non-dot file there); ideally same file system. */
  tempDir: string;
}

/**
 * A runtime that writes one YAML file per pod into `dir`, each written to a temp file in `tempDir`, fsynced and
 * renamed into place (a dot-file inside `dir` when `tempDir` is on another file system; the kubelet skips
 * dot-files). Only files named `manifest-agent_*.yaml` whose instance annotation is this instance's (owned) or
 * missing (legacy) are listed, replaced or removed; another instance's file under a wanted name is a
 * PodConflictError.
 */
export function createStaticDirDriver(options: StaticDirOptions): RuntimeDriver {
  const { dir, tempDir, instance } = options;
  const TEMP_PREFIX = tempPrefix(instance);

  /** Refuses when `file` exists and belongs to another instance. */
  async function checkOwner(file: string): Promise<void> {
    const owner = await readOwnership(join(dir, file)).catch(() => ({ instance: undefined }));
    const foreign = foreignOwner(owner.instance, instance);
    if (foreign !== undefined) {
      throw new PodConflictError(join(dir, file), foreign, "remove the file or rename the pod in the fleet");
    }
  }

  async function place(file: string, data: string): Promise<void> {
    await checkOwner(file);
    await mkdir(tempDir, { recursive: true });
    let temp = await writeTempFile(tempDir, TEMP_PREFIX, data, 0o644);
    try {
      await rename(temp, join(dir, file));
    } catch (cause) {
      await rm(temp, { force: true });
      if (!(isRecord(cause) && cause.code === "EXDEV")) throw cause;
      temp = await writeTempFile(dir, TEMP_PREFIX, data, 0o644);
      try {
        await rename(temp, join(dir, file));
      } catch (again) {
        await rm(temp, { force: true });
        throw again;
      }
    }
    await syncDir(dir);
  }

  let swept: Promise<unknown> | undefined;
  // At the first list (the agent lists before it writes): temp files a killed agent left in tempDir.
  // Best effort: a tempDir that cannot be read only keeps its litter.
  const sweepOnce = (): Promise<unknown> =>
    (swept ??= sweepTempFiles(tempDir, TEMP_PREFIX).catch(() => undefined));

  return {
    name: "static-dir",
    async list(): Promise<ActualPod[]> {
      await sweepOnce();
      const entries = await readdir(dir, { withFileTypes: true });
      const pods: ActualPod[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith(TEMP_PREFIX) && entry.isFile()) {
          await rm(join(dir, entry.name), { force: true });
          continue;
        }
        const fullName = fullNameOf(entry.name);
        if (fullName === undefined || !entry.isFile()) continue;
        // An unreadable file lists as legacy with an empty hash: the agent that wants its name rewrites it.
        const owner = await readOwnership(join(dir, entry.name)).catch(() => undefined);
        if (owner === undefined || foreignOwner(owner.instance, instance) !== undefined) continue;
        const legacy = owner.instance === undefined;
        pods.push({ fullName, hash: owner.hash ?? "", owned: !legacy, ...(legacy ? { legacy } : {}) });
      }
      return pods.sort((x, y) => (x.fullName < y.fullName ? -1 : x.fullName > y.fullName ? 1 : 0));
    },
    async apply(pod: DesiredPod): Promise<void> {
      await place(staticFileName(pod.fullName), staticFileContent(pod, instance));
    },
    async remove(fullName: string): Promise<void> {
      const file = staticFileName(fullName);
      await checkOwner(file);
      await rm(join(dir, file), { force: true });
      await syncDir(dir);
    },
  };
}
