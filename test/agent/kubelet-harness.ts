// Test helper for the kubelet cases: an agent with the dry-run runtime against a real URL server on port 0.
import assert from "node:assert/strict";
import { after, before, beforeEach } from "node:test";
import { Agent, type PassResult } from "../../src/agent/agent.js";
import type { DesiredPod } from "../../src/runtime/driver.js";
import { createDryRunDriver } from "../../src/runtime/dry-run.js";
import { captureLogger, startUrlServer, type UrlServer } from "./url-server.js";

export type Json = Record<string, unknown>;

/** The node name of the kubelet's http_test.go. */
export const NODE = "different-value";

/** A minimal valid v1 Pod; `extra` goes into metadata, `spec` over the default spec. */
export function pod(name: string, extra: Json = {}, spec: Json = {}): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...extra },
    spec: { containers: [{ name: "c", image: "busybox:1.36" }], ...spec },
  };
}

export const list = (...items: Json[]): Json => ({ apiVersion: "v1", kind: "PodList", items });

export interface Harness {
  agent: Agent;
  server: UrlServer;
  /** What the dry-run runtime printed. */
  lines: string[];
  pods: () => Map<string, DesiredPod>;
  logs: () => Json[];
  pass: () => Promise<PassResult>;
}

export interface HarnessOptions {
  node?: string;
  url?: string;
  headers?: [string, string][];
  timeoutMs?: number;
}

/** Registers the suite's server (started before, closed after) and returns a factory of fresh agents. */
export function useKubeletHarness(): {
  server: () => UrlServer;
  harness: (options?: HarnessOptions) => Harness;
} {
  let server: UrlServer | undefined;
  before(async () => {
    server = await startUrlServer(`/nodes/${NODE}`);
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(() => {
    if (server !== undefined) server.requests.length = 0;
  });
  const current = (): UrlServer => {
    assert.ok(server, "the URL server is started in before()");
    return server;
  };
  return {
    server: current,
    harness: (options = {}) => {
      const lines: string[] = [];
      const driver = createDryRunDriver((line) => lines.push(line));
      const { logger, entries } = captureLogger();
      const agent = new Agent(
        {
          url: options.url ?? current().url,
          node: options.node ?? NODE,
          headers: options.headers ?? [],
          userAgent: "manifest-agent/test",
          intervalMs: 1000,
          maxBackoffMs: 5000,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        },
        { driver, logger },
      );
      return { agent, server: current(), lines, pods: driver.pods, logs: entries, pass: () => agent.pass() };
    },
  };
}

/** Serves `body` (JSON-encoded unless a string) with `status`, then runs one pass. */
export async function serve(h: Harness, body: unknown, status = 200): Promise<PassResult> {
  h.server.answer({ status, body: typeof body === "string" ? body : JSON.stringify(body) });
  return h.pass();
}

/** Every warning and error the agent logged, with the issues attached, one per line. */
export function errorsLogged(h: Harness): string {
  return h
    .logs()
    .filter((e) => e.level === 40 || e.level === 50)
    .map((e) => `${String(e.msg)} ${JSON.stringify(e.issues ?? "")}`)
    .join("\n");
}

/** Brings the agent to one running pod, `default/keep-different-value`. */
export async function established(h: Harness): Promise<void> {
  const r = await serve(h, list(pod("keep")));
  assert.equal(r.source, "changed");
  assert.deepEqual([...h.pods().keys()], [`default/keep-${NODE}`]);
}
