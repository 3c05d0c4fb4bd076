// Simulated kubelets: real HTTP clients polling a node URL as the kubelet's URL source does, recording what they got,
// and a health endpoint per node that answers from what its kubelet runs (500 while it runs a "broken" image).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Fetched {
  revision: string;
  etag: string;
  body: string;
}

export class SimKubelet {
  /** Every 200 answer, in order. */
  readonly got: Fetched[] = [];
  /** Answers (200 or 304) so far. */
  polls = 0;
  base: string;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: Array<() => void> = [];

  constructor(
    base: string,
    readonly node: string,
    private readonly pollMs = 25,
  ) {
    this.base = base;
  }

  get current(): Fetched | undefined {
    return this.got.at(-1);
  }

  start(): void {
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Resolves after `n` more answers. */
  async polled(n = 2): Promise<void> {
    const target = this.polls + n;
    while (this.polls < target) await new Promise<void>((r) => this.waiters.push(r));
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    try {
      const etag = this.current?.etag;
      const res = await fetch(`${this.base}/nodes/${this.node}`, {
        headers: {
          "user-agent": "Go-http-client/1.1",
          ...(etag === undefined ? {} : { "if-none-match": etag }),
        },
      });
      const body = await res.text();
      if (res.status === 200)
        this.got.push({
          revision: res.headers.get("x-manifest-revision") ?? "",
          etag: res.headers.get("etag") ?? "",
          body,
        });
      if (res.status === 200 || res.status === 304) this.polls++;
    } catch {
      // The server is restarting: keep what runs, as the kubelet does.
    }
    for (const w of this.waiters.splice(0)) w();
    if (this.running) this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }
}

/** A node's health endpoint on port 0: 200 while its kubelet runs nothing broken, else 500. */
export async function healthServer(
  kubelet: () => { readonly current: { body: string } | undefined } | undefined,
): Promise<{ port: number; server: Server }> {
  const server = createServer((_req, res) => {
    const broken = kubelet()?.current?.body.includes("broken") === true;
    res.statusCode = broken ? 500 : 200;
    res.end(broken ? "not ready" : "ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, server };
}
