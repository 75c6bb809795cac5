import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, subscribe } from "../../../test/billing-setup.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { signSandboxWebhook } from "./providers/sandbox-webhooks.js";

/* GET /v1/disputes and /v1/disputes/{id}: chargebacks the PSP reported, read through the API. */

const SECRET = "whsec_disputes_test";

describe("disputes", () => {
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

  const report = async (type: string, data: Record<string, unknown>) => {
    const signed = signSandboxWebhook(
      SECRET,
      { id: `evt_dsp_${++n}`, type, created: ctx.clock.now().toISOString(), data: data as { charge: string } },
      ctx.clock.now(),
    );
    const res = await client(ctx, undefined, undefined)(
      "POST",
      `/v1/providers/sandbox/webhooks/${cat.storefront}`,
      signed.body,
      signed.headers,
    );
    expect(res.status).toBe(200);
  };

  it("lists disputes with filters and cursor pages, and gets one by id", async () => {
    const [a, b, quiet] = [
      await subscribe(acme.api, cat, {}),
      await subscribe(acme.api, cat, {}),
      await subscribe(acme.api, cat, {}),
    ];
    await report("charge.dispute.created", {
      charge: a.latest_payment.provider_reference,
      amount: 999,
      reason: "fraudulent",
    });
    await report("charge.dispute.created", { charge: b.latest_payment.provider_reference, amount: 400 });
    await report("charge.dispute.closed", {
      charge: b.latest_payment.provider_reference,
      amount: 400,
      dispute_status: "lost",
    });
    await ctx.services.worker.drain();

    const all = (await acme.api("GET", "/v1/disputes")).body;
    const byPayment = Object.fromEntries(all.data.map((d: { payment: string }) => [d.payment, d]));
    expect(Object.keys(byPayment).sort()).toEqual([a.latest_payment.id, b.latest_payment.id].sort());
    expect(byPayment[quiet.latest_payment.id]).toBeUndefined();
    expect(byPayment[a.latest_payment.id]).toMatchObject({
      object: "dispute",
      status: "open",
      amount: 999,
      currency: "EUR",
      reason: "fraudulent",
      customer: a.customer,
      subscription: a.id,
      provider: "sandbox",
      provider_reference: a.latest_payment.provider_reference,
    });
    expect(byPayment[b.latest_payment.id]).toMatchObject({ status: "lost", amount: 400 });

    const open = (await acme.api("GET", "/v1/disputes?status=open")).body.data;
    expect(open.map((d: { payment: string }) => d.payment)).toEqual([a.latest_payment.id]);
    expect((await acme.api("GET", `/v1/disputes?customer=${b.customer}`)).body.data).toHaveLength(1);
    expect((await acme.api("GET", `/v1/disputes?payment=${quiet.latest_payment.id}`)).body.data).toEqual([]);

    // Newest payment first, one per page, the cursor is a dispute id.
    const first = (await acme.api("GET", "/v1/disputes?limit=1")).body;
    expect(first).toMatchObject({ has_more: true, next_cursor: first.data[0].id });
    const second = (await acme.api("GET", `/v1/disputes?limit=1&starting_after=${first.next_cursor}`)).body;
    expect(second.data[0].id).not.toBe(first.data[0].id);
    expect([first.data[0].payment, second.data[0].payment]).toEqual([b.latest_payment.id, a.latest_payment.id]);

    const one = await acme.api("GET", `/v1/disputes/${byPayment[a.latest_payment.id].id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(byPayment[a.latest_payment.id]);
    // The payment shows it too.
    expect((await acme.api("GET", `/v1/payments/${a.latest_payment.id}`)).body.dispute).toEqual({
      status: "open",
      amount: 999,
      reason: "fraudulent",
    });
  });

  it("answers 404 for a payment without a dispute, an unknown id, and another environment's dispute", async () => {
    const quiet = await subscribe(acme.api, cat, {});
    const asDispute = quiet.latest_payment.id.replace(/^pay_/, "dsp_");
    expect((await acme.api("GET", `/v1/disputes/${asDispute}`)).status).toBe(404);
    expect((await acme.api("GET", "/v1/disputes/pay_not_a_dispute")).status).toBe(404);
    const disputed = (await acme.api("GET", "/v1/disputes")).body.data[0];
    expect((await acme.as("production")("GET", `/v1/disputes/${disputed.id}`)).status).toBe(404);
  });
});
