// The HTTP names the agent and the server both rely on: the revision header and the agent's User-Agent.
/** Response header of every node document: the git commit, or the `sha256:…` digest of a fleet folder. */
export const REVISION_HEADER = "X-Manifest-Revision";

/** Every manifest-agent's User-Agent starts with this; the server tells agents from kubelets by it. */
export const AGENT_USER_AGENT_PREFIX = "manifest-agent/";

/** The User-Agent of manifest-agent `version`. */
export function agentUserAgent(version: string): string {
  return AGENT_USER_AGENT_PREFIX + version;
}
