import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  newCustomer,
  sandboxCharges,
  subscribe,
} from "../../../test/billing-setup.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type SandboxEventBody, signSandboxWebhook } from "./providers/sandbox-webhooks.js";

const SECRET = "whsec_inbox_test";

describe("provider webhooks and the inbox", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let n = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api, { providers: [{ name: "sandbox", credentials: { webhook_secret: SECRET } }] });
  });
  afterAll(() => ctx.close());

  // The vendor has no key of ours: no authorization, no x-tn.
  const vendor = () => client(ctx, undefined, undefined);
  const url = (storefront = cat.storefront, provider = "sandbox") => `/v1/providers/${provider}/webhooks/${storefront}`;
  const event = (type: string, data: SandboxEventBody["data"], id = `evt_sbx_${++n}`): SandboxEventBody => ({
    id,
    type,
    created: ctx.clock.now().toISOString(),
    data,
  });
  const post = (body: SandboxEventBody, secret = SECRET, to = url()) => {
    const signed = signSandboxWebhook(secret, body, ctx.clock.now());
    return vendor()("POST", to, signed.body, { ...signed.headers, "content-type": "application/json" });
  };
  const inbox = () => ctx.deps.db.selectFrom("provider_inbox").selectAll().orderBy("received_at").execute();
  const payment = async (id: string) => (await acme.api("GET", `/v1/payments/${id}`)).body;

  it("stores a verified event once, and applies it in a job, not in the request", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const pay = sub.latest_payment;
    const refund = event("charge.refunded", {
      charge: pay.provider_reference,
      amount: 300,
      currency: "EUR",
      amount_refunded: 300,
    });
    const first = await post(refund);
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: { received: 1, duplicates: 0 } });
    expect((await post(refund)).body).toEqual({ received: 0, duplicates: 1 });
    expect(await payment(pay.id)).toMatchObject({ refunded_amount: 0 });
    await ctx.services.worker.drain();
    expect(await payment(pay.id)).toMatchObject({ status: "succeeded", refunded_amount: 300 });
    const rows = (await inbox()).filter((r) => r.provider_event_id === refund.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "applied", payment_id: pay.id, reference: pay.provider_reference });
    // Kept as it arrived, for replay.
    expect(JSON.parse(rows[0]!.raw_body)).toEqual(refund);
    expect(JSON.parse(rows[0]!.raw_headers)).toHaveProperty("sandbox-signature");
    expect((await eventsOf(acme.api, pay.id)).map((e) => e.type)).toEqual(["payment.succeeded", "payment.refunded"]);
  });

  it("applies refunds by their total, so reordering and our own refunds echoed back change nothing", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const pay = sub.latest_payment;
    // Our own refund through the API, which the provider then reports back.
    await acme.api("POST", `/v1/payments/${pay.id}/refund`, { amount: 200 });
    const charge = pay.provider_reference;
    const echo = event("charge.refunded", { charge, amount: 200, amount_refunded: 200 });
    const later = event("charge.refunded", { charge, amount: 799, amount_refunded: 999 });
    const earlier = event("charge.refunded", { charge, amount: 400, amount_refunded: 600 });
    for (const e of [echo, later, earlier]) expect((await post(e)).body).toEqual({ received: 1, duplicates: 0 });
    await ctx.services.worker.drain();
    expect(await payment(pay.id)).toMatchObject({ status: "refunded", refunded_amount: 999 });
    const results = Object.fromEntries((await inbox()).map((r) => [r.provider_event_id, r.result]));
    // Our own refund, echoed back, changes nothing. The earlier total (600) changes nothing when the
    // later one (999) was applied first; concurrent jobs may apply it first, a real intermediate step.
    expect(results[echo.id]).toBe("refund already recorded");
    const earlierFirst = results[earlier.id] !== "refund already recorded";
    expect(results[later.id]).toBe("refunded total now 999");
    expect((await eventsOf(acme.api, pay.id)).map((e) => e.type)).toEqual([
      "payment.succeeded",
      "payment.refunded",
      "payment.refunded",
      ...(earlierFirst ? ["payment.refunded"] : []),
    ]);
  });

  it("records a settlement once, as payment.settled, however often the provider reports it", async () => {
    const sub = await subscribe(acme.api, cat, {});
    const pay = sub.latest_payment;
    expect(pay.settled_at).toBeNull();
    const at = "2026-01-02T06:00:00.000Z";
    const settled = (id?: string) =>
      event("charge.settled", { charge: pay.provider_reference, amount_captured: 999 }, id);
    const first = { ...settled(), created: at };
    // A second report of the same settlement under another event id, and a plain duplicate.
    for (const e of [first, first, { ...settled(), created: at }]) expect((await post(e)).status).toBe(200);
    await ctx.services.worker.drain();
    expect(await payment(pay.id)).toMatchObject({ status: "succeeded", settled_at: at });
    const types = (await eventsOf(acme.api, pay.id)).map((e) => e.type);
    expect(types.filter((t) => t === "payment.settled")).toHaveLength(1);
    const results = (await inbox()).filter((r) => r.type === "payment.settled").map((r) => r.result);
    expect(results.sort()).toEqual(["already settled", "settled"]);
  });

  it("refuses what it cannot verify or place, storing nothing", async () => {
    const before = (await inbox()).length;
    const e = event("charge.refunded", { charge: "ch_sbx_x", amount_refunded: 1 });
    const signed = signSandboxWebhook(SECRET, e, ctx.clock.now());
    const tampered = await vendor()("POST", url(), signed.body.replace("ch_sbx_x", "ch_sbx_y"), signed.headers);
    expect({ status: tampered.status, code: tampered.body.code }).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect((await post(e, "whsec_wrong")).status).toBe(401);
    expect((await vendor()("POST", url(), signed.body, {})).status).toBe(401);
    // Old signatures are refused: a captured request cannot be replayed later.
    const stale = signSandboxWebhook(SECRET, e, new Date(ctx.clock.now().getTime() - 3_600_000));
    expect((await vendor()("POST", url(), stale.body, stale.headers)).status).toBe(401);
    expect((await post(e, SECRET, url(cat.storefront, "stripe"))).status).toBe(404);
    expect((await post(e, SECRET, url("sf_01JNOSUCHSTOREFRONT000000000"))).status).toBe(404);
    // A storefront with the provider but no webhook secret cannot verify anything.
    const bare = await billingCatalog(acme.api);
    expect((await post(e, SECRET, url(bare.storefront))).status).toBe(401);
    expect((await inbox()).length).toBe(before);
  });

  it("a webhook about a pending payment brings billing's check forward", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_timeout",
    });
    const pay = await payment(res.body.latest_payment.id);
    expect(pay).toMatchObject({ status: "pending", provider_reference: null });
    await ctx.services.worker.drain();
    expect((await payment(pay.id)).status).toBe("pending");
    // The provider did charge; its event names its charge and echoes our key.
    const [charge] = await sandboxCharges(ctx, pay.idempotency_key);
    const captured = event("charge.captured", {
      charge: charge!.id,
      merchant_reference: pay.idempotency_key,
      amount: 999,
      amount_captured: 999,
    });
    expect((await post(captured)).status).toBe(200);
    await ctx.services.worker.drain();
    expect(await payment(pay.id)).toMatchObject({ status: "succeeded", provider_reference: charge!.id });
    const row = (await inbox()).find((r) => r.provider_event_id === captured.id);
    expect(row).toMatchObject({ status: "applied", result: "pending: billing's check runs now", payment_id: pay.id });
  });

  it("takes vendor references that look like card numbers, which other routes refuse", async () => {
    // A 16-digit, Luhn-valid reference, as Adyen's pspReference can be.
    const e = event("charge.dispute.created", { charge: "8815329842815467", amount: 5 });
    expect((await post(e)).status).toBe(200);
    const elsewhere = await acme.api("POST", "/v1/customers", {
      storefront: cat.storefront,
      external_id: "8815329842815467",
    });
    expect({ status: elsewhere.status, code: elsewhere.body.code }).toEqual({
      status: 400,
      code: "PAYMENT_DATA_FORBIDDEN",
    });
  });

  it("keeps events about charges it does not know as unmatched, and replays them from the inbox", async () => {
    const e = event("charge.dispute.created", { charge: "ch_sbx_not_ours", amount: 5 });
    expect((await post(e)).body).toEqual({ received: 1, duplicates: 0 });
    await ctx.services.worker.drain();
    expect((await inbox()).find((r) => r.provider_event_id === e.id)).toMatchObject({
      status: "unmatched",
      type: "payment.disputed",
    });
    // An event that came before we knew the charge's reference (its answer was lost, no key echoed)…
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api("POST", "/v1/subscriptions", {
      customer,
      price: cat.prices.monthly,
      payment_method: "pm_sandbox_timeout",
    });
    const pay = res.body.latest_payment;
    const [charge] = await sandboxCharges(ctx, pay.idempotency_key);
    const early = event("charge.captured", { charge: charge!.id, amount: 999 });
    await post(early);
    await ctx.services.worker.drain();
    const row = (await inbox()).find((r) => r.provider_event_id === early.id)!;
    expect(row.status).toBe("unmatched");
    // …is matched once billing's check has learnt the reference, when it is replayed.
    ctx.clock.advance(16 * 60_000);
    await ctx.services.worker.drain();
    expect(await payment(pay.id)).toMatchObject({ status: "succeeded", provider_reference: charge!.id });
    const scope = acme.scopes.development!;
    await ctx.services.providerInbox.replay(scope, row.id);
    await ctx.services.worker.drain();
    expect((await inbox()).find((r) => r.id === row.id)).toMatchObject({
      status: "applied",
      result: "payment already succeeded",
      payment_id: pay.id,
    });
    await expect(ctx.services.providerInbox.replay(scope, "pin_nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("applies disputes (opened, then won or lost) whatever the order, as the provider's doing", async () => {
    const won = (await subscribe(acme.api, cat, {})).latest_payment;
    const opened = event("charge.dispute.created", {
      charge: won.provider_reference,
      amount: 999,
      currency: "EUR",
      reason: "fraudulent",
      dispute: "dp_sbx_1",
    });
    expect((await post(opened)).status).toBe(200);
    await ctx.services.worker.drain();
    expect((await payment(won.id)).dispute).toEqual({ status: "open", amount: 999, reason: "fraudulent" });
    const closed = event("charge.dispute.closed", {
      charge: won.provider_reference,
      amount: 999,
      currency: "EUR",
      dispute: "dp_sbx_1",
      dispute_status: "won",
    });
    await post(closed);
    await post(closed);
    await ctx.services.worker.drain();
    expect((await payment(won.id)).dispute).toEqual({ status: "won", amount: 999, reason: "fraudulent" });
    const events = (await eventsOf(acme.api, won.id)).filter((e) => e.type.startsWith("payment.dispute"));
    expect(events.map((e) => e.type)).toEqual(["payment.disputed", "payment.dispute_closed"]);
    for (const e of events) expect(e.actor).toEqual({ type: "provider", id: "sandbox" });

    // Closed (lost) arrives before opened: it stays lost, and the late "opened" changes nothing.
    const lost = (await subscribe(acme.api, cat, {})).latest_payment;
    const data = { charge: lost.provider_reference, amount: 500, currency: "EUR", dispute: "dp_sbx_2" };
    await post(event("charge.dispute.closed", { ...data, dispute_status: "lost" }));
    await ctx.services.worker.drain();
    await post(event("charge.dispute.created", data));
    await ctx.services.worker.drain();
    expect((await payment(lost.id)).dispute).toMatchObject({ status: "lost", amount: 500 });
    const lostEvents = (await eventsOf(acme.api, lost.id)).filter((e) => e.type.startsWith("payment.dispute"));
    expect(lostEvents.map((e) => e.type)).toEqual(["payment.dispute_closed"]);
    expect((await payment(won.id)).status).toBe("succeeded");
  });
});
