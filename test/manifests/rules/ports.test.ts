// Container ports: numbers, names, protocols, hostNetwork, and host port conflicts (init containers one at a time).
import { describe } from "node:test";
import { container, pod, runCases, type Obj, type RuleCase } from "./cases.js";

const ports = (...list: Obj[]) => container({ ports: list });
const init = (name: string, ...list: Obj[]) => container({ name, ports: list });

const cases: RuleCase[] = [
  { name: "ports of every protocol", pod: pod({ containers: [ports({ containerPort: 53, protocol: "UDP", name: "dns" }, { containerPort: 53, protocol: "TCP", name: "dns-tcp" }, { containerPort: 3868, protocol: "SCTP" })] }) },
  { name: "a port name of 15 characters", pod: pod({ containers: [ports({ containerPort: 80, name: "abcdefghijklmno" })] }) },
  { name: "a port name with two hyphens in a row", pod: pod({ containers: [ports({ containerPort: 80, name: "a--b" })] }), error: ["spec.containers[0].ports[0].name", "consecutive hyphens"] },
  { name: "no containerPort", pod: pod({ containers: [ports({ name: "http" })] }), error: ["spec.containers[0].ports[0].containerPort", "containerPort is required"] },
  { name: "the same hostPort on two protocols", pod: pod({ containers: [ports({ containerPort: 53, hostPort: 53, protocol: "UDP" }, { containerPort: 53, hostPort: 53, protocol: "TCP" })] }) },
  { name: "the same hostPort on two host IPs", pod: pod({ containers: [ports({ containerPort: 80, hostPort: 80, hostIP: "10.0.0.1" }), container({ name: "b", ports: [{ containerPort: 80, hostPort: 80, hostIP: "10.0.0.2" }] })] }) },
  {
    name: "the same hostPort in two regular containers",
    pod: pod({ containers: [ports({ containerPort: 80, hostPort: 8080 }), container({ name: "b", ports: [{ containerPort: 81, hostPort: 8080 }] })] }),
    error: ["spec.containers[1].ports[0].hostPort", 'Duplicate value: "TCP//8080"'],
  },
  {
    name: "the same hostPort in an init container and a main container (they never run together)",
    pod: pod({ initContainers: [init("setup", { containerPort: 8080, hostPort: 8080 })], containers: [ports({ containerPort: 8080, hostPort: 8080 })] }),
  },
  {
    name: "the same hostPort in a sidecar and a main container (accepted, but they run together: warning)",
    pod: pod({ initContainers: [container({ name: "proxy", restartPolicy: "Always", ports: [{ containerPort: 8080, hostPort: 8080 }] })], containers: [ports({ containerPort: 8080, hostPort: 8080 })] }),
    warning: ["spec.initContainers[0].ports[0].hostPort", "cannot bind the port"],
  },
  {
    name: "the same hostPort in two init containers",
    pod: pod({ initContainers: [init("a", { containerPort: 80, hostPort: 9000 }), init("b", { containerPort: 81, hostPort: 9000 })] }),
  },
  {
    name: "the same hostPort twice in one init container",
    pod: pod({ initContainers: [init("a", { containerPort: 80, hostPort: 9000 }, { containerPort: 81, hostPort: 9000 })] }),
    error: ["spec.initContainers[0].ports[1].hostPort", "Duplicate value"],
  },
  { name: "hostNetwork with hostPort equal to containerPort", pod: pod({ hostNetwork: true, containers: [ports({ containerPort: 10250, hostPort: 10250 })] }) },
  { name: "hostNetwork without hostPort (defaulted to containerPort)", pod: pod({ hostNetwork: true, containers: [ports({ containerPort: 10250 })] }) },
  {
    name: "hostNetwork: two containers on the same containerPort conflict on the host",
    pod: pod({ hostNetwork: true, containers: [ports({ containerPort: 8080 }), container({ name: "b", ports: [{ containerPort: 8080 }] })] }),
    error: ["spec.containers[1].ports[0].hostPort", "Duplicate value"],
  },
  {
    name: "hostNetwork: an init container may use a different hostPort (only regular containers must match)",
    pod: pod({ hostNetwork: true, initContainers: [init("setup", { containerPort: 80, hostPort: 8080 })] }),
  },
];

describe("rules: ports", () => runCases(cases));
