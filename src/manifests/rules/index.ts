// The kubelet's pod validation by area: each module checks one part of ValidatePodCreate, in this order.
import type { PodRule } from "./context.js";
import { hostNamespacesRule } from "./host-namespaces.js";
import { podAnnotationsRule } from "./pod-annotations.js";
import { podOsRule } from "./pod-os.js";
import { podResourcesRule } from "./pod-resources.js";
import { resourcesRule } from "./resources.js";
import { securityContextRule } from "./security-context.js";
import { sysctlsRule } from "./sysctls.js";

/** Every area rule, run by validatePod after defaults. Add a new area here. */
export const podRules: readonly PodRule[] = [
  podAnnotationsRule,
  resourcesRule,
  podResourcesRule,
  securityContextRule,
  sysctlsRule,
  hostNamespacesRule,
  podOsRule,
];
