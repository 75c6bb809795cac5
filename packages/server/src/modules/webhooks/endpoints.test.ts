import { EVENT_TYPES, EventFilter, eventMatchesFilters } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { emitEvent, startReceiver } from "../../../test/webhook-receiver.js";
import { secretPurpose } from "./signing.js";
import { embeddedIPv4, isPrivateAddress } from "./ssrf.js";

const HOOK = "https://hooks.example.com/tessera";

describe("webhook endpoints API", () => {
  // The default app: private addresses are refused, as in production.
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  it("creates an endpoint and shows its secret once; the secret is sealed, not hashed", async () => {
    const res = await acme.api("POST", "/v1/webhook-endpoints", {
      url: HOOK,
      description: "orders",
      metadata: { a: "b" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: "webhook_endpoint",
      url: HOOK,
      enabled_events: ["*"],
      description: "orders",
      metadata: { a: "b" },
      status: "enabled",
      disabled_reason: null,
      previous_secret_expires_at: null,
    });
    expect(res.body.id).toMatch(/^we_/);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(res.body.secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);

    const got = await acme.api("GET", `/v1/webhook-endpoints/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty("secret");
    expect(JSON.stringify(got.body)).not.toContain(res.body.secret.slice(6));

    const row = await ctx.deps.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_encrypted).not.toContain(res.body.secret.slice(6));
    expect(ctx.deps.secrets.open(row.secret_encrypted, secretPurpose(res.body.id))).toBe(res.body.secret);
  });

  it("refuses bad URLs, unknown event types and unknown fields", async () => {
    const bad = async (body: unknown, path: string) => {
      const res = await acme.api("POST", "/v1/webhook-endpoints", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    };
    await bad({ url: "ftp://hooks.example.com/x" }, "url");
    await bad({ url: "file:///etc/passwd" }, "url");
    await bad({ url: "javascript:alert(1)" }, "url");
    await bad({ url: "not a url" }, "url");
    await bad({}, "url");
    await bad({ url: HOOK, enabled_events: ["customer.exploded"] }, "enabled_events.0");
    await bad({ url: HOOK, enabled_events: ["customer.created", "nothing.*"] }, "enabled_events.1");
    await bad({ url: HOOK, enabled_events: [] }, "enabled_events");
    await bad({ url: HOOK, secret: "whsec_mine" }, "(root)");
    // Private and loopback literals are refused outright unless TESSERA_WEBHOOKS_ALLOW_PRIVATE is on.
    for (const url of ["http://127.0.0.1:8080/x", "http://[::1]/x", "http://10.0.0.5/", "http://169.254.169.254/"]) {
      await bad({ url }, "url");
    }
    const list = await acme.api("GET", "/v1/webhook-endpoints");
    expect(list.body.data).toHaveLength(1);
  });

  it("lists with a cursor, updates, disables with an event, re-enables and deletes", async () => {
    const second = await acme.api("POST", "/v1/webhook-endpoints", {
      url: `${HOOK}/2`,
      enabled_events: ["customer.*"],
    });
    const first = await acme.api("GET", "/v1/webhook-endpoints?limit=1");
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    expect(first.body.data[0].id).toBe(second.body.id);
    const rest = await acme.api("GET", `/v1/webhook-endpoints?limit=1&starting_after=${first.body.next_cursor}`);
    expect(rest.body.has_more).toBe(false);
    expect(rest.body.data[0]).not.toHaveProperty("secret");

    const id = second.body.id;
    const upd = await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, {
      url: "https://other.example.com/in",
      enabled_events: ["subscription.*", "payment.failed"],
      description: null,
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({
      url: "https://other.example.com/in",
      enabled_events: ["subscription.*", "payment.failed"],
      description: null,
    });
    expect((await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, { enabled_events: ["nope"] })).status).toBe(400);
    expect((await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, { status: "paused" })).status).toBe(400);
    expect((await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, { url: "http://192.168.1.1/" })).status).toBe(400);

    const off = await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, { status: "disabled" });
    expect(off.body).toMatchObject({ status: "disabled", disabled_reason: "manual" });
    const events = await acme.api("GET", "/v1/events?type=webhook_endpoint.disabled");
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].data.object).toMatchObject({ id, object: "webhook_endpoint", status: "disabled" });
    expect(events.body.data[0].data.object).not.toHaveProperty("secret");
    const on = await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, { status: "enabled" });
    expect(on.body).toMatchObject({ status: "enabled", disabled_reason: null });

    const del = await acme.api("DELETE", `/v1/webhook-endpoints/${id}`);
    expect(del.body).toEqual({ id, object: "webhook_endpoint", deleted: true });
    expect((await acme.api("GET", `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await acme.api("DELETE", `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await acme.api("PATCH", `/v1/webhook-endpoints/${id}`, { description: "x" })).status).toBe(404);
  });

  it("rotates the secret with a default 24 h overlap, and validates the overlap", async () => {
    const ep = await acme.api("POST", "/v1/webhook-endpoints", { url: `${HOOK}/rot` });
    const rotated = await acme.api("POST", `/v1/webhook-endpoints/${ep.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(ep.body.secret);
    const expected = new Date(ctx.clock.now().getTime() + 24 * 3_600_000).toISOString();
    expect(rotated.body.previous_secret_expires_at).toBe(expected);
    const none = await acme.api("POST", `/v1/webhook-endpoints/${ep.body.id}/rotate-secret`, { expires_in_hours: 0 });
    expect(none.body.previous_secret_expires_at).toBeNull();
    for (const body of [{ expires_in_hours: 200 }, { expires_in_hours: -1 }, { expires_in_hours: 1.5 }, { x: 1 }]) {
      expect((await acme.api("POST", `/v1/webhook-endpoints/${ep.body.id}/rotate-secret`, body)).status).toBe(400);
    }
    expect((await acme.api("POST", "/v1/webhook-endpoints/we_missing/rotate-secret", {})).status).toBe(404);
  });

  it("keeps endpoints inside their tenant and environment, and checks permissions", async () => {
    const ep = await acme.api("POST", "/v1/webhook-endpoints", { url: `${HOOK}/iso` });
    const globex = await createTestTenant(ctx, "globex");
    expect((await globex.api("GET", `/v1/webhook-endpoints/${ep.body.id}`)).status).toBe(404);
    expect((await globex.api("DELETE", `/v1/webhook-endpoints/${ep.body.id}`)).status).toBe(404);
    expect((await acme.as("staging")("GET", `/v1/webhook-endpoints/${ep.body.id}`)).status).toBe(404);
    expect((await globex.api("GET", `/v1/webhook-endpoints/${ep.body.id}/deliveries`)).status).toBe(404);

    const key = await acme.api("POST", "/v1/api-keys", { name: "reader", scopes: ["webhooks:read"] });
    expect(key.status).toBe(201);
    const reader = (method: string, path: string, body?: unknown) =>
      ctx.app.request(path, {
        method,
        headers: { authorization: `Bearer ${key.body.secret}`, "x-tn": "acme", "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await reader("GET", "/v1/webhook-endpoints")).status).toBe(200);
    expect((await reader("POST", "/v1/webhook-endpoints", { url: HOOK })).status).toBe(403);
    expect((await reader("POST", `/v1/webhook-endpoints/${ep.body.id}/rotate-secret`, {})).status).toBe(403);
  });

  it("creates one delivery per enabled matching endpoint of the event's tenant and environment", async () => {
    // The endpoints of earlier tests would get these events too (and be sent to): start clean.
    for (const ep of (await acme.api("GET", "/v1/webhook-endpoints?limit=100")).body.data) {
      await acme.api("DELETE", `/v1/webhook-endpoints/${ep.id}`);
    }
    // A name that never resolves (RFC 6761 .invalid): each send fails at once (no network), and is recorded.
    const make = async (api: TestTenant["api"], enabled_events: string[]) =>
      (await api("POST", "/v1/webhook-endpoints", { url: "http://receiver.invalid/f", enabled_events })).body
        .id as string;
    const all = await make(acme.api, ["*"]);
    const subs = await make(acme.api, ["subscription.*"]);
    const cust = await make(acme.api, ["customer.created"]);
    const mixed = await make(acme.api, ["payment.failed", "subscription.renewed"]);
    const off = await make(acme.api, ["*"]);
    await acme.api("PATCH", `/v1/webhook-endpoints/${off}`, { status: "disabled" });
    const staging = await make(acme.as("staging"), ["*"]);

    const scope = acme.scopes.development!;
    const emitted = [];
    for (const type of ["customer.created", "subscription.renewed", "payment.failed", "invoice.paid"] as const) {
      emitted.push(await emitEvent(ctx, scope, type));
    }
    // Deliveries are made from committed events by the fan-out jobs.
    await ctx.services.worker.drain();
    const typesOf = async (api: TestTenant["api"], id: string) => {
      const res = await api("GET", `/v1/webhook-endpoints/${id}/deliveries?limit=100`);
      expect(res.status).toBe(200);
      return (res.body.data as { event_type: string; status: string }[]).map((d) => d.event_type).sort();
    };
    // Creating the other endpoints and disabling `off` are events too, and `*` receives them.
    expect(await typesOf(acme.api, all)).toEqual(
      [
        "customer.created",
        "invoice.paid",
        "payment.failed",
        "subscription.renewed",
        ...Array(4).fill("webhook_endpoint.created"),
        "webhook_endpoint.updated",
        "webhook_endpoint.disabled",
      ].sort(),
    );
    expect(await typesOf(acme.api, subs)).toEqual(["subscription.renewed"]);
    expect(await typesOf(acme.api, cust)).toEqual(["customer.created"]);
    expect(await typesOf(acme.api, mixed)).toEqual(["payment.failed", "subscription.renewed"]);
    expect(await typesOf(acme.api, off)).toEqual([]);
    expect(await typesOf(acme.as("staging"), staging)).toEqual([]);

    const list = await acme.api("GET", `/v1/webhook-endpoints/${all}/deliveries?status=pending&limit=2`);
    expect(list.body).toMatchObject({ object: "list", has_more: true });
    expect(list.body.data[0]).toMatchObject({
      object: "webhook_delivery",
      endpoint: all,
      event_id: emitted[3]!.id,
      status: "pending",
      attempt_count: 1,
      attempts: [{ succeeded: false, status_code: null }],
    });
    expect((await acme.api("GET", `/v1/webhook-endpoints/${all}/deliveries?status=lost`)).status).toBe(400);
    const one = await acme.api("GET", `/v1/webhook-endpoints/${all}/deliveries/${list.body.data[0].id}`);
    expect(one.body.event_type).toBe("invoice.paid");
    expect((await acme.api("GET", `/v1/webhook-endpoints/${subs}/deliveries/${list.body.data[0].id}`)).status).toBe(
      404,
    );
  });

  it("matches filters and refuses private addresses", () => {
    expect(eventMatchesFilters(["*"], "payment.failed")).toBe(true);
    expect(eventMatchesFilters(["subscription.*"], "subscription.cancelled")).toBe(true);
    expect(eventMatchesFilters(["subscription.*"], "subscriptionx.cancelled")).toBe(false);
    expect(eventMatchesFilters(["customer.created"], "customer.updated")).toBe(false);
    for (const type of EVENT_TYPES) expect(EventFilter.safeParse(type).success).toBe(true);
    expect(EventFilter.safeParse("webhook_endpoint.*").success).toBe(true);
    expect(EventFilter.safeParse("subscription").success).toBe(false);
    expect(EventFilter.safeParse("*.created").success).toBe(false);

    for (const ip of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ["::1", "fd00::1", "fe80::1", "::ffff:7f00:1", "::"]) expect(isPrivateAddress(ip), ip).toBe(true);
    // IPv6 forms that carry an IPv4 address: compatible, mapped (both spellings), 6to4, Teredo.
    for (const ip of [
      "::127.0.0.1",
      "::a00:1",
      "::ffff:10.0.0.1",
      "::ffff:169.254.169.254",
      "2002:c0a8:101::1",
      "2001:0:4136:e378::1",
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "2002:808:808::1"])
      expect(isPrivateAddress(ip), ip).toBe(false);
    expect(embeddedIPv4("2002:c0a8:0101::1")).toBe("192.168.1.1");
    expect(embeddedIPv4("::ffff:7f00:1")).toBe("127.0.0.1");
  });
});

describe("webhook delivery to a private address without TESSERA_WEBHOOKS_ALLOW_PRIVATE", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  it("refuses at creation a name that resolves to loopback, without saying what it resolves to", async () => {
    const res = await acme.api("POST", "/v1/webhook-endpoints", { url: "http://localhost:9/hook" });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/loopback or private/);
    expect(JSON.stringify(res.body)).not.toContain("127.0.0.1");
    for (const url of [
      "http://[::ffff:127.0.0.1]/",
      "http://[::127.0.0.1]/",
      "http://[2002:7f00:1::]/",
      "http://[::ffff:a9fe:a9fe]/",
    ]) {
      expect((await acme.api("POST", "/v1/webhook-endpoints", { url })).status, url).toBe(400);
    }
  });

  it("refuses at send time a host name that resolves to loopback by then, and records why", async () => {
    const rx = await startReceiver();
    try {
      const ep = await acme.api("POST", "/v1/webhook-endpoints", { url: "https://receiver.example.com/hook" });
      expect(ep.status).toBe(201);
      // The name's answer changed after the endpoint was saved (DNS rebinding): every send checks
      // the very addresses it connects to.
      await ctx.deps.db
        .updateTable("webhook_endpoints")
        .set({ url: rx.url.replace("127.0.0.1", "localhost") })
        .where("id", "=", ep.body.id)
        .execute();
      await emitEvent(ctx, acme.scopes.development!, "customer.created");
      await ctx.services.worker.drain();
      expect(rx.received).toHaveLength(0);
      const deliveries = await acme.api("GET", `/v1/webhook-endpoints/${ep.body.id}/deliveries`);
      const [delivery] = deliveries.body.data;
      expect(delivery).toMatchObject({ status: "pending", attempt_count: 1 });
      expect(delivery.attempts[0]).toMatchObject({ succeeded: false, status_code: null });
      expect(delivery.attempts[0].error).toMatch(/loopback or private.*TESSERA_WEBHOOKS_ALLOW_PRIVATE/);
      expect(delivery.attempts[0].error).not.toMatch(/127\.0\.0\.1|::1/);
    } finally {
      await rx.close();
    }
  });
});
