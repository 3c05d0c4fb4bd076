// Resource quantities in a pod spec (containers, pod level, overhead). The other spec checks are area rules in rules/.
import { checkQuantity, checkResources } from "./validate-quantity.js";
import { IssueSink, arrayAt, isRecord, pathOf, recordAt } from "./validate-walk.js";

/** Checks the resource blocks of `spec`: every container's resources, pod-level resources and overhead. */
export function checkSpec(pod: unknown, base: string, sink: IssueSink): void {
  const spec = recordAt(pod, "spec");
  if (spec === undefined) return;
  const specPath = pathOf(base, "spec");
  for (const kind of ["initContainers", "containers"]) {
    arrayAt(spec, kind).forEach((container, i) => {
      if (isRecord(container)) checkResources(container["resources"], pathOf(specPath, kind, i, "resources"), sink);
    });
  }
  checkResources(spec["resources"], pathOf(specPath, "resources"), sink);
  const overhead = recordAt(spec, "overhead");
  if (overhead !== undefined) {
    for (const [name, value] of Object.entries(overhead)) checkQuantity(value, pathOf(specPath, "overhead", name), sink);
  }
}
