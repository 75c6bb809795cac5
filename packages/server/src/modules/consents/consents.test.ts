import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type Receiver, startReceiver } from "../../../test/webhook-receiver.js";

describe("consent records", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let other: TestTenant;
  let rx: Receiver;
  let customer: string;

  beforeAll(async () => {
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true } });
    acme = await createTestTenant(ctx, "acme");
    other = await createTestTenant(ctx, "other");
    rx = await startReceiver(() => ({ status: 200, body: "ok" }));
    await acme.api("POST", "/v1/webhook-endpoints", { url: rx.url, enabled_events: ["consent.*"] });
    await acme.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" });
    customer = (await acme.api("POST", "/v1/customers", { storefront: "web", external_id: "c-1" })).body.id;
  });
  afterAll(async () => {
    await rx.close();
    await ctx.close();
  });

  const grant = (purpose: string, extra: Record<string, unknown> = {}) => ({
    purpose,
    status: "granted",
    text_version: "2026-01",
    method: "web_form",
    ...extra,
  });

  it("records grants and withdrawals with their history; the customer shows the current ones", async () => {
    const first = await acme.api("POST", `/v1/customers/${customer}/consents`, grant("marketing_email"));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      object: "consent",
      customer,
      purpose: "marketing_email",
      status: "granted",
      text_version: "2026-01",
      method: "web_form",
      occurred_at: ctx.clock.now().toISOString(),
      recorded_by: { type: "api_key" },
    });
    ctx.clock.advance(60_000);
    await acme.api("POST", `/v1/customers/${customer}/consents`, grant("price_change", { text_version: "p-3" }));
    ctx.clock.advance(60_000);
    const withdrawn = await acme.api("POST", `/v1/customers/${customer}/consents`, {
      ...grant("marketing_email"),
      status: "withdrawn",
      method: "email_link",
      collected_by: "unsubscribe page",
    });
    expect(withdrawn.status).toBe(201);
    // A back-dated import older than the withdrawal does not override it.
    await acme.api("POST", `/v1/customers/${customer}/consents`, {
      ...grant("marketing_email"),
      method: "import",
      occurred_at: "2025-06-01T00:00:00.000Z",
    });

    const current = (await acme.api("GET", `/v1/customers/${customer}/consents`)).body.current;
    expect(current.marketing_email).toMatchObject({ status: "withdrawn", record: withdrawn.body.id });
    expect(current.price_change).toMatchObject({ status: "granted", text_version: "p-3" });
    const shown = (await acme.api("GET", `/v1/customers/${customer}`)).body;
    expect(shown.consents).toEqual(current);

    const history = (await acme.api("GET", `/v1/customers/${customer}/consents/history?purpose=marketing_email`)).body;
    expect(history.data.map((r: { status: string; method: string }) => `${r.status}/${r.method}`)).toEqual([
      "granted/import",
      "withdrawn/email_link",
      "granted/web_form",
    ]);
    const paged = (await acme.api("GET", `/v1/customers/${customer}/consents/history?limit=2`)).body;
    expect(paged).toMatchObject({ has_more: true });
  });

  it("sends each change as an event and a webhook", async () => {
    await acme.api("POST", `/v1/customers/${customer}/consents`, { ...grant("push"), status: "withdrawn" });
    // A send that failed under load is retried after its backoff: move the clock past it.
    const typesReceived = () => rx.received.map((r) => JSON.parse(r.body).type as string);
    const pushArrived = () => rx.received.some((r) => JSON.parse(r.body).data.object.purpose === "push");
    for (let round = 0; round < 6 && !pushArrived(); round++) {
      await ctx.services.worker.drain();
      ctx.clock.advance(10 * 60_000);
    }
    const types = typesReceived();
    expect(types).toEqual(expect.arrayContaining(["consent.granted", "consent.withdrawn"]));
    const pushed = rx.received.map((r) => JSON.parse(r.body)).find((e) => e.data.object.purpose === "push");
    expect(pushed).toMatchObject({ type: "consent.withdrawn", data: { object: { customer, status: "withdrawn" } } });
  });

  it("refuses bad input with field errors and another tenant's customer with 404", async () => {
    const future = await acme.api("POST", `/v1/customers/${customer}/consents`, {
      ...grant("terms"),
      occurred_at: "2099-01-01T00:00:00.000Z",
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].path).toBe("occurred_at");
    const purpose = await acme.api("POST", `/v1/customers/${customer}/consents`, grant("spam everyone"));
    expect(purpose.status).toBe(400);
    const custom = await acme.api("POST", `/v1/customers/${customer}/consents`, grant("custom.newsletter_b2b"));
    expect(custom.status).toBe(201);
    const unknown = await acme.api("POST", `/v1/customers/${customer}/consents`, { ...grant("push"), extra: 1 });
    expect(unknown.status).toBe(400);
    expect((await other.api("POST", `/v1/customers/${customer}/consents`, grant("push"))).status).toBe(404);
    expect((await other.api("GET", `/v1/customers/${customer}/consents`)).status).toBe(404);
  });

  it("keeps a customer with consent records: deleting it is refused, erasing it is the way", async () => {
    const deleted = await acme.api("DELETE", `/v1/customers/${customer}`);
    expect(deleted.status).toBe(409);
    expect(deleted.body.code).toBe("IN_USE");
    const fresh = (await acme.api("POST", "/v1/customers", { storefront: "web", external_id: "c-2" })).body.id;
    expect((await acme.api("DELETE", `/v1/customers/${fresh}`)).status).toBe(200);
  });
});
