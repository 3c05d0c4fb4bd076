// Validation issues printed for people: validate, render, explain and diff.
import { errorsIn, formatIssue, warningsIn, type Issue } from "../lib/issues.js";
import { println } from "./io.js";

/** Prints errors then warnings, one line each, with a summary line. */
export function printIssues(stream: NodeJS.WritableStream, issues: readonly Issue[], what: string): void {
  const errors = errorsIn(issues);
  const warnings = warningsIn(issues);
  for (const e of errors) println(stream, `error: ${formatIssue(e)}`);
  for (const w of warnings) println(stream, `warning: ${formatIssue(w)}`);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (errors.length > 0)
    println(
      stream,
      `${what} is invalid: ${plural(errors.length, "error")}, ${plural(warnings.length, "warning")}.`,
    );
}
