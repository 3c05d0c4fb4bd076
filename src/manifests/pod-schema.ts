// The v1 Pod's shape by type name, from the generated schema table: which type each field holds.
import { POD_FIELDS } from "./pod-fields.generated.js";
import { isRecord, pathOf } from "./validate-walk.js";

/** Resolves the child type of `type.field` ("" scalar, "*T" map of T), or undefined for an unknown field. */
export type ChildType = (type: string, field: string) => string | undefined;

/** The bundled schema's resolver. */
export const schemaChild: ChildType = (type, field) => POD_FIELDS[type]?.[field];

/** Visits every object of `value` whose type is known, with its type and path; lists and maps are walked through. */
export function walkTyped(
  value: unknown,
  type: string,
  path: string,
  visit: (obj: Record<string, unknown>, type: string, path: string) => void,
  childOf: ChildType = schemaChild,
): void {
  if (type === "") return;
  if (Array.isArray(value)) value.forEach((item, i) => walkTyped(item, type, pathOf(path, i), visit, childOf));
  else if (type.startsWith("*")) {
    if (isRecord(value))
      for (const key of Object.keys(value)) walkTyped(value[key], type.slice(1), pathOf(path, key), visit, childOf);
  } else if (isRecord(value)) {
    visit(value, type, path);
    for (const key of Object.keys(value)) {
      const child = childOf(type, key);
      if (child !== undefined && !(type === "Pod" && key === "status")) walkTyped(value[key], child, pathOf(path, key), visit, childOf);
    }
  }
}

/** The schema type of the value at `segments` (JSON-pointer segments from the pod), or undefined when unknown. */
export function typeAtPath(root: unknown, segments: readonly string[]): string | undefined {
  let type = "Pod";
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (type.startsWith("*")) {
      type = type.slice(1);
      current = isRecord(current) ? current[segment] : undefined;
    } else {
      const child = schemaChild(type, segment);
      if (child === undefined || child === "") return undefined;
      type = child;
      current = isRecord(current) ? current[segment] : undefined;
    }
  }
  return type.startsWith("*") ? undefined : type;
}
