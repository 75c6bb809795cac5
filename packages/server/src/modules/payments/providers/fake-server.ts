import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/*
 * The plumbing every local vendor fake shares (fake-paypal, fake-braintree, fake-iyzico): a
 * node:http server on loopback that reads whole bodies, lets a handler answer (or hang, to lose
 * the answer after the request arrived), and closes with every socket it opened.
 */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `"hang"`: the request was received (and acted on); no answer ever comes. */
export type FakeHandler = (request: FakeRequest) => FakeAnswer | "hang" | Promise<FakeAnswer | "hang">;

export interface FakeServer {
  url: string;
  close(): Promise<void>;
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const http = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const url = new URL(req.url ?? "/", "http://fake");
      const answer = await handler({
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if (answer === "hang") return;
      const body =
        answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(body);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  http.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A queue of forced answers (a 429, a 500) served before the next real ones. */
export class ForcedFailures {
  readonly #queue: number[] = [];
  push(status: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#queue.push(status);
  }
  next(): number | undefined {
    return this.#queue.shift();
  }
}
