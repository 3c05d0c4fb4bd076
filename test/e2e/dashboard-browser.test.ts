// The dashboard in headless Chromium: each node's real state in the grid, a node link followed, screenshots saved.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { startServer, type RunningServer } from "../../src/server/start.js";
import {
  copyExampleFleet,
  REPO_ROOT,
  tempDir,
  type TempDir,
  manualDirSource,
  writeCanaryFleet,
} from "../helpers/fleet.js";
import { agentFor, brokenDriver, passAll } from "./agents.js";

const OUTPUT = join(REPO_ROOT, "test-output");
const CHROMIUM = process.env["MANIFEST_TEST_CHROMIUM"] ?? "/usr/bin/chromium";

/** Skipped with a message where Chromium is missing; CI sets MANIFEST_TEST_REQUIRE_BROWSER=1 so it must run there. */
function browserSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} not found: install Debian's chromium (.ci/run does) or set MANIFEST_TEST_CHROMIUM`;
  if (process.env["MANIFEST_TEST_REQUIRE_BROWSER"] === "1")
    throw new Error(`MANIFEST_TEST_REQUIRE_BROWSER=1 but ${why}`);
  return why;
}
const skip = browserSkip();

describe("dashboard in a browser", { ...(skip === undefined ? {} : { skip }) }, () => {
  let fleet: TempDir;
  let scratch: TempDir;
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    fleet = await copyExampleFleet();
    server = await startServer({ source: manualDirSource(fleet.path), listen: "127.0.0.1:0" });
    // A kubelet fetches cp-3 at the first revision; then the fleet changes.
    const old = await fetch(`${server.url}/nodes/cp-3`, { headers: { "User-Agent": "Go-http-client/1.1" } });
    await old.arrayBuffer();
    const fleetYaml = join(fleet.path, "fleet.yaml");
    const text = await readFile(fleetYaml, "utf8");
    await writeFile(fleetYaml, text.replace('etcd:3.5.15-0"', 'etcd:3.5.16-0"'));
    const outcome = await server.follower.refresh();
    assert.equal(outcome.kind, "published");
    scratch = await tempDir("ms-dash-");
    const blocker = join(scratch.path, "not-a-folder");
    await writeFile(blocker, "x");
    await passAll([agentFor(server.url, "cp-1"), agentFor(server.url, "edge-2", brokenDriver(blocker))]);
    const kubelet = await fetch(`${server.url}/nodes/cp-2`, {
      headers: { "User-Agent": "Go-http-client/1.1" },
    });
    await kubelet.arrayBuffer();
    // A broken change is rejected: the dashboard must say so and why, while serving the last good revision.
    await writeFile(join(fleet.path, "common/broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {}\n");
    assert.equal((await server.follower.refresh()).kind, "rejected");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    await mkdir(OUTPUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await fleet?.remove();
    await scratch?.remove();
  });

  it("shows every node's real state, follows a node link, and renders on a phone", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      await page.goto(`${server.url}/`);
      const states = await page.$$eval("li.cell", (cells: { getAttribute(name: string): string | null }[]) =>
        cells.map((c) => `${c.getAttribute("data-node") ?? ""}:${c.getAttribute("data-state") ?? ""}`),
      );
      assert.deepEqual(states, [
        "cp-1:current",
        "cp-2:current",
        "cp-3:behind",
        "edge-1:never-fetched",
        "edge-2:agent-error",
      ]);
      const colour = async (node: string): Promise<unknown> =>
        page.evaluate(
          `getComputedStyle(document.querySelector('li.cell[data-node="${node}"] a')).borderLeftColor`,
        );
      assert.notEqual(await colour("cp-1"), await colour("cp-3"));
      assert.notEqual(await colour("cp-3"), await colour("edge-2"));
      const revision = (await page.textContent("#live-revision")) ?? "";
      assert.match(revision, /loaded/);
      assert.match(revision, /Rejected/);
      assert.match(revision, /common\/broken\.yaml/);
      await page.screenshot({ path: join(OUTPUT, "dashboard.png"), fullPage: true });

      await page.selectOption("select[name=group]", "control-plane");
      await Promise.all([page.waitForURL(/group=control-plane/), page.click("form.filters button")]);
      assert.equal(await page.locator("li.cell").count(), 3);

      await Promise.all([page.waitForURL(/\/ui\/nodes\/cp-3$/), page.click('li.cell[data-node="cp-3"] a')]);
      assert.equal(await page.getAttribute("#node-h .badge", "data-state"), "behind");
      assert.match((await page.textContent("#reason")) ?? "", /last fetched revision sha256:/);
      assert.equal(await page.locator("tr[data-pod]").count(), 5);
      await page.screenshot({ path: join(OUTPUT, "dashboard-node.png"), fullPage: true });

      await page.goto(`${server.url}/ui/nodes/edge-2`);
      assert.match((await page.textContent("#reason")) ?? "", /agent: cannot list/);

      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${server.url}/`);
      const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
      assert.ok(
        typeof overflow === "number" && overflow <= 0,
        `no horizontal scrolling on a phone (${String(overflow)}px too wide)`,
      );
      await page.screenshot({ path: join(OUTPUT, "dashboard-phone.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("shows a rollout's held and rolled-back nodes in colours of their own", async () => {
    const fleetDir = join(scratch.path, "rollout-fleet");
    const write = (image: string) => writeCanaryFleet(fleetDir, image, ["cp-1", "cp-2", "edge-1"]);
    await write("example/app:1");
    const rollout = await startServer({
      source: manualDirSource(fleetDir),
      listen: "127.0.0.1:0",
      rollout: { tickMs: 0 },
    });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      const poll = async (node: string) =>
        (
          await fetch(`${rollout.url}/nodes/${node}`, { headers: { "User-Agent": "Go-http-client/1.1" } })
        ).arrayBuffer();
      for (const n of ["cp-1", "cp-2", "edge-1"]) await poll(n);
      await write("example/app:2");
      assert.equal((await rollout.follower.refresh()).kind, "published");
      await rollout.rollouts.driver.idle();
      await poll("cp-1");
      await page.goto(`${rollout.url}/`);
      const stateOf = (node: string) => page.getAttribute(`li.cell[data-node="${node}"]`, "data-state");
      const colour = async (node: string): Promise<unknown> =>
        page.evaluate(
          `getComputedStyle(document.querySelector('li.cell[data-node="${node}"] a')).borderLeftColor`,
        );
      assert.deepEqual(
        [await stateOf("cp-1"), await stateOf("cp-2"), await stateOf("edge-1")],
        ["current", "held", "held"],
      );
      assert.match(
        (await page.textContent('li.cell[data-node="cp-2"] .state')) ?? "",
        /held \(waiting for its wave\)/,
      );
      const held = await colour("cp-2");
      assert.notEqual(held, await colour("cp-1"));
      await page.screenshot({ path: join(OUTPUT, "dashboard-rollout.png"), fullPage: true });

      const abort = await fetch(`${rollout.url}/api/rollout/abort`, { method: "POST" });
      assert.equal(abort.status, 200);
      await abort.arrayBuffer();
      await page.goto(`${rollout.url}/`);
      // The canary was put back and has not fetched its previous document yet: behind, unlike the others.
      assert.deepEqual([await stateOf("cp-1"), await stateOf("cp-2")], ["behind", "rolled-back"]);
      const behind = await colour("cp-1");
      const back = await colour("cp-2");
      assert.equal(
        new Set([held, behind, back]).size,
        3,
        `${String(held)} ${String(behind)} ${String(back)}`,
      );
    } finally {
      await page.close();
      await rollout.close();
    }
  });

  it("refreshes the grid in place when a node catches up", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/`);
      assert.equal(await page.getAttribute('li.cell[data-node="cp-3"]', "data-state"), "behind");
      const res = await fetch(`${server.url}/nodes/cp-3`, {
        headers: { "User-Agent": "Go-http-client/1.1" },
      });
      await res.arrayBuffer();
      await page.waitForSelector('li.cell[data-node="cp-3"][data-state="current"]', { timeout: 8000 });
      assert.match((await page.textContent("#refresh-state")) ?? "", /updated/);
    } finally {
      await page.close();
    }
  });
});
