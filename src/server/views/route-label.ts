// The label of a request in the HTTP metrics: one of a fixed set of routes, never a path.
/** The fixed set of route labels: a path never becomes a label. */
export type RouteLabel =
  | "node"
  | "node-report"
  | "nodes"
  | "status"
  | "healthz"
  | "readyz"
  | "metrics"
  | "dashboard"
  | "dashboard-node"
  | "rollout"
  | "webhook"
  | "other";

/** The route label of a request path (without query). */
export function routeOf(path: string): RouteLabel {
  if (path.startsWith("/nodes/")) {
    const rest = path.slice(7);
    const slash = rest.indexOf("/");
    if (slash < 0) return rest === "" ? "other" : "node";
    return rest.slice(slash) === "/report" ? "node-report" : "other";
  }
  if (path.startsWith("/ui/nodes/")) return "dashboard-node";
  if (path.startsWith("/api/rollout/")) return "rollout";
  switch (path) {
    case "/":
      return "dashboard";
    case "/nodes":
      return "nodes";
    case "/status":
      return "status";
    case "/healthz":
      return "healthz";
    case "/readyz":
      return "readyz";
    case "/metrics":
      return "metrics";
    case "/api/rollout":
      return "rollout";
    case "/hooks/git":
      return "webhook";
    default:
      return "other";
  }
}
