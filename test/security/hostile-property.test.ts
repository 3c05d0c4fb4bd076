// Property tests over generated hostile fleets: through the loader and a running server, no crash, bounded issues and
// memory, the last good bytes still served, and requests answered while a load runs.
import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { MAX_ISSUES_PER_FILE, MAX_ISSUES_TOTAL } from "../../src/lib/issue-collector.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { rawRequest, rawStatus } from "./helpers.js";
import { copyExampleFleet, EXAMPLE_FLEET, manualDirSource, podYaml, type TempDir } from "../helpers/fleet.js";

const pod = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "h" },
  spec: { containers: [{ name: "c", image: "i" }], ...spec },
  ...extra,
});

/** One hostile file: its path under common/ and its text. `valid` when it must load (and be served). */
interface Hostile {
  name: string;
  path: string;
  text: string;
  valid?: boolean;
  /** Lines to add under `vars:` in fleet.yaml. */
  vars?: string;
}

const nested = (depth: number, open: string, close: string, inner = "1") =>
  open.repeat(depth) + inner + close.repeat(depth);

const HOSTILE: fc.Arbitrary<Hostile>[] = [
  fc.record({ depth: fc.integer({ min: 1001, max: 6000 }), obj: fc.boolean() }).map(({ depth, obj }) => ({
    name: `json nested ${depth}`,
    path: "common/deep.json",
    text: obj ? `{"a":${nested(depth, '{"a":', "}")}}` : nested(depth, "[", "]"),
  })),
  fc.integer({ min: 1001, max: 4000 }).map((depth) => ({
    name: `yaml nested ${depth}`,
    path: "common/deep.yaml",
    text: `a: ${nested(depth, "[", "]")}\n`,
  })),
  fc
    .record({
      exp: fc.integer({ min: 309, max: 100_000 }),
      sign: fc.constantFrom("", "-"),
      yaml: fc.boolean(),
    })
    .map(({ exp, sign, yaml }) => ({
      name: `number ${sign}1e${exp}`,
      path: yaml ? "common/inf.yaml" : "common/inf.json",
      text: yaml
        ? podYaml("h", "i", `  priority: ${sign}1e${exp}\n`)
        : JSON.stringify(pod({}, { priority: 0 })).replace('"priority":0', `"priority":${sign}1e${exp}`),
    })),
  fc.bigInt({ min: 2n ** 53n + 1n, max: 10n ** 300n }).map((n) => ({
    name: `integer ${String(n).slice(0, 12)}…`,
    path: "common/big.json",
    text: JSON.stringify(pod({}, { priority: 0 })).replace('"priority":0', `"priority":${n}`),
  })),
  fc
    .record({ width: fc.integer({ min: 5, max: 12 }), docs: fc.integer({ min: 1, max: 60 }) })
    .map(({ width, docs }) => {
      const level = (k: number) =>
        `l${k}: &l${k} [${Array<string>(width)
          .fill(k === 0 ? "x" : `*l${k - 1}`)
          .join(",")}]`;
      const doc = Array.from({ length: 8 }, (_, k) => level(k)).join("\n") + "\n";
      return {
        name: `alias bomb ${width}^8 x${docs}`,
        path: "common/bomb.yaml",
        text: Array<string>(docs).fill(doc).join("---\n"),
      };
    }),
  fc
    .record({ key: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty") })
    .map(({ key }) => ({
      name: `key ${key}`,
      path: "common/proto.yaml",
      // Under an unknown field (a warning; the kubelet drops it): label-like maps refuse keys such as `__proto__`.
      text: podYaml("proto", "i", `  notes:\n    ${key}: "{{ node.name }}"\n    plain: "x"\n`),
      valid: true,
    })),
  fc
    .record({ size: fc.integer({ min: 10_000, max: 100_000 }), uses: fc.integer({ min: 200, max: 6000 }) })
    .map(({ size, uses }) => ({
      name: `var of ${size} used ${uses} times`,
      path: "common/grow.yaml",
      text: podYaml("grow", "i", `  hostname: "${"{{ vars.grow }}".repeat(uses)}"\n`),
      vars: `  grow: "${"g".repeat(size)}"\n`,
    })),
  fc.integer({ min: 1_001, max: 20_000 }).map((n) => ({
    name: `${n} documents`,
    path: "common/docs.yaml",
    text: "---\n{}\n".repeat(n),
  })),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => ({
    name: `PodList of ${n} numbers`,
    path: "common/numbers.json",
    text: `{"apiVersion":"v1","kind":"PodList","items":[${Array<string>(n).fill("7").join(",")}]}`,
  })),
  fc.integer({ min: 200, max: 1000 }).map((n) => ({
    name: `${n} bad documents`,
    path: "common/bad.yaml",
    text: Array.from({ length: n }, (_, i) => `kind: Secret\nmetadata: { name: s${i} }\n`).join("---\n"),
  })),
];

/** Any hostile file; a failing case is shown by its name, not its (megabytes of) text. */
const hostile: fc.Arbitrary<Hostile> = fc
  .oneof(...HOSTILE)
  .map((h) => Object.assign(h, { [fc.toStringMethod]: () => JSON.stringify(h.name) }));

function fleetYamlWith(base: string, vars: string | undefined): string {
  return vars === undefined ? base : base.replace(/^vars:\n/m, `vars:\n${vars}`);
}

describe("generated hostile fleets", () => {
  it("through the loader: never throws, rejects with bounded issues naming the file, or serves every key as written", async () => {
    const base = await readFleetDir(EXAMPLE_FLEET);
    const fleetYaml = await readFile(join(EXAMPLE_FLEET, "fleet.yaml"), "utf8");
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 3 }), (cases) => {
        const files = base.filter((f) => f.path !== "fleet.yaml");
        const vars = cases.map((c) => c.vars ?? "").join("");
        const content = Buffer.from(fleetYamlWith(fleetYaml, vars === "" ? undefined : vars));
        files.push({ path: "fleet.yaml", size: content.length, content });
        cases.forEach((c, i) => {
          // Two valid files of the same case must not define the same pod.
          const text = Buffer.from(c.text.replace("name: proto\n", `name: proto-${i}\n`));
          files.push({ path: c.path.replace(/(\.\w+)$/, `-${i}$1`), size: text.length, content: text });
        });
        const result = loadFleet(files, { revision: "r" });
        if (cases.every((c) => c.valid === true)) {
          assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.issues.slice(0, 3)));
          return;
        }
        assert.equal(result.ok, false, cases.map((c) => c.name).join(", "));
        if (result.ok) return;
        const kept = result.issues.filter((i) => i.code !== "issues-omitted");
        assert.ok(kept.length <= MAX_ISSUES_TOTAL, `${kept.length} issues kept`);
        for (const [i, c] of cases.entries()) {
          if (c.valid === true) continue;
          const file = c.path.replace(/(\.\w+)$/, `-${i}$1`);
          const mine = kept.filter((issue) => issue.file === file);
          assert.ok(
            mine.length > 0 && mine.length <= MAX_ISSUES_PER_FILE,
            `${c.name}: ${mine.length} issues`,
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  describe("through a running server", () => {
    let dir: TempDir;
    let server: RunningServer;
    let fleetYaml: string;
    let onSnapshot: (() => void) | undefined;
    before(async () => {
      dir = await copyExampleFleet();
      // 60 more nodes and 150 more templated pods, so that every load takes many slices.
      const extra = Array.from({ length: 60 }, (_, i) => `  extra-${i}: { vars: { ip: "10.1.0.${i}" } }\n`);
      fleetYaml = (await readFile(join(dir.path, "fleet.yaml"), "utf8")).replace(
        /^nodes:\n/m,
        `nodes:\n${extra.join("")}`,
      );
      await writeFile(join(dir.path, "fleet.yaml"), fleetYamlWith(fleetYaml, '  salt: "s"\n'));
      for (let i = 0; i < 150; i++)
        await writeFile(
          join(dir.path, `common/filler-${i}.yaml`),
          podYaml(`filler-${i}`, "busybox:1.36", `  hostname: "h{{ vars.salt }}-{{ node.name }}"\n`),
        );
      // Once a snapshot is taken the load starts: a request sent then is in flight while the load computes.
      const inner = manualDirSource(dir.path);
      const source = {
        ...inner,
        description: inner.description,
        snapshot: async () => {
          const snapshot = await inner.snapshot();
          const hook = onSnapshot;
          onSnapshot = undefined;
          hook?.();
          return snapshot;
        },
      };
      server = await startServer({ source, listen: "127.0.0.1:0" });
      assert.equal(server.firstLoad.kind, "published");
    });
    after(async () => {
      await server.close();
      await dir.remove();
    });

    it("keeps serving the last good bytes, answers requests while loading, and stays within bounded memory", async () => {
      const bytes = async (): Promise<Buffer> =>
        Buffer.from(await (await fetch(`${server.url}/nodes/cp-1`)).arrayBuffer());
      let salt = 0;
      // A new salt changes every filler pod on every node: each load below recomputes them all (many slices).
      const fleetWith = (vars = ""): string => fleetYamlWith(fleetYaml, `  salt: "s${salt}"\n${vars}`);
      await writeFile(join(dir.path, "fleet.yaml"), fleetWith());
      assert.equal((await server.follower.refresh()).kind, "published");
      let good = await bytes();
      let served = server.store.current?.fleet.revision;
      await fc.assert(
        fc.asyncProperty(hostile, async (c) => {
          salt++;
          await writeFile(join(dir.path, "fleet.yaml"), fleetWith(c.vars));
          await writeFile(join(dir.path, c.path), c.text);
          // A request sent when the load starts is answered before the load ends.
          const order: string[] = [];
          let during: Promise<string> | undefined;
          onSnapshot = () => {
            during = rawRequest(
              server.url,
              "GET /nodes/cp-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ).then((res) => {
              order.push("request");
              return res;
            });
          };
          const outcome = await server.follower.refresh();
          order.push("load");
          assert.ok(during !== undefined);
          const answer = await during;
          assert.equal(rawStatus(answer), 200);
          const body = Buffer.from(answer.slice(answer.indexOf("\r\n\r\n") + 4), "latin1");
          assert.deepEqual(order, ["request", "load"], `${c.name}: the request waited for the whole load`);
          if (c.valid === true) assert.equal(outcome.kind, "published", c.name);
          else {
            assert.equal(outcome.kind, "rejected", c.name);
            assert.equal(server.store.current?.fleet.revision, served);
            assert.deepEqual(body, good);
            assert.deepEqual(await bytes(), good);
            const status = await fetch(`${server.url}/status`);
            assert.equal(status.status, 200);
            assert.ok((await status.text()).length < 2 * 1024 * 1024, "/status stays small");
          }
          await rm(join(dir.path, c.path));
          await writeFile(join(dir.path, "fleet.yaml"), fleetWith());
          assert.equal((await server.follower.refresh()).kind, "published");
          good = await bytes();
          served = server.store.current?.fleet.revision;
        }),
        { numRuns: 25 },
      );
      // No revision's worth of hostile input stays behind: bounded issues, nothing retained from rejected loads.
      assert.ok(process.memoryUsage().heapUsed < 768 * 1024 * 1024, `heap ${process.memoryUsage().heapUsed}`);
    });
  });
});
