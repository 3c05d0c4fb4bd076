// Tests for the static-pod rules: API-object references the kubelet refuses, and warnings for fields it ignores.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validatePod } from "../../src/manifests/validate.js";
import { assertIssue, assertNoErrors, container, errors, pod, runErrorCase, warnings, type Case } from "./validate-helpers.js";

function volume(source: Record<string, unknown>): Record<string, unknown> {
  return pod({ volumes: [{ name: "v", ...source }] });
}

function projected(source: Record<string, unknown>): Record<string, unknown> {
  return volume({ projected: { sources: [source] } });
}

describe("validatePod: static-pod bans", () => {
  const ref = { name: "creds", key: "token" };
  const cases: Case[] = [
    { name: "serviceAccountName", pod: pod({ serviceAccountName: "admin" }), path: "spec.serviceAccountName", fragment: "may not reference serviceaccounts" },
    { name: "serviceAccount (deprecated)", pod: pod({ serviceAccount: "admin" }), path: "spec.serviceAccount", fragment: "may not reference serviceaccounts" },
    { name: "imagePullSecrets", pod: pod({ imagePullSecrets: [{ name: "reg" }] }), path: "spec.imagePullSecrets", fragment: "may not reference secrets" },
    {
      name: "env secretKeyRef",
      pod: pod({ containers: [container({ env: [{ name: "T", valueFrom: { secretKeyRef: ref } }] })] }),
      path: "spec.containers[0].env[0].valueFrom.secretKeyRef",
      fragment: "static pods may not reference secrets: the kubelet rejects the whole response. Use a hostPath volume or bake the value into the manifest",
    },
    {
      name: "env configMapKeyRef",
      pod: pod({ containers: [container({ env: [{ name: "T", valueFrom: { configMapKeyRef: ref } }] })] }),
      path: "spec.containers[0].env[0].valueFrom.configMapKeyRef",
      fragment: "may not reference configmaps",
    },
    {
      name: "envFrom secretRef in an init container",
      pod: pod({ initContainers: [container({ name: "init", envFrom: [{ secretRef: { name: "s" } }] })] }),
      path: "spec.initContainers[0].envFrom[0].secretRef",
      fragment: "may not reference secrets",
    },
    {
      name: "envFrom configMapRef",
      pod: pod({ containers: [container({ envFrom: [{ configMapRef: { name: "c" } }] })] }),
      path: "spec.containers[0].envFrom[0].configMapRef",
      fragment: "may not reference configmaps",
    },
    { name: "secret volume", pod: volume({ secret: { secretName: "s" } }), path: "spec.volumes[0].secret", fragment: "may not reference secrets (via secret volumes)" },
    { name: "configMap volume", pod: volume({ configMap: { name: "c" } }), path: "spec.volumes[0].configMap", fragment: "may not reference configmaps" },
    { name: "csi volume", pod: volume({ csi: { driver: "d" } }), path: "spec.volumes[0].csi", fragment: "may not reference csidrivers" },
    {
      name: "csi volume with nodePublishSecretRef",
      pod: volume({ csi: { driver: "d", nodePublishSecretRef: { name: "s" } } }),
      path: "spec.volumes[0].csi.nodePublishSecretRef",
      fragment: "may not reference secrets",
      count: 2,
    },
    {
      name: "glusterfs volume",
      pod: volume({ glusterfs: { endpoints: "e", path: "p" } }),
      path: "spec.volumes[0].glusterfs",
      fragment: "may not reference endpoints",
    },
    {
      name: "persistentVolumeClaim volume",
      pod: volume({ persistentVolumeClaim: { claimName: "c" } }),
      path: "spec.volumes[0].persistentVolumeClaim",
      fragment: "may not reference persistentvolumeclaims",
    },
    {
      name: "ephemeral volume",
      pod: volume({ ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } }),
      path: "spec.volumes[0].ephemeral",
      fragment: "may not reference persistentvolumeclaims (via ephemeral volumes)",
    },
    {
      name: "azureFile volume",
      pod: volume({ azureFile: { secretName: "s", shareName: "x" } }),
      path: "spec.volumes[0].azureFile",
      fragment: "may not reference secrets",
    },
    {
      name: "rbd secretRef",
      pod: volume({ rbd: { monitors: ["m"], image: "i", secretRef: { name: "s" } } }),
      path: "spec.volumes[0].rbd.secretRef",
      fragment: "may not reference secrets",
    },
    {
      name: "cephfs secretRef",
      pod: volume({ cephfs: { monitors: ["m"], secretRef: { name: "s" } } }),
      path: "spec.volumes[0].cephfs.secretRef",
      fragment: "may not reference secrets",
    },
    {
      name: "projected configMap",
      pod: projected({ configMap: { name: "c" } }),
      path: "spec.volumes[0].projected.sources[0].configMap",
      fragment: "may not reference configmaps",
    },
    {
      name: "projected secret",
      pod: projected({ secret: { name: "s" } }),
      path: "spec.volumes[0].projected.sources[0].secret",
      fragment: "may not reference secrets",
    },
    {
      name: "projected serviceAccountToken",
      pod: projected({ serviceAccountToken: { path: "token" } }),
      path: "spec.volumes[0].projected.sources[0].serviceAccountToken",
      fragment: "may not reference serviceaccounts",
    },
    {
      name: "C2: projected clusterTrustBundle",
      pod: projected({ clusterTrustBundle: { name: "my-ctb", path: "ctb-file" } }),
      path: "spec.volumes[0].projected.sources[0].clusterTrustBundle",
      fragment: "may not reference clustertrustbundles",
    },
    {
      name: "projected podCertificate",
      pod: projected({ podCertificate: { signerName: "example.com/s", keyType: "ED25519", credentialBundlePath: "b" } }),
      path: "spec.volumes[0].projected.sources[0].podCertificate",
      fragment: "may not reference podcertificates",
    },
    {
      name: "C3: resourceClaims",
      pod: pod({
        resourceClaims: [{ name: "my-claim", resourceClaimName: "some-external-claim" }],
        containers: [container({ resources: { claims: [{ name: "my-claim" }] } })],
      }),
      path: "spec.resourceClaims",
      fragment: "may not reference resourceclaims",
    },
    {
      name: "ephemeralContainers",
      pod: pod({ ephemeralContainers: [{ name: "debug", image: "busybox" }] }),
      path: "spec.ephemeralContainers",
      fragment: "static pods cannot have ephemeral containers",
    },
    {
      name: "schedulingGates",
      pod: pod({ schedulingGates: [{ name: "example.com/wait" }] }),
      path: "spec.schedulingGates",
      fragment: "nodeName together with schedulingGates",
    },
  ];
  for (const c of cases) it(c.name, () => runErrorCase(c));

  it("allows the volumes that need no API: hostPath, emptyDir, downwardAPI, nfs, projected downwardAPI", () => {
    const issues = validatePod(
      pod({
        volumes: [
          { name: "a", hostPath: { path: "/etc/kubernetes", type: "DirectoryOrCreate" } },
          { name: "b", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
          { name: "c", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
          { name: "d", nfs: { server: "nfs.example.com", path: "/export" } },
          { name: "e", projected: { sources: [{ downwardAPI: { items: [{ path: "n", fieldRef: { fieldPath: "metadata.name" } }] } }] } },
        ],
      }),
    );
    assertNoErrors(issues);
    assert.deepEqual(warnings(issues), []);
  });

  it("H13: one bad item among PodList items is reported under its item path", () => {
    const items = [pod(), pod({}, { name: undefined }), volume({ secret: { secretName: "s" } })];
    const issues = items.flatMap((item, i) => validatePod(item, { basePath: `items[${i}]` }));
    assert.deepEqual(
      errors(issues).map((i) => i.path),
      ["items[1].metadata.name", "items[2].spec.volumes[0].secret"],
    );
  });
});

describe("validatePod: static-pod warnings", () => {
  it("status with content", () => {
    const issues = validatePod(pod({}, {}, { status: { phase: "Running" } }));
    assertNoErrors(issues);
    assertIssue(issues, "status", "hash", "warning");
  });

  it("an empty status (as kubeadm writes) is fine", () => {
    assert.deepEqual(validatePod(pod({}, {}, { status: {} })), []);
  });

  it("metadata.uid, spec.nodeName and generateName", () => {
    const issues = validatePod(pod({ nodeName: "node-1" }, { uid: "111", generateName: "web-" }));
    assertNoErrors(issues);
    assertIssue(issues, "metadata.uid", "in-place", "warning");
    assertIssue(issues, "spec.nodeName", "overwritten by the kubelet", "warning");
    assertIssue(issues, "metadata.generateName", "ignored", "warning");
  });

  it("a custom priorityClassName, but not the built-in critical classes", () => {
    const custom = validatePod(pod({ priorityClassName: "fleet-high" }));
    assertNoErrors(custom);
    assertIssue(custom, "spec.priorityClassName", "mirror pod", "warning");
    assert.deepEqual(validatePod(pod({ priorityClassName: "system-node-critical" })), []);
  });

  it("no warning for missing tolerations", () => {
    assert.deepEqual(validatePod(pod()), []);
  });
});
