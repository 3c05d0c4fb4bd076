// The manifest-agent command: in-process through runAgentCli (help, usage errors, --once exit codes, signals),
// and as a real process where the process itself matters (flags from the environment, SIGTERM).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runAgentCli } from "../../src/cli/agent-cli.js";
import { captureIo, runCli } from "../helpers/cli.js";
import { spawnCli } from "../helpers/processes.js";
import { startUrlServer, type UrlServer } from "./url-server.js";

const CLI = join(import.meta.dirname, "..", "..", "src", "cli", "manifest-agent.ts");
const body = JSON.stringify({
  apiVersion: "v1",
  kind: "PodList",
  items: [{ metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } }],
});

let server: UrlServer;
let stateDir: string;
before(async () => {
  server = await startUrlServer("/nodes/n1");
  stateDir = await mkdtemp(join(tmpdir(), "agent-cli-"));
});
after(async () => {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** runAgentCli in-process with captured output; no signal ever arrives. */
const agent = (args: string[]) =>
  runCli((argv, io) => runAgentCli(argv, io, new EventEmitter()), args, { env: {} });

/** The real binary, for what only a process shows: its environment, its exit code. */
function agentProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A dry run of node n1 against the test server, with the suite's state dir. */
const flags = (): string[] => [
  ...["--url", server.url, "--node", "n1"],
  ...["--runtime", "dry-run", "--state-dir", stateDir],
];

test("--help lists every flag with its default, the env vars and examples", async () => {
  const { code, stdout: raw } = await agent(["--help"]);
  assert.equal(code, 0);
  const stdout = raw.replace(/\s+/g, " ");
  for (const text of [
    "--url <url>",
    "--runtime <runtime>",
    "--static-dir <dir>",
    "--instance <name>",
    "MANIFEST_AGENT_INSTANCE",
    "(default: 20s",
    "(default: 5m",
    "required:",
    "MANIFEST_AGENT_URL",
    "Examples:",
    "podman",
    "static-dir",
    "dry-run",
    "--once",
  ]) {
    assert.ok(stdout.includes(text), `help mentions ${text}`);
  }
});

test("usage errors exit 2 and say how to fix them", async () => {
  const missing = await agent(["--runtime", "dry-run"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--url/);
  const noDir = await agent(["--url", server.url, "--node", "n1", "--runtime", "static-dir"]);
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /--runtime static-dir needs --static-dir DIR/);
  const badHeader = await agent(["--url", server.url, "--runtime", "dry-run", "--header", "no colon"]);
  assert.equal(badHeader.code, 2);
  assert.match(badHeader.stderr, /'Key: Value'/);
  const badInstance = await agent(["--url", server.url, "--runtime", "dry-run", "--instance", "a/b"]);
  assert.equal(badInstance.code, 2);
  assert.match(badInstance.stderr, /--instance "a\/b" is not a valid instance name/);
  const badInterval = await agent(["--url", server.url, "--runtime", "dry-run", "--interval", "soon"]);
  assert.equal(badInterval.code, 2);
  assert.match(badInterval.stderr, /not a duration/);
  const badKubelet = await agent(["--url", server.url, "--runtime", "dry-run", "--kubelet-version", "1.28"]);
  assert.equal(badKubelet.code, 2);
  assert.match(badKubelet.stderr, /--kubelet-version: kubeletVersion "1.28" is not supported/);
  const badUrl = await agent(["--url", "nope", "--runtime", "dry-run"]);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /^error: --url "nope" is not a URL\nhint: e\.g\. --url http/);
});

test("--once: exit 0 when converged, the plan on stdout, JSON logs on stderr, the headers sent", async () => {
  server.answer({ status: 200, body });
  const { code, stdout, stderr } = await agent([
    ...flags(),
    "--once",
    "--header",
    "X-Token: abc",
    "--header",
    "X-Other: def",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^\+ add default\/web-n1 \(hash [0-9a-f]{32}\)\n$/);
  const last = server.requests.at(-1);
  assert.equal(last?.headers["x-token"], "abc");
  assert.equal(last?.headers["x-other"], "def");
  assert.match(String(last?.headers["user-agent"]), /^manifest-agent\/\d+\.\d+\.\d+/);
  for (const line of stderr.trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), line);
});

test("--once with flags from the environment (the real binary): exit 0, the plan on stdout", async () => {
  server.answer({ status: 200, body });
  const { code, stdout, stderr } = await agentProcess(["--once"], {
    MANIFEST_AGENT_URL: server.url,
    MANIFEST_AGENT_NODE: "n1",
    MANIFEST_AGENT_RUNTIME: "dry-run",
    MANIFEST_AGENT_STATE_DIR: stateDir,
    MANIFEST_AGENT_HEADER: "X-Token: abc\nX-Other: def",
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^\+ add default\/web-n1 \(hash [0-9a-f]{32}\)\n$/);
  const last = server.requests.at(-1);
  assert.equal(last?.headers["x-token"], "abc");
  assert.equal(last?.headers["x-other"], "def");
  for (const line of stderr.trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), line);
});

test("--once exits 1 when the server fails, even when the checkpoint keeps the pods", async () => {
  server.answer({ status: 503, body: "" });
  const { code, stdout } = await agent([...flags(), "--once"]);
  assert.equal(code, 1);
  assert.match(stdout, /\+ add default\/web-n1/, "runs from the checkpoint");
});

test("in-process: the first SIGTERM stops the loop after the current step, exit code 0", async () => {
  server.answer({ status: 200, body });
  const signals = new EventEmitter();
  const { io, stdout, stderr } = captureIo();
  const running = runAgentCli(flags(), io, signals);
  await stdout.waitFor("+ add");
  signals.emit("SIGTERM");
  assert.equal(await running, 0);
  assert.match(stderr.text, /"msg":"stopping after the current step"/);
  assert.match(stderr.text, /"msg":"stopped"/);
  assert.equal(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT"), 0, "listeners removed");
});

test("in-process: a second signal returns 130 at once, without waiting for the step in progress", async () => {
  server.answer({ status: 200, hang: true });
  const signals = new EventEmitter();
  const { io, stderr } = captureIo();
  const running = runAgentCli(flags(), io, signals);
  await stderr.waitFor('"msg":"starting"');
  signals.emit("SIGINT");
  signals.emit("SIGTERM");
  assert.equal(await running, 130);
});

test("the real binary: SIGTERM stops the loop cleanly with exit code 0", async () => {
  server.answer({ status: 200, body });
  const child = spawnCli("manifest-agent", flags(), { ...process.env });
  await child.waitFor(/"msg":"pod added"/);
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0);
  assert.match(child.stderr(), /"msg":"stopped"/);
});
