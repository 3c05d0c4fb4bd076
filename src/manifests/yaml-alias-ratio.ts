// go-yaml v2's "excessive aliasing" rule, as the kubelet's YAML decoder applies it to a manifest URL body.
import { YamlSyntaxError } from "./yaml-limits.js";

/**
 * A hard cap on alias-expanded decodes, on top of the ratio rule. go-yaml accepts at most about 1.2 million of them
 * below 4,000,000 decodes (99% up to 400,000 decodes, then falling to 10%), and past that at most one ninth of the
 * decodes outside aliases. Those are nodes written in the body, fewer than 2.5 per byte, so a body under the
 * kubelet's 10 MiB limit that go-yaml accepts stays below 3,000,000: the cap refuses only bodies go-yaml refuses
 * too or bodies the kubelet never reads, and bounds the work whoever calls the decoder without a size limit.
 */
export const MAX_KUBELET_ALIAS_DECODES = 3_000_000;

/** go-yaml v2's allowedAliasRatio: 0.99 up to 400,000 decodes, 0.10 from 4,000,000, linear in between. */
export function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

/** The body holds more alias expansion than go-yaml v2 decodes (its message: "document contains excessive aliasing"). */
export class ExcessiveAliasingError extends YamlSyntaxError {
  constructor(position?: { line: number; column: number }) {
    super("document contains excessive aliasing", position);
  }
}

/**
 * go-yaml v2's decoder counters for one Unmarshal (its first document): `decode` is called for every node its
 * `unmarshal` visits, in its order (the document, then per mapping pair the key and then the value, sequence items
 * in order, an alias node itself and then its target; for a merge key `<<` not the key but its value: the mapping,
 * the alias then its target, or each item of a sequence without the sequence itself).
 */
export class KubeletAliasRule {
  private decodes = 0;
  private aliased = 0;

  /** Counts one decode (`inAlias`: inside an alias expansion); false once go-yaml would refuse the document. */
  decode(inAlias: boolean): boolean {
    this.decodes++;
    if (inAlias) this.aliased++;
    if (this.aliased > MAX_KUBELET_ALIAS_DECODES) return false;
    return !(
      this.aliased > 100 &&
      this.decodes > 1000 &&
      this.aliased / this.decodes > allowedAliasRatio(this.decodes)
    );
  }

  /** The counts so far (for tests and messages). */
  get counts(): { decodes: number; aliased: number } {
    return { decodes: this.decodes, aliased: this.aliased };
  }
}
