// Measures the time from `git push` to the pushed commit being served, via the webhook and via polling.
// Run: node --import tsx bench/git-push-latency.ts [--rounds 10] [--poll 1s]
import { createHmac } from "node:crypto";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../src/lib/duration.js";
import { execCommand } from "../src/lib/exec.js";
import { startServer } from "../src/server/start.js";
import { createGitSource } from "../src/source/git-source.js";
import { gitEnv } from "../src/source/git.js";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "10" }, poll: { type: "string", default: "1s" } },
});
const rounds = Number(values.rounds);
const pollMs = parseDuration(values.poll ?? "1s");
const SECRET = "bench-secret";
const env: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.test",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.test",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};
const git = async (args: string[], cwd: string): Promise<string> =>
  (await execCommand("git", ["-c", "init.defaultBranch=main", ...args], { cwd, env })).stdout
    .toString()
    .trim();

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${at(1).toFixed(0)} ms (${s.length} pushes)`;
}

async function servedRevision(url: string): Promise<string | null> {
  const res = await fetch(`${url}/nodes/cp-1`);
  await res.arrayBuffer();
  return res.headers.get("x-manifest-revision");
}

const root = await mkdtemp(join(tmpdir(), "ms-bench-git-"));
try {
  const remote = join(root, "remote.git");
  const work = join(root, "work");
  await git(["init", "--bare", "--quiet", remote], root);
  await git(["init", "--quiet", work], root);
  await cp(join(import.meta.dirname, "..", "manifests"), join(work, "manifests"), { recursive: true });
  await git(["remote", "add", "origin", remote], work);
  await git(["add", "-A"], work);
  await git(["commit", "--quiet", "-m", "Initial fleet"], work);
  await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);

  const commit = async (i: number): Promise<string> => {
    await writeFile(join(work, "manifests/nodes/edge-2/bench.yaml"), `# round ${i}\n`);
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", `Round ${i}`], work);
    return git(["rev-parse", "HEAD"], work);
  };

  const hookServer = await startServer({
    git: {
      source: createGitSource({
        repo: remote,
        cacheDir: join(root, "cache-hook"),
        cwd: root,
        env: gitEnv(env, true),
        pollMs: 0,
      }),
      webhookSecret: SECRET,
    },
    listen: "127.0.0.1:0",
  });
  const viaHook: number[] = [];
  const hookOnly: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const sha = await commit(i);
    const t0 = performance.now();
    await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
    const t1 = performance.now();
    const body = JSON.stringify({ ref: "refs/heads/main", after: sha });
    const res = await fetch(`${hookServer.url}/hooks/git`, {
      method: "POST",
      body,
      headers: { "X-Hub-Signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` },
    });
    await res.arrayBuffer();
    const served = await servedRevision(hookServer.url);
    const t2 = performance.now();
    if (served !== sha) throw new Error(`round ${i}: served ${served}, pushed ${sha}`);
    viaHook.push(t2 - t0);
    if (process.env.BENCH_VERBOSE === "1") console.log(`hook round ${i}: ${(t2 - t0).toFixed(0)} ms`);
    hookOnly.push(t2 - t1);
  }
  await hookServer.close();

  const pollServer = await startServer({
    git: {
      source: createGitSource({
        repo: remote,
        cacheDir: join(root, "cache-poll"),
        cwd: root,
        env: gitEnv(env, true),
        pollMs,
      }),
    },
    listen: "127.0.0.1:0",
  });
  const viaPoll: number[] = [];
  for (let i = rounds; i < rounds * 2; i++) {
    const sha = await commit(i);
    const t0 = performance.now();
    await git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
    while ((await servedRevision(pollServer.url)) !== sha) await new Promise((r) => setTimeout(r, 5));
    viaPoll.push(performance.now() - t0);
  }
  await pollServer.close();

  console.log(`git push → served via webhook: ${summary(viaHook)}`);
  console.log(`  of which webhook → fetch → load → served: ${summary(hookOnly)}`);
  console.log(`git push → served via polling every ${pollMs} ms: ${summary(viaPoll)}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
