// The tokens file on disk: loaded at start (a bad file stops the start), reloaded on change or SIGHUP (a bad file is ignored).
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { acceptNames, watchDebounced, type DebouncedWatch } from "../../lib/debounced-watch.js";
import { ManifestServerError, ValidationError } from "../../lib/errors.js";
import { formatIssue, type Issue } from "../../lib/issues.js";
import type { Logger } from "../../lib/logger.js";
import { yamlToJson } from "../../manifests/yaml.js";
import { parseTokenTable, type TokenTable } from "./tokens.js";

/** The table of the file at `path` and its warnings; throws a ManifestServerError naming every error. */
async function readTable(path: string): Promise<{ table: TokenTable; warnings: Issue[] }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ManifestServerError(
      "tokens-unreadable",
      `cannot read tokens file ${path}: ${(e as Error).message}`,
      {
        hint: "pass --tokens-file with a readable YAML file (see the README, Security)",
      },
    );
  }
  let value: unknown;
  try {
    // Keys as written: `on:` or `true:` as a node name is an error to quote, never the node "true".
    value = yamlToJson(text, { strictKeys: true });
  } catch (e) {
    throw new ManifestServerError(
      "tokens-invalid",
      `tokens file ${path} is not valid YAML: ${(e as Error).message}`,
    );
  }
  const { table, issues } = parseTokenTable(value, path);
  if (table === undefined) throw new ValidationError("tokens-invalid", `tokens file ${path}`, issues);
  return { table, warnings: issues };
}

/** Holds the current token table; `table` is swapped in one assignment, so requests never see a half-read file. */
export class TokenFile {
  private current: TokenTable | undefined;
  private watcher: DebouncedWatch | undefined;
  /** Warnings already logged (each once per process, not at every reload). */
  private readonly warned = new Set<string>();

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  get table(): TokenTable {
    if (this.current === undefined) throw new Error("TokenFile.load() was not awaited");
    return this.current;
  }

  /** First load: throws a ManifestServerError naming every problem (the server must not start open by mistake). */
  async load(): Promise<void> {
    this.use(await readTable(this.path), "tokens loaded");
  }

  private use(read: { table: TokenTable; warnings: Issue[] }, message: string): void {
    this.current = read.table;
    this.logger.info(
      { file: this.path, nodes: read.table.nodes.length, admin: read.table.admin.length },
      message,
    );
    for (const w of read.warnings) {
      const line = formatIssue(w);
      if (this.warned.has(line)) continue;
      this.warned.add(line);
      this.logger.warn({ file: this.path }, line);
    }
  }

  /** Re-reads the file; on any problem keeps the previous table and logs why. Resolves true when the new table is in use. */
  async reload(): Promise<boolean> {
    try {
      this.use(await readTable(this.path), "tokens reloaded");
      return true;
    } catch (e) {
      const issues = e instanceof ValidationError ? e.issues.map(formatIssue) : undefined;
      this.logger.error(
        { file: this.path, err: (e as Error).message, issues },
        "tokens file rejected; the previous tokens stay in force",
      );
      return false;
    }
  }

  /** Reloads when the file (or its folder, for editors and Kubernetes secrets that replace it) changes. */
  watch(): void {
    this.watcher?.close();
    this.watcher = watchDebounced(
      [{ dir: dirname(this.path), accept: acceptNames([basename(this.path)]) }],
      100,
      () => void this.reload(),
      () =>
        this.logger.warn({ file: this.path }, "cannot watch the tokens file; send SIGHUP after editing it"),
    );
  }

  close(): void {
    this.watcher?.close();
  }
}
