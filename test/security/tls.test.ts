// HTTPS with a throwaway CA made by openssl: serving, client certificates as node credentials, certificate reload.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { EXAMPLE_FLEET, tempDir, type TempDir } from "../helpers/fleet.js";
import { eventually } from "../helpers/git.js";
import { bearer, TOKENS, writeTokensFile } from "./helpers.js";

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  await run("openssl", args, { cwd });
}

/** A CA, a server certificate for 127.0.0.1 (`serverName` as CN), signed by it. */
async function serverCert(dir: string, name: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await openssl(
    [
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      `${name}.crt`,
      "-extfile",
      `${name}.ext`,
    ],
    dir,
  );
}

async function clientCert(dir: string, cn: string): Promise<void> {
  await openssl(
    [
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${cn}.key`,
      "-out",
      `${cn}.csr`,
      "-subj",
      `/CN=${cn}`,
    ],
    dir,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      `${cn}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      `${cn}.crt`,
    ],
    dir,
  );
}

interface Got {
  status: number;
  body: string;
  peerCN: string;
}

function get(
  url: string,
  ca: Buffer,
  options: { headers?: Record<string, string>; cert?: Buffer; key?: Buffer } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, headers: options.headers ?? {}, cert: options.cert, key: options.key, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => {
          const cn: unknown =
            res.socket === null
              ? undefined
              : (res.socket as import("node:tls").TLSSocket).getPeerCertificate().subject?.CN;
          resolve({ status: res.statusCode ?? 0, body, peerCN: typeof cn === "string" ? cn : "" });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("TLS", () => {
  let dir: TempDir;
  let server: RunningServer;
  let ca: Buffer;
  before(async () => {
    dir = await tempDir("ms-tls-");
    await openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
      ],
      dir.path,
    );
    await serverCert(dir.path, "server-one");
    await serverCert(dir.path, "server-two");
    await clientCert(dir.path, "cp-1");
    await copyFile(join(dir.path, "server-one.crt"), join(dir.path, "tls.crt"));
    await copyFile(join(dir.path, "server-one.key"), join(dir.path, "tls.key"));
    ca = await readFile(join(dir.path, "ca.crt"));
    server = await startServer({
      dir: EXAMPLE_FLEET,
      listen: "127.0.0.1:0",
      tokensFile: await writeTokensFile(dir.path),
      tls: {
        cert: join(dir.path, "tls.crt"),
        key: join(dir.path, "tls.key"),
        clientCa: join(dir.path, "ca.crt"),
      },
    });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it("serves HTTPS; the token still decides", async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await get(`${server.url}/nodes/cp-1`, ca, { headers: bearer(TOKENS.cp1) });
    assert.equal(ok.status, 200);
    assert.equal(ok.peerCN, "server-one");
    assert.equal((await get(`${server.url}/nodes/cp-1`, ca)).status, 401);
    assert.equal((await get(`${server.url}/healthz`, ca)).status, 200);
  });

  it("refuses plain HTTP on the TLS port", async () => {
    const res = await fetch(server.url.replace("https:", "http:") + "/healthz").then(
      (r) => r.status,
      () => "refused",
    );
    assert.notEqual(res, 200);
  });

  it("accepts a client certificate from --client-ca as the credential of the node it names, only that node", async () => {
    const cert = await readFile(join(dir.path, "cp-1.crt"));
    const key = await readFile(join(dir.path, "cp-1.key"));
    assert.equal((await get(`${server.url}/nodes/cp-1`, ca, { cert, key })).status, 200);
    assert.equal((await get(`${server.url}/nodes/cp-2`, ca, { cert, key })).status, 401);
    assert.equal((await get(`${server.url}/status`, ca, { cert, key })).status, 401);
  });

  it("reloads a renewed certificate without a restart, and keeps the old one when the new files are bad", async () => {
    await writeFile(join(dir.path, "tls.crt"), "not a certificate\n");
    await server.reloadSecrets();
    assert.equal((await get(`${server.url}/healthz`, ca)).peerCN, "server-one");

    await copyFile(join(dir.path, "server-two.key"), join(dir.path, "tls.key"));
    await copyFile(join(dir.path, "server-two.crt"), join(dir.path, "tls.crt"));
    await eventually(
      async () => ((await get(`${server.url}/healthz`, ca)).peerCN === "server-two" ? true : undefined),
      "the renewed certificate to be served after the files changed",
    );
    assert.equal((await get(`${server.url}/nodes/cp-1`, ca, { headers: bearer(TOKENS.cp1) })).status, 200);
  });
});
