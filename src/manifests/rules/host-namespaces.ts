// Host namespaces: what a user namespace (hostUsers: false) forbids, and Windows HostProcess pods (validateHostUsers, validateWindowsHostProcessPod).
import { IssueSink, pathOf, recordAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { podContainers, specOf, usesUserNamespace } from "./pod-parts.js";

/** The first kubelet minor with the UserNamespacesSupport feature gate on by default. */
const USER_NAMESPACES_ON_SINCE = 33;

function checkUserNamespace(spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  if (typeof spec["hostUsers"] === "boolean" && ctx.minor < USER_NAMESPACES_ON_SINCE) {
    sink.warning(
      pathOf(specPath, "hostUsers"),
      "feature-gate-off",
      `a 1.${ctx.minor} kubelet has the UserNamespacesSupport feature gate off by default and then fails to start a pod that sets hostUsers ("the feature gate \\"UserNamespacesSupport\\" is disabled: can't set spec.HostUsers"): enable the gate on the node or remove hostUsers`,
    );
  }
  if (!usesUserNamespace(spec)) return;
  for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[key] === true) {
      sink.error(
        pathOf(specPath, key),
        "host-namespace-with-userns",
        `Forbidden: when \`pod.Spec.HostUsers\` is false: a pod in its own user namespace cannot share the host's ${key.slice(4)} namespace; drop ${key} or hostUsers: false`,
      );
    }
  }
}

function checkHostProcess(spec: Record<string, unknown>, specPath: string, sink: IssueSink): void {
  const podValue = recordAt(recordAt(spec, "securityContext"), "windowsOptions")?.["hostProcess"];
  const podHostProcess = typeof podValue === "boolean" ? podValue : undefined;
  const containers = podContainers(spec, specPath);
  let hostProcessCount = 0;
  for (const { container, path } of containers) {
    const value = recordAt(recordAt(container, "securityContext"), "windowsOptions")?.["hostProcess"];
    const own = typeof value === "boolean" ? value : undefined;
    if (podHostProcess !== undefined && own !== undefined && own !== podHostProcess) {
      sink.error(
        pathOf(path, "securityContext", "windowsOptions", "hostProcess"),
        "host-process",
        `pod hostProcess value must be identical if both are specified, was ${String(podHostProcess)}`,
      );
    }
    if (own ?? (podHostProcess === true)) hostProcessCount++;
  }
  if (hostProcessCount === 0) return;
  if (hostProcessCount !== containers.length) {
    sink.error(
      specPath,
      "host-process",
      "If pod contains any hostProcess containers then all containers must be HostProcess containers: set windowsOptions.hostProcess on the pod",
    );
  }
  if (spec["hostNetwork"] !== true) {
    sink.error(pathOf(specPath, "hostNetwork"), "host-process", "hostNetwork must be true if pod contains any hostProcess containers");
  }
}

/** User namespaces (hostUsers) against the host namespaces, per kubelet minor, and Windows HostProcess pods. */
export const hostNamespacesRule: PodRule = (pod, base, ctx, sink) => {
  const { spec, specPath } = specOf(pod, base);
  if (spec === undefined) return;
  checkUserNamespace(spec, specPath, ctx, sink);
  checkHostProcess(spec, specPath, sink);
};
