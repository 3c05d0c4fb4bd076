// Fields the OpenAPI schema marks required but the kubelet accepts empty (Go decodes a missing string or number as zero).
/** Missing properties, by the schema path of their parent, that the kubelet's validation accepts. */
const ACCEPTED_MISSING: readonly [RegExp, string][] = [
  // HTTPHeader.value: a header without a value is sent empty.
  [/\/httpHeaders\/\d+$/, "value"],
  // SleepAction.seconds: 0, judged by the probes rule (valid from v1.33).
  [/\/lifecycle\/(preStop|postStart)\/sleep$/, "seconds"],
  // Preferred terms: an empty node preference is valid; a missing pod term is judged by the affinity rule.
  [/\/preferredDuringSchedulingIgnoredDuringExecution\/\d+$/, "preference"],
  [/\/preferredDuringSchedulingIgnoredDuringExecution\/\d+$/, "podAffinityTerm"],
  // ISCSIVolumeSource.lun defaults to 0; ScaleIOVolumeSource.secretRef is optional for the kubelet.
  [/\/volumes\/\d+\/iscsi$/, "lun"],
  [/\/volumes\/\d+\/scaleIO$/, "secretRef"],
];

/** True when the schema's "required" error for `missing` under `instancePath` is not an error for the kubelet. */
export function kubeletAcceptsMissing(instancePath: string, missing: string): boolean {
  return ACCEPTED_MISSING.some(([parent, property]) => property === missing && parent.test(instancePath));
}
