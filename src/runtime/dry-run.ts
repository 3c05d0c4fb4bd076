// The dry-run runtime: changes nothing on the node, prints each change it would make and remembers it in memory.
import type { ActualPod, DesiredPod, RuntimeDriver } from "./driver.js";

/**
 * A runtime that only prints: `apply` writes `+ apply <full name> (hash ...)`, `remove` writes `- remove <full name>`
 * through `write`. It remembers what it "applied" so later passes print only the changes.
 */
export function createDryRunDriver(
  write: (line: string) => void,
): RuntimeDriver & { pods: () => Map<string, DesiredPod> } {
  const state = new Map<string, DesiredPod>();
  return {
    name: "dry-run",
    list(): Promise<ActualPod[]> {
      return Promise.resolve(
        [...state.values()].map((p) => ({ fullName: p.fullName, hash: p.hash, owned: true })),
      );
    },
    apply(pod: DesiredPod): Promise<void> {
      write(`${state.has(pod.fullName) ? "~ replace" : "+ add"} ${pod.fullName} (hash ${pod.hash})`);
      state.set(pod.fullName, pod);
      return Promise.resolve();
    },
    remove(fullName: string): Promise<void> {
      if (state.delete(fullName)) write(`- remove ${fullName}`);
      return Promise.resolve();
    },
    pods: () => new Map(state),
  };
}
