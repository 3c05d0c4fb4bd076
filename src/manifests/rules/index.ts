// The kubelet's pod validation by area: each module checks one part of ValidatePodCreate, in this order.
import { affinityRule } from "./affinity.js";
import { containersRule } from "./containers.js";
import type { PodRule } from "./context.js";
import { dnsRule } from "./dns.js";
import { envRule } from "./env.js";
import { hostNamespacesRule } from "./host-namespaces.js";
import { mountsRule } from "./mounts.js";
import { podAnnotationsRule } from "./pod-annotations.js";
import { podFieldsRule } from "./pod-fields.js";
import { podOsRule } from "./pod-os.js";
import { podResourcesRule } from "./pod-resources.js";
import { portsRule } from "./ports.js";
import { probesRule } from "./probes.js";
import { resourcesRule } from "./resources.js";
import { schedulingRule } from "./scheduling.js";
import { securityContextRule } from "./security-context.js";
import { sysctlsRule } from "./sysctls.js";
import { volumesRule } from "./volumes.js";

/** Every area rule, run by validatePod after defaults. Add a new area here. */
export const podRules: readonly PodRule[] = [
  podAnnotationsRule,
  volumesRule,
  containersRule,
  portsRule,
  envRule,
  mountsRule,
  probesRule,
  resourcesRule,
  podResourcesRule,
  securityContextRule,
  sysctlsRule,
  hostNamespacesRule,
  podOsRule,
  podFieldsRule,
  dnsRule,
  schedulingRule,
  affinityRule,
];
