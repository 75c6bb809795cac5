import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advance,
  type BillingCatalog,
  billingCatalog,
  eventsOf,
  freezeAt,
  newCustomer,
} from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

/** What the sandbox PSP itself recorded for a payment's key: how many times money really moved. */
async function sandboxOps(ctx: TestContext, paymentId: string) {
  const rows = await ctx.deps.db
    .selectFrom("sandbox_operations")
    .selectAll()
    .where("idempotency_key", "like", `${paymentId}%`)
    .execute();
  return rows.map((r) => ({ operation: r.operation, status: r.status, captured: Number(r.captured_amount ?? 0) }));
}

describe("one-off payments: authorize, capture, void", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    await freezeAt(acme.api, "2026-05-01T00:00:00.000Z");
    cat = await billingCatalog(acme.api);
  });
  afterAll(() => ctx.close());

  async function authorize(amount = 5000) {
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api("POST", "/v1/payments", {
      customer,
      amount,
      currency: "EUR",
      payment_method: "pm_sandbox_ok",
      capture: false,
      description: "Deposit",
      metadata: { order: "A-17" },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it("captures at once by default", async () => {
    const customer = await newCustomer(acme.api, cat.storefront);
    const res = await acme.api("POST", "/v1/payments", {
      customer,
      amount: 1200,
      currency: "EUR",
      payment_method: "pm_sandbox_ok",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: "one_off",
      status: "succeeded",
      amount_captured: 1200,
      amount_capturable: 0,
      subscription: null,
    });
    expect((await eventsOf(acme.api, res.body.id)).map((e) => e.type)).toEqual(["payment.succeeded"]);
  });

  it("authorizes, captures in part (the rest is released), refunds only what was captured", async () => {
    const auth = await authorize(5000);
    expect(auth).toMatchObject({
      status: "authorized",
      amount_captured: 0,
      amount_capturable: 5000,
      authorization_expires_at: "2026-05-08T00:00:00.000Z",
      description: "Deposit",
      metadata: { order: "A-17" },
    });
    const over = await acme.api("POST", `/v1/payments/${auth.id}/capture`, { amount: 5001 });
    expect({ status: over.status, code: over.body.code }).toEqual({ status: 422, code: "CAPTURE_AMOUNT_INVALID" });
    const part = await acme.api("POST", `/v1/payments/${auth.id}/capture`, { amount: 3000 });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ status: "succeeded", amount_captured: 3000, amount_capturable: 0 });
    const again = await acme.api("POST", `/v1/payments/${auth.id}/capture`, {});
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: "PAYMENT_NOT_CAPTURABLE" });
    const tooMuch = await acme.api("POST", `/v1/payments/${auth.id}/refund`, { amount: 3001 });
    expect(tooMuch.status).toBe(400);
    const refund = await acme.api("POST", `/v1/payments/${auth.id}/refund`, {});
    expect(refund.body).toMatchObject({ status: "refunded", refunded_amount: 3000 });
    expect((await eventsOf(acme.api, auth.id)).map((e) => e.type)).toEqual([
      "payment.authorized",
      "payment.captured",
      "payment.refunded",
    ]);
    expect((await sandboxOps(ctx, auth.id)).filter((o) => o.operation === "capture")).toHaveLength(1);
    const audit = (await acme.api("GET", `/v1/audit?object_id=${auth.id}&limit=100`)).body.data;
    const trail = audit.map((r: { kind: string; action: string }) => `${r.kind}:${r.action}`);
    expect(trail).toEqual(expect.arrayContaining(["outcome:payment.authorize", "outcome:payment.capture"]));
  });

  it("captures once for a repeated request with the same Idempotency-Key", async () => {
    const auth = await authorize(800);
    const headers = { "idempotency-key": `capture-${auth.id}` };
    const first = await acme.api("POST", `/v1/payments/${auth.id}/capture`, {}, headers);
    const second = await acme.api("POST", `/v1/payments/${auth.id}/capture`, {}, headers);
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({ status: "succeeded", amount_captured: 800 });
    expect((await sandboxOps(ctx, auth.id)).filter((o) => o.operation === "capture")).toHaveLength(1);
    const captured = (await eventsOf(acme.api, auth.id)).filter((e) => e.type === "payment.captured");
    expect(captured).toHaveLength(1);
  });

  it("voids an authorization, then refuses to capture or void it again", async () => {
    const auth = await authorize(700);
    const voided = await acme.api("POST", `/v1/payments/${auth.id}/void`);
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: "voided", amount_captured: 0, amount_capturable: 0 });
    const capture = await acme.api("POST", `/v1/payments/${auth.id}/capture`, {});
    expect({ status: capture.status, code: capture.body.code }).toEqual({
      status: 409,
      code: "PAYMENT_NOT_CAPTURABLE",
    });
    const again = await acme.api("POST", `/v1/payments/${auth.id}/void`);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: "PAYMENT_NOT_VOIDABLE" });
    expect((await eventsOf(acme.api, auth.id)).map((e) => e.type)).toEqual(["payment.authorized", "payment.voided"]);
    expect(await sandboxOps(ctx, auth.id)).toContainEqual(
      expect.objectContaining({ operation: "authorize", status: "voided" }),
    );
  });

  it("refuses a void of a captured payment and bad input", async () => {
    const auth = await authorize(600);
    await acme.api("POST", `/v1/payments/${auth.id}/capture`, {});
    const voided = await acme.api("POST", `/v1/payments/${auth.id}/void`);
    expect({ status: voided.status, code: voided.body.code }).toEqual({ status: 409, code: "PAYMENT_NOT_VOIDABLE" });
    const customer = await newCustomer(acme.api, cat.storefront);
    const unknownField = await acme.api("POST", "/v1/payments", { customer, amount: 1, currency: "EUR", tip: 1 });
    expect(unknownField.status).toBe(400);
    const noMethod = await acme.api("POST", "/v1/payments", { customer, amount: 100, currency: "EUR" });
    expect({ status: noMethod.status, path: noMethod.body.errors?.[0]?.path }).toEqual({
      status: 400,
      path: "payment_method",
    });
    const declined = await acme.api("POST", "/v1/payments", {
      customer,
      amount: 100,
      currency: "EUR",
      payment_method: "pm_sandbox_declined",
      capture: false,
    });
    expect(declined.body).toMatchObject({ status: "failed", amount_capturable: 0 });
  });

  it("keeps a one-off payment on erasure but scrubs the customer's values from its description and metadata", async () => {
    const email = "erase.me@example.org";
    const created = await acme.api("POST", "/v1/customers", {
      storefront: cat.storefront,
      external_id: "one-off-erased",
      email,
    });
    const customer = created.body.id;
    const paid = await acme.api("POST", "/v1/payments", {
      customer,
      amount: 300,
      currency: "EUR",
      payment_method: "pm_sandbox_ok",
      description: `Deposit of ${email}`,
      metadata: { contact: email, order: "B-2" },
    });
    expect(paid.body.description).toContain(email);
    const erased = await acme.api("POST", `/v1/customers/${customer}/privacy/erase`, {});
    expect(erased.status).toBe(200);
    const after = (await acme.api("GET", `/v1/payments/${paid.body.id}`)).body;
    expect(after).toMatchObject({ status: "succeeded", amount: 300, metadata: { order: "B-2" } });
    expect(JSON.stringify([after.description, after.metadata])).not.toContain(email);
  });

  it("voids an authorization nobody captured when it lapses, and leaves a captured one alone", async () => {
    // A tenant of its own: its clock moves past every hold it has.
    const other = await createTestTenant(ctx, "expiry");
    await freezeAt(other.api, "2026-06-01T00:00:00.000Z");
    const shop = await billingCatalog(other.api);
    const hold = async () => {
      const customer = await newCustomer(other.api, shop.storefront);
      const res = await other.api("POST", "/v1/payments", {
        customer,
        amount: 900,
        currency: "EUR",
        payment_method: "pm_sandbox_ok",
        capture: false,
      });
      expect(res.body.status).toBe("authorized");
      return res.body;
    };
    const forgotten = await hold();
    const captured = await hold();
    await other.api("POST", `/v1/payments/${captured.id}/capture`, {});
    await advance(other.api, "P6D");
    expect((await other.api("GET", `/v1/payments/${forgotten.id}`)).body.status).toBe("authorized");
    await advance(other.api, "P2D");
    const lapsed = (await other.api("GET", `/v1/payments/${forgotten.id}`)).body;
    expect(lapsed).toMatchObject({ status: "voided", failure_code: "expired", amount_capturable: 0 });
    expect((await eventsOf(other.api, forgotten.id)).map((e) => e.type)).toEqual([
      "payment.authorized",
      "payment.voided",
    ]);
    expect(await sandboxOps(ctx, forgotten.id)).toContainEqual(
      expect.objectContaining({ operation: "authorize", status: "voided" }),
    );
    const audit = (await other.api("GET", `/v1/audit?object_id=${forgotten.id}&limit=100`)).body.data;
    expect(audit.map((r: { action: string }) => r.action)).toContain("payment.authorization_expired");
    expect((await other.api("GET", `/v1/payments/${captured.id}`)).body).toMatchObject({
      status: "succeeded",
      amount_captured: 900,
    });
  });
});
