// Containers: names, images, policies, sidecars and container restart policies by kubelet version.
import { describe } from "node:test";
import { container, pod, runCases, type Obj, type RuleCase } from "./cases.js";

const sidecar = (extra: Obj = {}) => container({ name: "proxy", restartPolicy: "Always", ...extra });
const initC = (extra: Obj = {}) => container({ name: "setup", ...extra });
const probe = { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

const cases: RuleCase[] = [
  { name: "names unique across init and regular containers", pod: pod({ initContainers: [initC()] }) },
  { name: "an init container named like a regular one", pod: pod({ initContainers: [initC({ name: "app" })] }), error: ["spec.containers[0].name", "Duplicate value"] },
  { name: "an image with a trailing space", pod: pod({ containers: [container({ image: "nginx " })] }), error: ["spec.containers[0].image", "must not have leading or trailing whitespace"] },
  { name: "every pull and termination-message policy", pod: pod({ containers: [container({ imagePullPolicy: "Never", terminationMessagePolicy: "FallbackToLogsOnError" })] }) },
  { name: "an unknown terminationMessagePolicy", pod: pod({ containers: [container({ terminationMessagePolicy: "Logs" })] }), error: ["spec.containers[0].terminationMessagePolicy", 'Unsupported value: "Logs"'] },
  { name: "stdin, tty and workingDir are not validated", pod: pod({ containers: [container({ stdin: true, stdinOnce: true, tty: true, workingDir: "relative/dir" })] }) },
  // Sidecars (SidecarContainers, on by default from v1.29).
  { name: "a sidecar with probes and hooks", minor: 29, pod: pod({ initContainers: [sidecar({ livenessProbe: probe, startupProbe: probe, readinessProbe: probe, lifecycle: { preStop: { exec: { command: ["true"] } } } })] }) },
  { name: "a sidecar's liveness successThreshold of 2", pod: pod({ initContainers: [sidecar({ livenessProbe: { ...probe, successThreshold: 2 } })] }), error: ["spec.initContainers[0].livenessProbe.successThreshold", "must be 1"] },
  { name: "a plain init container with a readinessProbe", pod: pod({ initContainers: [initC({ readinessProbe: probe })] }), error: ["spec.initContainers[0].readinessProbe", "may not be set for init containers without restartPolicy=Always"] },
  { name: "a plain init container with lifecycle hooks", pod: pod({ initContainers: [initC({ lifecycle: { postStart: { exec: { command: ["true"] } } } })] }), error: ["spec.initContainers[0].lifecycle", "may not be set for init containers without restartPolicy=Always"] },
  // Container restart policies (ContainerRestartRules, on by default from v1.35).
  { name: "a regular container's restartPolicy", pod: pod({ containers: [container({ restartPolicy: "Never" })] }), warning: ["spec.containers[0].restartPolicy", "v1.35"] },
  { name: "a regular container's restartPolicy", minor: 34, pod: pod({ containers: [container({ restartPolicy: "Never" })] }), error: ["spec.containers[0].restartPolicy", "may not be set for non-init containers"] },
  { name: "an init container's restartPolicy OnFailure", minor: 34, pod: pod({ initContainers: [initC({ restartPolicy: "OnFailure" })] }), error: ["spec.initContainers[0].restartPolicy", 'supported values: "Always"'] },
  { name: "an init container's restartPolicy OnFailure", pod: pod({ initContainers: [initC({ restartPolicy: "OnFailure" })] }), warning: ["spec.initContainers[0].restartPolicy", "v1.35"] },
  { name: "an unknown container restartPolicy", pod: pod({ containers: [container({ restartPolicy: "Sometimes" })] }), error: ["spec.containers[0].restartPolicy", "unsupported value"] },
  {
    name: "restartPolicyRules",
    pod: pod({ containers: [container({ restartPolicy: "Never", restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "In", values: [42] } }] })] }),
    warning: ["spec.containers[0].restartPolicy", "v1.35"],
  },
  {
    name: "restartPolicyRules on an older kubelet (warning)",
    minor: 34,
    pod: pod({ containers: [container({ restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "In", values: [42] } }] })] }),
    warning: ["spec.containers[0].restartPolicyRules", "on by default from v1.35"],
  },
  {
    name: "restartPolicyRules on a sidecar",
    pod: pod({ initContainers: [sidecar({ restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "In", values: [42] } }] })] }),
    error: ["spec.initContainers[0].restartPolicyRules", "may not be set on a sidecar"],
  },
  { name: "a restart rule with an unknown operator", pod: pod({ containers: [container({ restartPolicy: "Never", restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "Is", values: [1] } }] })] }), error: ["spec.containers[0].restartPolicyRules[0].exitCodes.operator", 'Unsupported value: "Is"'] },
  { name: "a restart rule with another action", pod: pod({ containers: [container({ restartPolicy: "Never", restartPolicyRules: [{ action: "RestartAllContainers", exitCodes: { operator: "In", values: [1] } }] })] }), error: ["spec.containers[0].restartPolicyRules[0].action", 'Unsupported value: "RestartAllContainers"'] },
  { name: "a restart rule with 256 exit codes", pod: pod({ containers: [container({ restartPolicy: "Never", restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "NotIn", values: Array.from({ length: 256 }, (_, i) => i) } }] })] }), error: ["spec.containers[0].restartPolicyRules[0].exitCodes.values", "at most 255"] },
];

describe("rules: containers", () => runCases(cases));
