// The suite helper that fails a test when an unexpected error was logged: run on a throwaway suite.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { tempDir } from "./fleet.js";

const HELPER = pathToFileURL(join(import.meta.dirname, "error-log.ts")).href;

test("a test that logs an unexpected error fails; expected errors and warnings do not", async (t) => {
  const dir = await tempDir("error-log-");
  t.after(() => dir.remove());
  const suite = join(dir.path, "suite.test.ts");
  await writeFile(
    suite,
    `import { test } from "node:test";
import { useErrorLog } from ${JSON.stringify(HELPER)};
const log = useErrorLog();
test("logs an unexpected error", () => { log.logger.error({ err: new Error("boom") }, "request failed"); });
test("logs an expected error", () => { log.expect(/^request failed: boom/); log.logger.error({ err: new Error("boom") }, "request failed"); });
test("logs a warning", () => { log.logger.warn("careful"); });
test("expectations do not carry over", () => { log.logger.error("request failed"); });
`,
  );
  const stdout = await new Promise<string>((resolve) =>
    execFile(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), "--test", "--test-reporter=tap", suite],
      // Without the parent runner's NODE_TEST_CONTEXT, the child reports plain TAP on stdout.
      { cwd: dir.path, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
      (_error, out) => resolve(out),
    ),
  );
  const results = [...stdout.matchAll(/^(not ok|ok) \d+ - (.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(results, [
    "not ok logs an unexpected error",
    "ok logs an expected error",
    "ok logs a warning",
    "not ok expectations do not carry over",
  ]);
  assert.match(stdout, /unexpected error logged: request failed: boom/);
});
