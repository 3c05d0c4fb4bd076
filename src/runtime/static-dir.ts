// The static-dir runtime: one file per pod in a kubelet staticPodPath, written atomically, only its own files touched.
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { syncDir, writeTempFile } from "../lib/atomic-file.js";
import { yamlToJson } from "../manifests/yaml.js";
import { toYaml } from "../manifests/render.js";
import { HASH_KEY, splitFullName, type ActualPod, type DesiredPod, type RuntimeDriver } from "./driver.js";
import { isRecord, recordAt, stringMapAt } from "./json.js";

/** Every file the driver owns starts with this; `_` cannot occur in a namespace or pod name. */
export const FILE_PREFIX = "manifest-agent_";
const FILE_SUFFIX = ".yaml";
const TEMP_PREFIX = ".manifest-agent-";

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
 * with the `manifest-agent.io/hash` annotation so `list` can tell whether it is current.
 */
export function staticFileContent(pod: DesiredPod): string {
  const manifest = structuredClone(pod.manifest);
  const metadata = recordAt(manifest, "metadata") ?? {};
  manifest.metadata = metadata;
  metadata.annotations = { ...(recordAt(metadata, "annotations") ?? {}), [HASH_KEY]: pod.hash };
  return toYaml(manifest);
}

export interface StaticDirOptions {
  /** The kubelet's staticPodPath. */
  dir: string;
  /** A directory for temp files, outside `dir` (the kubelet reads every non-dot file there); ideally same file system. */
  tempDir: string;
}

/**
 * A runtime that writes one YAML file per pod into `dir`, each written to a temp file in `tempDir`, fsynced and
 * renamed into place (a dot-file inside `dir` when `tempDir` is on another file system; the kubelet skips
 * dot-files). Only files named `manifest-agent_*.yaml` are listed, replaced or removed.
 */
export function createStaticDirDriver(options: StaticDirOptions): RuntimeDriver {
  const { dir, tempDir } = options;

  async function place(file: string, data: string): Promise<void> {
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

  return {
    name: "static-dir",
    async list(): Promise<ActualPod[]> {
      const entries = await readdir(dir, { withFileTypes: true });
      const pods: ActualPod[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith(TEMP_PREFIX) && entry.isFile()) {
          await rm(join(dir, entry.name), { force: true });
          continue;
        }
        const fullName = fullNameOf(entry.name);
        if (fullName === undefined || !entry.isFile()) continue;
        let hash = "";
        try {
          const value = yamlToJson(await readFile(join(dir, entry.name), "utf8"));
          const metadata = isRecord(value) ? recordAt(value, "metadata") : undefined;
          hash = metadata === undefined ? "" : (stringMapAt(metadata, "annotations")[HASH_KEY] ?? "");
        } catch {
          // An unreadable own file lists with an empty hash, so the next apply rewrites it.
        }
        pods.push({ fullName, hash, owned: true });
      }
      return pods;
    },
    async apply(pod: DesiredPod): Promise<void> {
      await place(staticFileName(pod.fullName), staticFileContent(pod));
    },
    async remove(fullName: string): Promise<void> {
      await rm(join(dir, staticFileName(fullName)), { force: true });
      await syncDir(dir);
    },
  };
}
