// v1 defaults inside a container: pull policy, termination message, ports, probes, lifecycle handlers, requests.
import { defaultPullPolicy } from "./image-pull-policy.js";
import { child, children, setNil, setZero, trimQuantities, type Obj } from "./set-default.js";

/** SetDefaults_HTTPGetAction: path "/", scheme HTTP. */
function defaultHttpGet(handler: Obj | undefined): void {
  const httpGet = child(handler, "httpGet");
  if (httpGet === undefined) return;
  setZero(httpGet, "path", "/");
  setZero(httpGet, "scheme", "HTTP");
}

/** SetDefaults_Probe plus its handlers: timeout 1, period 10, success 1, failure 3; grpc.service "". */
function defaultProbe(probe: Obj | undefined): void {
  if (probe === undefined) return;
  setZero(probe, "timeoutSeconds", 1);
  setZero(probe, "periodSeconds", 10);
  setZero(probe, "successThreshold", 1);
  setZero(probe, "failureThreshold", 3);
  defaultHttpGet(probe);
  const grpc = child(probe, "grpc");
  if (grpc !== undefined) setNil(grpc, "service", "");
}

/**
 * Copies every limit without a request into requests (SetDefaults_Pod, for containers and init containers).
 * Returns the names of the resources copied.
 */
function defaultRequests(container: Obj): string[] {
  const resources = child(container, "resources");
  const limits = child(resources, "limits");
  trimQuantities(limits);
  trimQuantities(child(resources, "requests"));
  if (resources === undefined || limits === undefined) return [];
  setNil(resources, "requests", {});
  const requests = child(resources, "requests");
  if (requests === undefined) return [];
  const copied: string[] = [];
  for (const [name, value] of Object.entries(limits))
    if (!Object.hasOwn(requests, name)) {
      requests[name] = value;
      copied.push(name);
    }
  return copied;
}

/**
 * SetDefaults_Container and the defaults of everything inside one container, in place. Returns the resources whose
 * request was copied from the limit.
 */
export function defaultContainer(container: Obj, hostNetwork: boolean): string[] {
  setZero(container, "imagePullPolicy", defaultPullPolicy(container["image"]));
  setZero(container, "terminationMessagePath", "/dev/termination-log");
  setZero(container, "terminationMessagePolicy", "File");
  for (const port of children(container, "ports")) {
    setZero(port, "protocol", "TCP");
    // With host networking every container port is also the host port.
    if (hostNetwork && typeof port["containerPort"] === "number") setZero(port, "hostPort", port["containerPort"]);
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) defaultProbe(child(container, probe));
  const lifecycle = child(container, "lifecycle");
  defaultHttpGet(child(lifecycle, "postStart"));
  defaultHttpGet(child(lifecycle, "preStop"));
  for (const env of children(container, "env")) {
    const fieldRef = child(child(env, "valueFrom"), "fieldRef");
    if (fieldRef !== undefined) setZero(fieldRef, "apiVersion", "v1");
  }
  return defaultRequests(container);
}
