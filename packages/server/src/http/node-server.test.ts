import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../test/harness.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";
import { MAX_BODY_BYTES } from "./body-size.js";

/*
 * The pipeline as it runs in production: the app behind @hono/node-server, spoken to over a real
 * socket. `app.request` (every other test) hands the app a WHATWG Request; the server hands it
 * the Node request, whose body readBody() reads itself, and a Node response that carries the
 * request id. These cases pin what that path must keep doing: size limit, card-data guard,
 * idempotency, bodies without a content type, bodies that arrive in pieces.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: Json;
}

/** Sends raw bytes (optionally in pieces, with pauses) and reads one response on a fresh connection. */
function raw(port: number, parts: Array<string | Buffer>, pauseMs = 30): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      if (split === -1) return reject(new Error(`no response: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = text.slice(split + 4);
      if (headers["transfer-encoding"] === "chunked") {
        let out = "";
        for (let at = 0; ; ) {
          const eol = body.indexOf("\r\n", at);
          const size = Number.parseInt(body.slice(at, eol), 16);
          if (!size) break;
          out += body.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        body = out;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {}
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body, json });
    });
    socket.on("connect", async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
        socket.write(part);
      }
    });
  });
}

describe("the request pipeline behind @hono/node-server", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let port: number;
  let server: ReturnType<typeof serve>;
  let customerId: string;

  const head = (method: string, path: string, headers: Record<string, string | number> = {}) =>
    [
      `${method} ${path} HTTP/1.1`,
      "host: 127.0.0.1",
      "connection: close",
      `authorization: Bearer ${acme.keys.development}`,
      `x-tn: ${acme.slug}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
  const withBody = (method: string, path: string, body: string, headers: Record<string, string | number> = {}) =>
    head(method, path, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers }) +
    body;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    await acme.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" });
    customerId = (await acme.api("POST", "/v1/customers", { storefront: "web", external_id: "u1" })).body.id;
    server = serve({ fetch: ctx.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  it("reads a JSON body and answers with a request id", async () => {
    const res = await raw(port, [
      withBody("POST", "/v1/entitlements", JSON.stringify({ key: "a", name: "A", kind: "flag" })),
    ]);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ key: "a", kind: "flag" });
    expect(res.headers["x-request-id"]).toMatch(/^req_[0-9a-f]{32}$/);
    const echoed = await raw(port, [head("GET", "/v1/entitlements/a", { "x-request-id": "trace-1" })]);
    expect(echoed.status).toBe(200);
    expect(echoed.headers["x-request-id"]).toBe("trace-1");
    expect((await raw(port, [head("GET", "/healthz")])).headers["x-request-id"]).toMatch(/^req_/);
  });

  it("reads a body that arrives in pieces, and one sent chunked", async () => {
    const body = JSON.stringify({ key: "split", name: "Split", kind: "flag" });
    const request = withBody("POST", "/v1/entitlements", body);
    const cut = request.length - 10;
    const split = await raw(port, [request.slice(0, cut - 20), request.slice(cut - 20, cut), request.slice(cut)]);
    expect(split.status).toBe(201);
    expect(split.json.key).toBe("split");

    const chunked = JSON.stringify({ key: "chunked", name: "Chunked", kind: "flag" });
    const res = await raw(port, [
      head("POST", "/v1/entitlements", { "content-type": "application/json", "transfer-encoding": "chunked" }),
      `${(10).toString(16)}\r\n${chunked.slice(0, 10)}\r\n`,
      `${(chunked.length - 10).toString(16)}\r\n${chunked.slice(10)}\r\n0\r\n\r\n`,
    ]);
    expect(res.status).toBe(201);
    expect(res.json.key).toBe("chunked");
  });

  it("refuses a body over the limit with 413, by its content-length or as it streams in", async () => {
    const declared = await raw(port, [
      head("POST", "/v1/entitlements", { "content-type": "application/json", "content-length": MAX_BODY_BYTES + 1 }),
    ]);
    expect(declared.status).toBe(413);
    expect(declared.json.code).toBe("PAYLOAD_TOO_LARGE");

    const big = Buffer.alloc(64 * 1024, "x");
    const streamed = await raw(
      port,
      [
        head("POST", "/v1/entitlements", { "content-type": "application/json", "transfer-encoding": "chunked" }),
        ...Array.from({ length: MAX_BODY_BYTES / big.length + 1 }, () =>
          Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big, Buffer.from("\r\n")]),
        ),
        "0\r\n\r\n",
      ],
      1,
    );
    expect(streamed.status).toBe(413);
    expect(streamed.json.code).toBe("PAYLOAD_TOO_LARGE");
    expect(
      (await acme.api("GET", "/v1/entitlements?limit=100")).body.data.map((e: { key: string }) => e.key),
    ).not.toContain("x");
  });

  it("refuses card numbers in a body before anything else sees them", async () => {
    const res = await raw(port, [
      withBody("POST", "/v1/entitlements", JSON.stringify({ key: "c", name: "4242 4242 4242 4242", kind: "flag" }), {
        "idempotency-key": "card-1",
      }),
    ]);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "PAYMENT_DATA_FORBIDDEN", errors: [{ path: "name" }] });
    expect(res.body).not.toContain("4242");
  });

  it("issues a token for a POST without a body, and for one with an empty JSON body", async () => {
    const path = `/v1/customers/${customerId}/entitlements/token`;
    const none = await raw(port, [head("POST", path)]);
    expect(none.status).toBe(200);
    expect(none.json.object).toBe("entitlement_token");
    const empty = await raw(port, [head("POST", path, { "content-length": 0 })]);
    expect(empty.status).toBe(200);
    const json = await raw(port, [withBody("POST", path, JSON.stringify({ ttl_seconds: 60 }))]);
    expect(json.status).toBe(200);
    expect(json.json.expires_in).toBeLessThanOrEqual(60);
    const invalid = await raw(port, [withBody("POST", path, JSON.stringify({ ttl_seconds: "soon" }))]);
    expect(invalid.status).toBe(400);
    expect(invalid.json.code).toBe("VALIDATION_FAILED");
  });

  it("treats a body without a content type as the WHATWG path does", async () => {
    const path = `/v1/customers/${customerId}/entitlements/token`;
    const res = await raw(port, [head("POST", path, { "content-length": 2 }), "{}"]);
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("VALIDATION_FAILED");
    const required = await raw(port, [head("POST", "/v1/entitlements", { "content-length": 2 }), "{}"]);
    expect(required.status).toBe(400);
  });

  it("replays an idempotent POST with the stored response", async () => {
    const body = JSON.stringify({ key: "idem", name: "Idem", kind: "flag" });
    const first = await raw(port, [withBody("POST", "/v1/entitlements", body, { "idempotency-key": "idem-1" })]);
    expect(first.status).toBe(201);
    const again = await raw(port, [withBody("POST", "/v1/entitlements", body, { "idempotency-key": "idem-1" })]);
    expect(again.status).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json).toEqual(first.json);
    const other = await raw(port, [
      withBody("POST", "/v1/entitlements", JSON.stringify({ key: "idem2", name: "Idem", kind: "flag" }), {
        "idempotency-key": "idem-1",
      }),
    ]);
    expect(other.status).toBe(409);
  });
});
