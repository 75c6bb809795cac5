import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of one target, that can stall: stop forwarding in both
 * directions without closing anything, like a network partition where packets are dropped (not
 * refused). Connections opened during a stall are accepted but not connected onward; data and
 * closes (FIN) are held. On resume, what was held back is delivered in order (TCP would
 * retransmit it) and new connections go through.
 */
export interface TcpProxy {
  port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let stalled = false;
  /** Deliveries held back during a stall, in arrival order. */
  let held: Array<() => void> = [];
  const sockets = new Set<Socket>();

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A peer going away is normal here (a client giving up on a stalled connection); the pair closes.
    socket.on("error", () => {});
  };

  /** Runs `deliver` now, or on resume when stalled (after everything held before it). */
  const pass = (deliver: () => void) => (stalled ? held.push(deliver) : deliver());

  // Half-open sockets, so that an end (FIN) is forwarded, and held in a stall, like data.
  const forward = (from: Socket, to: Socket) => {
    from.on("data", (chunk) => {
      if (!stalled) {
        to.write(chunk);
        return;
      }
      from.pause();
      held.push(() => {
        if (!to.destroyed) to.write(chunk);
        from.resume();
      });
    });
    from.on("end", () => pass(() => to.end()));
    from.on("close", () => pass(() => to.destroy()));
  };

  const open = (client: Socket) => {
    if (client.destroyed) return;
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
  };

  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    if (stalled) {
      client.pause();
      held.push(() => {
        open(client);
        client.resume();
      });
    } else {
      open(client);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      const due = held;
      held = [];
      for (const deliver of due) deliver();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
