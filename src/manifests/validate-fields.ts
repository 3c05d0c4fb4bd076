// Unknown-field warnings: the kubelet silently ignores fields it does not know, so a typo like `imagePulPolicy` goes unnoticed.
import { IssueSink, arrayAt, isRecord, pathOf, recordAt } from "./validate-walk.js";

function fields(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter((s) => s !== ""));
}

// Field names of the v1 types where typos are common (Kubernetes v1.35, including fields newer than the bundled schema).
const POD = fields("apiVersion kind metadata spec status");
const OBJECT_META = fields(`annotations creationTimestamp deletionGracePeriodSeconds deletionTimestamp finalizers
  generateName generation labels managedFields name namespace ownerReferences resourceVersion selfLink uid`);
const POD_SPEC = fields(`activeDeadlineSeconds affinity automountServiceAccountToken containers dnsConfig dnsPolicy
  enableServiceLinks ephemeralContainers hostAliases hostIPC hostNetwork hostPID hostUsers hostname hostnameOverride
  imagePullSecrets initContainers nodeName nodeSelector os overhead preemptionPolicy priority priorityClassName
  readinessGates resourceClaims resources restartPolicy runtimeClassName schedulerName schedulingGates securityContext
  serviceAccount serviceAccountName setHostnameAsFQDN shareProcessNamespace subdomain terminationGracePeriodSeconds
  tolerations topologySpreadConstraints volumes workloadRef`);
const CONTAINER = fields(`args command env envFrom image imagePullPolicy lifecycle livenessProbe name ports
  readinessProbe resizePolicy resources restartPolicy restartPolicyRules securityContext startupProbe stdin stdinOnce
  terminationMessagePath terminationMessagePolicy tty volumeDevices volumeMounts workingDir`);
const VOLUME = fields(`name awsElasticBlockStore azureDisk azureFile cephfs cinder configMap csi downwardAPI emptyDir
  ephemeral fc flexVolume flocker gcePersistentDisk gitRepo glusterfs hostPath image iscsi nfs persistentVolumeClaim
  photonPersistentDisk portworxVolume projected quobyte rbd scaleIO secret storageos vsphereVolume`);
const VOLUME_MOUNT = fields("mountPath mountPropagation name readOnly recursiveReadOnly subPath subPathExpr");
const CONTAINER_PORT = fields("containerPort hostIP hostPort name protocol");
const ENV_VAR = fields("name value valueFrom");
const PROBE = fields(`exec failureThreshold grpc httpGet initialDelaySeconds periodSeconds successThreshold tcpSocket
  terminationGracePeriodSeconds timeoutSeconds`);
const HTTP_GET = fields("host httpHeaders path port scheme");
const RESOURCES = fields("claims limits requests");
const SECURITY_CONTEXT = fields(`allowPrivilegeEscalation appArmorProfile capabilities privileged procMount
  readOnlyRootFilesystem runAsGroup runAsNonRoot runAsUser seLinuxOptions seccompProfile windowsOptions`);
const HOST_PATH = fields("path type");

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + cost);
      previous = saved;
    }
  }
  return row[b.length] ?? 0;
}

function check(obj: unknown, known: ReadonlySet<string>, path: string, sink: IssueSink): void {
  if (!isRecord(obj)) return;
  for (const key of Object.keys(obj)) {
    if (known.has(key)) continue;
    let best: string | undefined;
    let bestDistance = 3;
    for (const candidate of known) {
      const d = distance(key, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    const hint = best === undefined ? "" : ` Did you mean "${best}"?`;
    sink.warning(pathOf(path, key), "unknown-field", `unknown field "${key}" (ignored by the kubelet — a typo?)${hint}`);
  }
}

function checkProbe(probe: unknown, path: string, sink: IssueSink): void {
  check(probe, PROBE, path, sink);
  check(recordAt(probe, "httpGet"), HTTP_GET, pathOf(path, "httpGet"), sink);
}

/** Warns about every unknown field in the parts of a pod where typos are common. Never throws. */
export function checkUnknownFields(pod: unknown, base: string, sink: IssueSink): void {
  check(pod, POD, base, sink);
  check(recordAt(pod, "metadata"), OBJECT_META, pathOf(base, "metadata"), sink);
  const spec = recordAt(pod, "spec");
  const specPath = pathOf(base, "spec");
  check(spec, POD_SPEC, specPath, sink);
  for (const kind of ["initContainers", "containers"]) {
    arrayAt(spec, kind).forEach((container, i) => {
      const at = pathOf(specPath, kind, i);
      check(container, CONTAINER, at, sink);
      arrayAt(container, "ports").forEach((port, j) => check(port, CONTAINER_PORT, pathOf(at, "ports", j), sink));
      arrayAt(container, "env").forEach((env, j) => check(env, ENV_VAR, pathOf(at, "env", j), sink));
      arrayAt(container, "volumeMounts").forEach((m, j) => check(m, VOLUME_MOUNT, pathOf(at, "volumeMounts", j), sink));
      for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        checkProbe(recordAt(container, probe), pathOf(at, probe), sink);
      }
      check(recordAt(container, "resources"), RESOURCES, pathOf(at, "resources"), sink);
      check(recordAt(container, "securityContext"), SECURITY_CONTEXT, pathOf(at, "securityContext"), sink);
    });
  }
  arrayAt(spec, "volumes").forEach((volume, i) => {
    const at = pathOf(specPath, "volumes", i);
    check(volume, VOLUME, at, sink);
    check(recordAt(volume, "hostPath"), HOST_PATH, pathOf(at, "hostPath"), sink);
  });
}
