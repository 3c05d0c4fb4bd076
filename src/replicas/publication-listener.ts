// Wakes a replica as soon as something is published (a revision or a rollout decision): LISTEN on a dedicated
// connection, reconnecting a second after it is lost. The replica's poll stays the fallback.
import pg from "pg";
import { PUBLICATION_CHANNEL } from "../store/postgres/pg-store.js";

export class PublicationListener {
  private client: pg.Client | undefined;
  private stopped = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly onPublished: () => void,
  ) {}

  start(): void {
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const client = new pg.Client(this.config);
      const ended = new Promise<void>((resolve) => {
        client.on("error", () => resolve());
        client.on("end", () => resolve());
      });
      try {
        await client.connect();
        client.on("notification", () => this.onPublished());
        await client.query(`LISTEN ${PUBLICATION_CHANNEL}`);
        this.client = client;
        if (this.stopped) await client.end();
        await ended;
      } catch {
        await client.end().catch(() => undefined);
      }
      this.client = undefined;
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000).unref());
    }
  }
}
