// Test helper: a TCP proxy in front of PostgreSQL that a test can cut (a partition: bytes stop, nothing is closed)
// or slow down (every chunk delayed).
import { createServer, connect, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Stops forwarding in both directions, without closing anything (like a dropped network). */
  cut(): void;
  /** Delays every chunk by `ms` (0: no delay). */
  delay(ms: number): void;
  /** Forwards again, promptly; connections opened while cut are served from now on. */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let cut = false;
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  const pipe = (from: Socket, to: Socket) => {
    from.on("data", (chunk: Buffer) => {
      const send = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (cut) {
        // A partition drops bytes; the TCP retransmission never arrives either.
        return;
      }
      if (delayMs > 0) {
        from.pause();
        setTimeout(() => {
          send();
          from.resume();
        }, delayMs);
      } else send();
    });
  };
  const server: Server = createServer((client) => {
    const open = () => {
      const upstream = connect(targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      pipe(client, upstream);
      pipe(upstream, client);
    };
    client.on("error", () => undefined);
    if (cut) held.push(open);
    else open();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    cut: () => {
      cut = true;
    },
    delay: (ms) => {
      delayMs = ms;
    },
    restore: () => {
      cut = false;
      // Connections that lost bytes while cut are broken for PostgreSQL's protocol: drop them, as a real
      // network's TCP would have eventually.
      for (const s of sockets) s.destroy();
      for (const open of held.splice(0)) open();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
