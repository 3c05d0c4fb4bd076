// Test helper: a temp copy of the example fleet with every pod rewritten (e.g. to run busybox under podman).
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isRecord, type JsonObject as Json } from "../../src/runtime/json.js";
import { stripRollout } from "../helpers/fleet.js";

/** Copies `from` to `to` and rewrites every pod document under common/, groups/ and nodes/ with `rewrite`. */
export async function copyFleet(from: string, to: string, rewrite: (pod: Json) => Json): Promise<void> {
  await cp(from, to, { recursive: true });
  // Without the example's rollout policy: these tests want a new revision on every node at once.
  await stripRollout(to);
  for (const top of ["common", "groups", "nodes"]) {
    const entries = await readdir(join(to, top), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      const docs = parseAllDocuments(await readFile(file, "utf8"), { version: "1.1" });
      const out = (Array.isArray(docs) ? docs : [])
        .map((doc) => doc.toJS() as unknown)
        .filter(isRecord)
        .map((pod) => JSON.stringify(rewrite(pod), null, 2));
      await writeFile(file, out.join("\n---\n") + "\n");
    }
  }
}

/** Makes a pod run busybox `sleep` under podman with nothing that needs the host: no volumes, ports or probes. */
export function busyboxPod(image: string): (pod: Json) => Json {
  return (pod) => {
    const spec = isRecord(pod.spec) ? pod.spec : {};
    const containers = Array.isArray(spec.containers) ? spec.containers.filter(isRecord) : [];
    const rewritten = containers.map((c) => ({
      name: c.name,
      image,
      imagePullPolicy: "Never",
      command: ["sleep", "3600"],
      ...(Array.isArray(c.env) ? { env: c.env } : {}),
    }));
    return {
      apiVersion: pod.apiVersion,
      kind: pod.kind,
      metadata: pod.metadata,
      spec: {
        hostNetwork: spec.hostNetwork === true,
        terminationGracePeriodSeconds: 0,
        containers: rewritten,
      },
    };
  };
}
