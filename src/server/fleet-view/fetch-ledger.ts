// The fetch ledger: for every node, its last fetch (time, status, ETag and revision served, client kind, address).
import { BoundedMap } from "../../lib/bounded-map.js";
import type { IncomingMessage } from "node:http";
import type { ServedDocument } from "../documents/node-document.js";
import { AGENT_USER_AGENT_PREFIX } from "../../protocol/headers.js";

export type ClientKind = "kubelet" | "manifest-agent" | "other";

export interface FetchRecord {
  /** Milliseconds since the epoch. */
  at: number;
  status: number;
  etag: string;
  revision: string;
  format: string;
  client: ClientKind;
  address: string;
  userAgent: string;
}

/**
 * The kubelet's URL source sends Go's default User-Agent (`Go-http-client/…`) and no other hint, so that is what
 * "kubelet" means here; manifest-agent names itself.
 */
export function clientKind(userAgent: string | undefined): ClientKind {
  if (userAgent === undefined) return "other";
  if (userAgent.startsWith(AGENT_USER_AGENT_PREFIX)) return "manifest-agent";
  if (userAgent.startsWith("Go-http-client/") || userAgent.startsWith("kubelet/")) return "kubelet";
  return "other";
}

/**
 * The client's address: the socket's peer, or with `trustProxy` the first (client-most) entry of
 * `X-Forwarded-For` when there is one. Never longer than 100 characters.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first !== undefined && first !== "") return first.slice(0, 100);
  }
  return (req.socket.remoteAddress ?? "").slice(0, 100);
}

/** Last fetch per node, bounded in size; recording is one Map write, cheap enough for the hot path. */
export class FetchLedger extends BoundedMap<string, FetchRecord> {
  private readonly listeners: Array<(node: string, record: FetchRecord) => void> = [];

  /** `maxNodes`: beyond it, recording a new node forgets the node that fetched least recently. */
  constructor(
    maxNodes = 200_000,
    private readonly trustProxy = false,
    private readonly now: () => number = Date.now,
  ) {
    super(maxNodes);
  }

  /** Records a fetch of a known node (callers never record unknown names, so hostile paths cannot grow it). */
  record(node: string, record: FetchRecord): void {
    this.set(node, record);
  }

  /** Subscribes to every fetch this server answers (records merged from elsewhere use `record`). */
  onServed(listener: (node: string, record: FetchRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Records what the hot path served (its `onServed` callback) and returns the record. Never throws. */
  recordServed(served: ServedDocument, req: IncomingMessage): FetchRecord {
    const userAgent = req.headers["user-agent"] ?? "";
    const record: FetchRecord = {
      at: this.now(),
      status: served.status,
      etag: served.etag,
      revision: served.revision,
      format: served.format,
      client: clientKind(userAgent),
      address: clientAddress(req, this.trustProxy),
      userAgent: userAgent.slice(0, 200),
    };
    this.record(served.node, record);
    for (const l of this.listeners) l(served.node, record);
    return record;
  }
}
