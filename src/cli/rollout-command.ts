// `manifest-server rollout status|pause|resume|promote|abort --server URL`: watch and steer a server's rollout.
import { Command, Option } from "commander";
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { EXIT, ManifestServerError, messageOf, UsageError } from "../lib/errors.js";
import { ENV, type SetExit } from "./command-options.js";
import { println, type CliIo } from "./io.js";
import { formatRollout, type RolloutBody } from "./rollout-table.js";

const ACTIONS = ["status", "pause", "resume", "promote", "abort"] as const;

async function token(file: string | undefined, cwd: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return (await readFile(resolve(cwd, file), "utf8")).trim();
  } catch (e) {
    throw new ManifestServerError("token-unreadable", `cannot read --token-file ${file}: ${messageOf(e)}`, {
      hint: "the file holds an admin token of the server's tokens file, on one line",
    });
  }
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new ManifestServerError("server-unreachable", `cannot reach ${url}: ${cause ?? messageOf(e)}`, {
      hint: "check --server (e.g. http://manifests.example:8080)",
    });
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: { error: { message: text.slice(0, 500) } } };
  }
}

function errorMessage(body: unknown): string {
  const e = (body as { error?: { message?: string } }).error;
  return e?.message ?? JSON.stringify(body);
}

export function addRolloutCommand(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("rollout")
    .description("show or steer the rollout of a running server: status, pause, resume, promote, abort")
    .argument("[action]", ACTIONS.join("|"), "status")
    .addOption(new Option("--server <url>", "the server's base URL").env(`${ENV}URL`).makeOptionMandatory())
    .addOption(new Option("--token-file <file>", "a file holding an admin token").env(`${ENV}TOKEN_FILE`))
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
pause: no node switches until resume. resume: continue (after a failure, failed nodes get a new deadline).
promote: every remaining node gets the new revision now. abort: roll back every switched node.
Exit codes: 0 done, 1 the server refused (e.g. 409: the rollout has already finished), 2 usage or unreachable.`,
    )
    .action(async (action: string, opts: { server: string; tokenFile?: string; output: "text" | "json" }) => {
      if (!(ACTIONS as readonly string[]).includes(action))
        throw new UsageError(`unknown rollout action "${action}"`, `use one of ${ACTIONS.join(", ")}`);
      const base = opts.server.replace(/\/+$/, "");
      const secret = await token(opts.tokenFile, io.cwd);
      const headers: Record<string, string> =
        secret === undefined ? {} : { authorization: `Bearer ${secret}` };
      if (action !== "status") {
        const acted = await call(`${base}/api/rollout/${action}`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ by: userInfo().username }),
        });
        if (acted.status !== 200) {
          println(
            io.stderr,
            `manifest-server rollout ${action}: ${acted.status} ${errorMessage(acted.body)}`,
          );
          setExit(EXIT.failed);
          return;
        }
      }
      const got = await call(`${base}/api/rollout`, { headers });
      if (got.status !== 200) {
        println(io.stderr, `manifest-server rollout status: ${got.status} ${errorMessage(got.body)}`);
        setExit(EXIT.failed);
        return;
      }
      const body = got.body as RolloutBody;
      if (opts.output === "json") println(io.stdout, JSON.stringify(body, null, 2));
      else for (const line of formatRollout(body)) println(io.stdout, line);
    });
}
