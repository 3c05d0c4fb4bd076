// The bad inputs every fleet source must reject with a message naming the place (shared by loader and server tests).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLE_FLEET, podYaml, withoutRollout } from "../helpers/fleet.js";

// Without the rollout policy, so groups: is the last section and a test can append a group.
const exampleFleetYaml = withoutRollout(readFileSync(join(EXAMPLE_FLEET, "fleet.yaml"), "utf8"));

export interface BadInput {
  name: string;
  /** Files to add or replace in a copy of the example fleet (path → text); null removes the file. */
  files: Record<string, string | null>;
  /** Bytes for a file too big to hold as a string literal. */
  big?: { path: string; bytes: number };
  /** A symlink to create: path → target. */
  symlink?: { path: string; target: string };
  /** The file named by the error, and a fragment of its message. */
  file: string;
  message: RegExp;
}

export const BAD_INPUTS: BadInput[] = [
  {
    name: "invalid YAML",
    files: { "common/broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n" },
    file: "common/broken.yaml",
    message: /line|column|flow|expected/i,
  },
  {
    name: "a document that is not a Pod",
    files: { "common/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n" },
    file: "common/svc.yaml",
    message: /Service.*only v1 Pod and v1 PodList/,
  },
  {
    name: "a pod without a name",
    files: {
      "common/noname.yaml":
        "apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers: [{name: c, image: x}]\n",
    },
    file: "common/noname.yaml",
    message: /name/i,
  },
  {
    name: "a pod without containers",
    files: { "common/nocontainers.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: empty}\nspec: {}\n" },
    file: "common/nocontainers.yaml",
    message: /containers/i,
  },
  {
    name: "value: yes in an env var",
    files: {
      "common/yes.yaml": podYaml(
        "yes-pod",
        "busybox:1.36",
        "      env:\n        - name: ENABLED\n          value: yes\n",
      ),
    },
    file: "common/yes.yaml",
    message: /string/i,
  },
  {
    name: "a Secret volume",
    files: {
      "common/secret.yaml":
        podYaml("secret-pod") + "  volumes:\n    - name: creds\n      secret: { secretName: creds }\n",
    },
    file: "common/secret.yaml",
    message: /secret/i,
  },
  {
    name: "serviceAccountName",
    files: {
      "common/sa.yaml": podYaml("sa-pod").replace("spec:\n", "spec:\n  serviceAccountName: default\n"),
    },
    file: "common/sa.yaml",
    message: /service ?account/i,
  },
  {
    name: "duplicate pod keys in one layer",
    files: { "common/dup-a.yaml": podYaml("twin"), "common/dup-b.yaml": podYaml("twin") },
    file: "common/dup-b.yaml",
    message: /defined twice/,
  },
  {
    name: "two equal-priority groups colliding",
    files: {
      "fleet.yaml": exampleFleetYaml + '  site-17:\n    selector:\n      matchLabels: { site: "store-17" }\n',
      "groups/edge/twin.yaml": podYaml("twin"),
      "groups/site-17/twin.yaml": podYaml("twin", "busybox:1.37"),
    },
    file: "groups/site-17/twin.yaml",
    message: /both select node edge-1 with priority 0/,
  },
  {
    name: "an undefined template variable",
    files: { "common/tpl.yaml": podYaml("tpl", "busybox:{{ vars.missingTag }}") },
    file: "common/tpl.yaml",
    message: /undefined fleet var "missingTag"/,
  },
  {
    name: "a group folder without a declaration",
    files: { "groups/nonexistent/p.yaml": podYaml("orphan") },
    file: "groups/nonexistent/",
    message: /no group "nonexistent" in fleet.yaml/,
  },
  {
    name: "a symlink pointing outside the fleet",
    files: {},
    symlink: { path: "common/passwd.yaml", target: "../../../../../../etc/passwd" },
    file: "common/passwd.yaml",
    message: /outside the fleet folder/,
  },
  {
    name: "a 20 MiB manifest file",
    files: {},
    big: { path: "common/huge.yaml", bytes: 20 * 1024 * 1024 },
    file: "common/huge.yaml",
    message: /10 MiB/,
  },
];
