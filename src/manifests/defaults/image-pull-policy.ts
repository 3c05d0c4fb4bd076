// The kubelet's default imagePullPolicy: Always for the tag "latest" (explicit, or implied by no tag and no digest), else IfNotPresent.

// The reference grammar of distribution/reference (name components, optional domain, tag, digest).
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/**
 * The tag the kubelet's image-name parser finds in `image`: the explicit tag, "latest" when there is neither tag
 * nor digest, "" with only a digest or when the reference does not parse (the defaulting ignores that error).
 */
export function imageTag(image: string): string {
  const match = REFERENCE.exec(image);
  if (match === null || (match[1]?.length ?? 0) > 255) return "";
  const tag = match[2] ?? "";
  const digest = match[3] ?? "";
  return tag === "" && digest === "" ? "latest" : tag;
}

/** The imagePullPolicy the kubelet fills in for an image when none is set. */
export function defaultPullPolicy(image: unknown): "Always" | "IfNotPresent" {
  return typeof image === "string" && imageTag(image) === "latest" ? "Always" : "IfNotPresent";
}
