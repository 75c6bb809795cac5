import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Event, EventType } from "@tessera/core";
import { Webhook } from "standardwebhooks";
import { vi } from "vitest";
import type { Scope } from "../src/context.js";
import type { TestContext } from "./harness.js";

/**
 * Records a lifecycle event the way a domain service does: in a transaction, through
 * `events.record`, then kicks its fan-out after the commit as the HTTP pipeline does.
 */
export async function emitEvent(
  ctx: TestContext,
  scope: Scope,
  type: EventType,
  object: { id: string; object: string } & Record<string, unknown> = { id: "cus_test", object: "customer" },
): Promise<Event> {
  const event = await ctx.deps.db
    .transaction()
    .execute((tx) => ctx.services.events.record(tx, scope, { type, object }));
  await ctx.services.events.afterCommit(scope);
  return event;
}

/** One request as a webhook receiver saw it: raw body and headers, and what it answered. */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  headers: Record<string, string>;
  status: number;
}

export interface Answer {
  status: number;
  body?: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 (port 0): it records every request and answers what `respond`
 * says. `down()` closes the port (connection refused) and `up()` listens again on the same port,
 * so a test can take the receiver away and bring it back.
 */
export interface Receiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  respond: (request: ReceivedWebhook) => Answer;
  /** Webhook ids of the requests answered 2xx, in arrival order. */
  acknowledged(): string[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v ?? "")]),
  );
}

export async function startReceiver(respond: Receiver["respond"] = () => ({ status: 200 })): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = flatten(req.headers);
      const request: ReceivedWebhook = {
        id: headers["webhook-id"] ?? "",
        timestamp: headers["webhook-timestamp"] ?? "",
        signature: headers["webhook-signature"] ?? "",
        body: Buffer.concat(chunks).toString("utf8"),
        headers,
        status: 0,
      };
      const answer = receiver.respond(request);
      request.status = answer.status;
      received.push(request);
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end(answer.body ?? (answer.status < 300 ? "ok" : "receiver failed"));
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Keep-alive sockets would otherwise keep the "closed" receiver reachable.
      server.closeAllConnections();
    });
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    respond,
    acknowledged: () => received.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.id),
    down: close,
    up: () => listen(port),
    close,
  };
  return receiver;
}

/** A URL on 127.0.0.1 where nothing listens: every attempt is refused. */
export async function closedPortUrl(): Promise<string> {
  const r = await startReceiver();
  await r.close();
  return r.url;
}

/**
 * Verifies a received request with the independent `standardwebhooks` library, unchanged. The
 * library checks the timestamp against the receiver's clock (±5 min); our sender's clock is the
 * test's ManualClock, so the receiver's "now" is pinned to the moment the request was sent.
 */
export function verifyStandard(secret: string, request: ReceivedWebhook): unknown {
  const now = vi.spyOn(Date, "now").mockReturnValue(Number(request.timestamp) * 1000);
  try {
    return new Webhook(secret).verify(request.body, request.headers);
  } finally {
    now.mockRestore();
  }
}
