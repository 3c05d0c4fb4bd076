// TLS for the server: certificate and key read from files, swapped in on change or SIGHUP without a restart.
import { readFile } from "node:fs/promises";
import type { Server as HttpsServer, ServerOptions as HttpsOptions } from "node:https";
import { basename, dirname } from "node:path";
import { createSecureContext } from "node:tls";
import { acceptNames, watchDebounced, type DebouncedWatch } from "../../lib/debounced-watch.js";
import { ManifestServerError } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";

export interface TlsFiles {
  /** PEM certificate chain (leaf first). */
  cert: string;
  /** PEM private key. */
  key: string;
  /** PEM CA bundle: client certificates signed by it are requested and verified, never required. */
  clientCa?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

async function read(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new ManifestServerError("tls-unreadable", `cannot read ${flag} ${path}: ${(e as Error).message}`, {
      hint: "pass readable PEM files to --tls-cert, --tls-key and --client-ca",
    });
  }
}

/** Reads the files and checks that they form a usable context; throws a ManifestServerError naming the files otherwise. */
export async function loadTls(files: TlsFiles): Promise<TlsMaterial> {
  const material: TlsMaterial = {
    cert: await read(files.cert, "--tls-cert"),
    key: await read(files.key, "--tls-key"),
    ...(files.clientCa === undefined ? {} : { ca: await read(files.clientCa, "--client-ca") }),
  };
  try {
    createSecureContext(material);
  } catch (e) {
    throw new ManifestServerError(
      "tls-invalid",
      `--tls-cert ${files.cert} and --tls-key ${files.key} do not form a usable TLS identity: ${(e as Error).message}`,
      { hint: "check that both are PEM and that the key belongs to the certificate" },
    );
  }
  return material;
}

/** https.createServer options: the material, and client certificates requested but not required (the kubelet sends none). */
export function httpsOptions(material: TlsMaterial): HttpsOptions {
  return {
    ...material,
    ...(material.ca === undefined ? {} : { requestCert: true, rejectUnauthorized: false }),
    minVersion: "TLSv1.2",
  };
}

/** Keeps a server's certificate current: `reload()` re-reads the files; `watch()` reloads when they change. */
export class TlsReloader {
  private watcher: DebouncedWatch | undefined;

  constructor(
    private readonly server: HttpsServer,
    private readonly files: TlsFiles,
    private readonly logger: Logger,
  ) {}

  /** Swaps in the files' current content; on any problem keeps the old certificate and logs why. Resolves true when swapped. */
  async reload(): Promise<boolean> {
    try {
      const material = await loadTls(this.files);
      this.server.setSecureContext(httpsOptions(material));
      this.logger.info({ cert: this.files.cert }, "TLS certificate reloaded");
      return true;
    } catch (e) {
      this.logger.error(
        { cert: this.files.cert, err: (e as Error).message },
        "TLS files rejected; the previous certificate stays in use",
      );
      return false;
    }
  }

  /** Watches the folders of the files (renames by cert-manager or a Kubernetes secret update included). */
  watch(): void {
    const paths = [
      this.files.cert,
      this.files.key,
      ...(this.files.clientCa === undefined ? [] : [this.files.clientCa]),
    ];
    const accept = acceptNames(paths.map((p) => basename(p)));
    this.watcher?.close();
    this.watcher = watchDebounced(
      [...new Set(paths.map((p) => dirname(p)))].map((dir) => ({ dir, accept })),
      100,
      () => void this.reload(),
      (dir) => this.logger.warn({ dir }, "cannot watch the TLS files; send SIGHUP after renewing them"),
    );
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
