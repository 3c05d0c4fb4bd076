// Bounds on reading YAML and JSON (depth, aliases, documents) and the error for text the kubelet could not read.
import { ManifestServerError } from "../lib/errors.js";
import { MAX_NESTING } from "./yaml-json.js";
import { tooDeepMessage } from "./yaml-depth.js";

/** The text is not YAML (or JSON) the kubelet could read. `line`/`column` are 1-based when known. */
export class YamlSyntaxError extends ManifestServerError {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, position?: { line: number; column: number }) {
    super("yaml-syntax", position === undefined ? message : `line ${position.line}:${position.column}: ${message}`, {
      hint: "fix the YAML near that position; quote strings that contain ':', '#' or start with a special character",
    });
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** YAML nested deeper than this reader's `limit` (which is below the kubelet's, see MAX_YAML_DEPTH). */
export class YamlTooDeepError extends YamlSyntaxError {
  constructor(
    readonly limit: number,
    position?: { line: number; column: number },
  ) {
    super(tooDeepMessage(limit, "YAML"), position);
  }
}

/** How many nodes alias expansion may produce in one file (all its documents) before it is rejected as an alias bomb. */
export const MAX_ALIAS_NODES = 250_000;
/** How many nodes alias expansion may produce in one revision (all its files); see AliasBudget. */
export const MAX_ALIAS_NODES_PER_REVISION = 1_000_000;
/** How deeply JSON collections may nest (checked by a linear scan before anything is built). */
export const MAX_JSON_DEPTH = MAX_NESTING;
/**
 * How deeply YAML collections may nest (checked on the syntax tree before composing). Lower than JSON's: the YAML
 * library composes recursively and runs out of the main thread's stack near 780 levels of flow collections (Node 20
 * and 24), so 500 keeps a wide margin and a refusal never depends on how deep the caller's stack already is.
 */
export const MAX_YAML_DEPTH = 500;
/** How many documents one file may hold; reading stops beyond it. */
export const MAX_DOCUMENTS = 1_000;

/** Alias expansion allowed across several reads (e.g. every file of a revision); pass one to each parse. */
export class AliasBudget {
  private used = 0;
  constructor(
    readonly limit: number,
    private readonly parent?: AliasBudget,
  ) {}

  private refused = false;

  /** Spends one expanded node here and in the parent; false once either is exhausted. */
  spend(): boolean {
    const ok = ++this.used <= this.limit && (this.parent === undefined || this.parent.spend());
    if (!ok) this.refused = true;
    return ok;
  }

  /** Whether an expansion was refused: reading more of the same input can only be refused again. */
  get spent(): boolean {
    return this.refused;
  }

  /** Whether this budget (not its parent) is the one exhausted. */
  get exhausted(): boolean {
    return this.used > this.limit;
  }

  /** What has been spent, to continue this budget elsewhere (a reader thread) with `restore`. */
  state(): AliasBudgetState {
    return { limit: this.limit, used: this.used, refused: this.refused };
  }

  /** Takes over what a copy of this budget (made from `state()`) has spent since. */
  restore(state: AliasBudgetState): void {
    this.used = state.used;
    this.refused = state.refused;
  }

  /** A parentless budget continuing `state`. */
  static from(state: AliasBudgetState): AliasBudget {
    const budget = new AliasBudget(state.limit);
    budget.restore(state);
    return budget;
  }
}

/** An AliasBudget's spending, as plain data. */
export interface AliasBudgetState {
  limit: number;
  used: number;
  refused: boolean;
}

