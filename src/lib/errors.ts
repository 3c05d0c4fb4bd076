// The error model: one hierarchy with stable codes, the HTTP error every route throws, and the CLIs' exit codes.
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

/** Bad command-line usage (a flag, an argument, a combination): exit code 2. */
export class UsageError extends ManifestServerError {
  constructor(message: string, hint?: string) {
    super("usage", message, hint === undefined ? {} : { hint });
  }
}

/**
 * An input checked against its rules (a tokens file, a fleet) failed: every issue is attached, the message
 * names `what` and the first error.
 */
export class ValidationError extends ManifestServerError {
  readonly issues: Issue[];
  constructor(code: string, what: string, issues: Issue[]) {
    const errors = issues.filter((i) => i.severity === "error");
    const first = errors[0];
    super(
      code,
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

/** An HTTP error answer as data: status, stable code, a message safe to show, extra headers. */
export interface HttpErrorInit {
  status: number;
  code: string;
  message: string;
  headers?: Readonly<Record<string, string>>;
}

/**
 * An HTTP error: thrown by routes (or passed to `next`), answered by the server's one error mapping as
 * `{"error": {"code", "message", ...details}}` with `status` and `headers`. The message is sent to the client,
 * so it must never contain internals (stack traces, host paths).
 */
export class HttpError extends ManifestServerError implements HttpErrorInit {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Extra fields of the JSON error object (e.g. every problem of a rejected report). */
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    status: number,
    code: string,
    message: string,
    headers: Readonly<Record<string, string>> = {},
    details: Readonly<Record<string, unknown>> = {},
  ) {
    super(code, message);
    this.status = status;
    this.headers = headers;
    this.details = details;
  }

  /** `init` as an HttpError (itself when it already is one). */
  static from(init: HttpErrorInit): HttpError {
    return init instanceof HttpError
      ? init
      : new HttpError(init.status, init.code, init.message, init.headers);
  }
}

/** The text of anything thrown: an Error's message, or the value as a string. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Exit codes of both command-line programs: 0 success; 1 the command ran and its answer is "no" (the fleet is
 * invalid, diff found changes, an agent pass did not converge); 2 the command could not do its job (usage
 * error, unreadable input, unknown node, any other failure).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
