// The error hierarchy: every failure the CLI and server report carries a stable code and a fix hint.
import { formatIssue, type Issue } from "./issues.js";

/** Base class: `code` is stable and machine-readable, `message` says what failed and on what. */
export class ManifestServerError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends ManifestServerError {
  constructor(message: string, hint?: string) {
    super("usage", message, hint === undefined ? {} : { hint });
  }
}

/** A fleet (or response) failed validation: every issue is attached. Exit code 1. */
export class FleetInvalidError extends ManifestServerError {
  readonly issues: Issue[];
  constructor(issues: Issue[], what = "the fleet") {
    const errors = issues.filter((i) => i.severity === "error");
    const first = errors[0];
    super(
      "fleet-invalid",
      `${what} is invalid: ${errors.length} error${errors.length === 1 ? "" : "s"}` +
        (first === undefined ? "" : `, first: ${formatIssue(first)}`),
    );
    this.issues = issues;
  }
}

/** An external program failed. Carries the command line, exit code and stderr. */
export class ExecError extends ManifestServerError {
  readonly command: string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(command: string[], exitCode: number | null, stderr: string, cause?: unknown) {
    const trimmed = stderr.trim();
    super(
      "exec-failed",
      `${command.join(" ")} failed${exitCode === null ? "" : ` with exit code ${exitCode}`}` +
        (trimmed === "" ? "" : `: ${trimmed.split("\n").slice(-3).join(" | ")}`),
      cause === undefined ? {} : { cause },
    );
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}
