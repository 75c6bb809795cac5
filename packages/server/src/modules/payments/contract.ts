import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import {
  type Capabilities,
  IdempotencyMismatchError,
  type OperationOutcome,
  type PaymentOutcome,
  type PaymentProvider,
  type ProviderContext,
  type WebhookRequest,
} from "./provider.js";

/*
 * The provider contract suite (DESIGN §7): every adapter's test is one call,
 * `testPaymentProvider("stripe", async () => driver)`, against the sandbox or a local server
 * answering in the vendor's shapes. What an adapter's capabilities say it cannot do is skipped,
 * visibly, never passed silently.
 */

/** What the suite needs to exercise one adapter; built per test file. */
export interface ContractDriver {
  provider: PaymentProvider;
  /** A context whose credentials include whatever webhook verification needs. */
  context: ProviderContext;
  currency: string;
  /** Payment method tokens that produce each outcome at this vendor's test mode. */
  methods: {
    ok: string;
    softDecline: string;
    hardDecline: string;
    /** Needed when capabilities.customerActions. */
    requiresAction?: string;
    /** Charges, then the answer is lost (a timeout after sending); omit when the vendor cannot simulate it. */
    unknownAfterSend?: string;
  };
  /** The vendor codes those declines carry (what `failure_code` keeps). */
  codes: { softDecline: string; hardDecline: string };
  /** The customer's side of an action (the issuer page): the data `confirm` then gets. */
  completeAction?(outcome: Extract<PaymentOutcome, { status: "requires_action" }>): Promise<Record<string, string>>;
  /** A genuine webhook about a refund of `reference`, signed the vendor's way. */
  signedWebhook?(reference: string, eventId: string): Promise<WebhookRequest>;
  /** The event id the adapter reads from that webhook, when the vendor derives it (default: `eventId`). */
  eventIdOf?(eventId: string): string;
  /**
   * The genuine webhook with `reference` altered, for vendors whose body does not carry it in clear
   * (Braintree's base64 payload); default: the reference replaced in the raw body.
   */
  tamper?(genuine: WebhookRequest, reference: string): WebhookRequest;
  /** The genuine webhook without its signature, for vendors that sign inside the body (Braintree's bt_signature); default: no headers. */
  unsigned?(genuine: WebhookRequest): WebhookRequest;
  /** A single-use client token that vaulting turns into a chargeable method. */
  vaultToken?: string;
  /**
   * Vendors whose captures, voids and refunds are asynchronous (Adyen answers `received`): turns a
   * `pending` outcome into the vendor's final word, by delivering its webhook through handleWebhook.
   */
  settle?(outcome: Extract<OperationOutcome, { status: "pending" }>): Promise<OperationOutcome>;
  /** False when the vendor has no payment lookup (Adyen): retrieve then answers `unknown`, webhooks settle. */
  lookup?: boolean;
  /** How many charges the vendor holds under a key (proves a replay charged once). */
  chargesUnder?(idempotencyKey: string): Promise<number>;
  close?(): Promise<void>;
}

type Flag = keyof Capabilities;

export function testPaymentProvider(name: string, factory: () => Promise<ContractDriver>): void {
  describe(`payment provider contract: ${name}`, () => {
    let d: ContractDriver;
    const run = randomUUID().slice(0, 8);
    let n = 0;
    const key = (label: string) => `contract:${run}:${label}:${++n}`;
    const charge = (method: string, amount = 1000, k = key("charge")) =>
      d.provider.charge(d.context, {
        idempotencyKey: k,
        amount,
        currency: d.currency,
        paymentMethod: method,
        customer: `cus_contract_${run}`,
      });
    const ref = (o: { reference: string | null }) => {
      expect(o.reference).toEqual(expect.any(String));
      return o.reference!;
    };
    /** The final word on a capture, void or refund (settled by webhook where the vendor is asynchronous). */
    const final = async (o: Promise<OperationOutcome>) => {
      const r = await o;
      return r.status === "pending" && d.settle ? d.settle(r) : r;
    };
    /** Skips, visibly, what the adapter says it cannot do. */
    const needs = (t: TestContext, ...flags: Flag[]) => {
      const missing = flags.filter((f) => !d.provider.capabilities[f]);
      if (missing.length) t.skip(`${name} cannot: ${missing.join(", ")}`);
    };

    beforeAll(async () => {
      d = await factory();
    });
    afterAll(() => d?.close?.());

    it("approves a charge, keeping the vendor's answer", async () => {
      const o = await charge(d.methods.ok);
      expect(o).toMatchObject({ status: "succeeded", vendor: { raw: expect.any(String) } });
      ref(o);
    });

    it("soft-declines with retry advice and the vendor's code", async () => {
      const o = await charge(d.methods.softDecline);
      expect(o).toMatchObject({ status: "soft_decline", code: d.codes.softDecline, retry: { allowed: true } });
      expect(o.vendor.code).toBeTruthy();
    });

    it("hard-declines, never retryable, keeping the vendor's code", async () => {
      const o = await charge(d.methods.hardDecline);
      expect(o).toMatchObject({ status: "hard_decline", code: d.codes.hardDecline, retry: { allowed: false } });
      expect(o.vendor.code).toBeTruthy();
    });

    it("asks for a customer action, then completes it", async (t) => {
      needs(t, "customerActions");
      const k = key("3ds");
      // The customer is present (only then can they authenticate) and comes back to the merchant.
      const onSession = (method: string) =>
        d.provider.charge(d.context, {
          idempotencyKey: k,
          amount: 1000,
          currency: d.currency,
          paymentMethod: method,
          customer: `cus_contract_${run}`,
          onSession: true,
          returnUrl: "https://shop.example/return",
        });
      const first = await onSession(d.methods.requiresAction!);
      if (first.status !== "requires_action") throw new Error(`expected requires_action, got ${first.status}`);
      expect(first.action.url ?? first.action.data).toBeTruthy();
      // Not paid until the customer acts: a replay still asks.
      expect((await onSession(d.methods.requiresAction!)).status).toBe("requires_action");
      const data = await d.completeAction!(first);
      const done = await d.provider.confirm(d.context, {
        idempotencyKey: key("confirm"),
        reference: first.reference,
        data,
      });
      expect(done).toMatchObject({ status: "succeeded", reference: first.reference });
      expect(await d.provider.retrieve(d.context, { idempotencyKey: k, reference: first.reference })).toMatchObject({
        status: d.lookup === false ? "unknown" : "succeeded",
      });
    });

    it("authorizes, captures in part once, and voids only what is not captured", async (t) => {
      needs(t, "separateCapture");
      const auth = await d.provider.authorize(d.context, {
        idempotencyKey: key("auth"),
        amount: 1000,
        currency: d.currency,
        paymentMethod: d.methods.ok,
        customer: `cus_contract_${run}`,
      });
      expect(auth.status).toBe("authorized");
      const reference = ref(auth);
      const part = d.provider.capabilities.partialCapture ? 600 : 1000;
      const capture = (reference: string, amount: number) =>
        final(d.provider.capture(d.context, { idempotencyKey: key("cap"), reference, amount, currency: d.currency }));
      expect(await capture(reference, 1001)).toMatchObject({ status: "refused" });
      expect(await capture(reference, part)).toMatchObject({ status: "succeeded", amount: part });
      // Captured once: no further capture, of whatever amount.
      expect(await capture(reference, 1)).toMatchObject({ status: "refused" });
      if (d.provider.capabilities.void) {
        expect(await final(d.provider.void(d.context, { idempotencyKey: key("void"), reference }))).toMatchObject({
          status: "refused",
        });
        const other = ref(
          await d.provider.authorize(d.context, {
            idempotencyKey: key("auth"),
            amount: 500,
            currency: d.currency,
            paymentMethod: d.methods.ok,
            customer: `cus_contract_${run}`,
          }),
        );
        const voided = await final(d.provider.void(d.context, { idempotencyKey: key("void"), reference: other }));
        expect(voided.status).toBe("succeeded");
        expect(await capture(other, 500)).toMatchObject({ status: "refused" });
        expect((await d.provider.retrieve(d.context, { idempotencyKey: "", reference: other })).status).not.toMatch(
          /^(authorized|succeeded)$/,
        );
      }
    });

    it("refunds in full, in part and several times, and refuses an over-refund", async (t) => {
      const full = ref(await charge(d.methods.ok, 1000));
      const refund = (reference: string, amount: number) =>
        final(d.provider.refund(d.context, { idempotencyKey: key("refund"), reference, amount, currency: d.currency }));
      expect(await refund(full, 1000)).toMatchObject({ status: expect.stringMatching(/^(succeeded|pending)$/) });
      expect(await refund(full, 1)).toMatchObject({ status: "refused" });
      needs(t, "partialRefund", "multipleRefunds");
      const reference = ref(await charge(d.methods.ok, 1000));
      expect(await refund(reference, 300)).toMatchObject({ status: "succeeded", amount: 300 });
      expect(await refund(reference, 300)).toMatchObject({ status: "succeeded", amount: 300 });
      expect(await refund(reference, 500)).toMatchObject({ status: "refused" });
      expect(await refund(reference, 400)).toMatchObject({ status: "succeeded", amount: 400 });
    });

    it("replays the same key with the same outcome and charges once; other parameters are refused", async () => {
      const k = key("replay");
      const first = await charge(d.methods.ok, 1000, k);
      expect(await charge(d.methods.ok, 1000, k)).toEqual(first);
      if (d.chargesUnder) expect(await d.chargesUnder(k)).toBe(1);
      await expect(charge(d.methods.ok, 1001, k)).rejects.toBeInstanceOf(IdempotencyMismatchError);
      const refundKey = key("refund");
      const refund = { idempotencyKey: refundKey, reference: ref(first), amount: 100, currency: d.currency };
      const r1 = await d.provider.refund(d.context, refund);
      expect(await d.provider.refund(d.context, refund)).toEqual(r1);
      await expect(d.provider.refund(d.context, { ...refund, amount: 200 })).rejects.toBeInstanceOf(
        IdempotencyMismatchError,
      );
    });

    it("resolves a charge whose answer was lost after sending with retrieve", async (t) => {
      if (!d.methods.unknownAfterSend) t.skip(`${name}'s test mode cannot lose an answer`);
      const k = key("lost");
      expect(await charge(d.methods.unknownAfterSend!, 1000, k)).toMatchObject({ status: "unknown", sent: true });
      expect(await d.provider.retrieve(d.context, { idempotencyKey: k, reference: null })).toMatchObject({
        status: "succeeded",
      });
      expect(
        await d.provider.retrieve(d.context, { idempotencyKey: key("never-sent"), reference: null }),
      ).toMatchObject({ status: "not_found" });
    });

    it("verifies webhooks the vendor's way and refuses forged ones", async (t) => {
      needs(t, "webhooks");
      const reference = ref(await charge(d.methods.ok));
      const eventId = `evt_contract_${run}_${++n}`;
      const genuine = await d.signedWebhook!(reference, eventId);
      const read = await d.provider.handleWebhook(d.context, genuine);
      expect(read).toMatchObject({ verified: true, events: [{ id: d.eventIdOf?.(eventId) ?? eventId, reference }] });
      const tampered = d.tamper
        ? d.tamper(genuine, reference)
        : { ...genuine, body: genuine.body.replace(reference, `${reference}x`) };
      expect(tampered.body).not.toBe(genuine.body);
      expect(await d.provider.handleWebhook(d.context, tampered)).toMatchObject({ verified: false });
      const unsigned = d.unsigned ? d.unsigned(genuine) : { headers: {}, body: genuine.body };
      expect(await d.provider.handleWebhook(d.context, unsigned)).toMatchObject({
        verified: false,
      });
    });

    it("vaults a payment method that can be charged later", async (t) => {
      needs(t, "vaulting");
      const save = (token: string) =>
        d.provider.savePaymentMethod(d.context, {
          idempotencyKey: key("vault"),
          customer: `cus_contract_${run}`,
          token,
        });
      const saved = await save(d.vaultToken!);
      if (saved.status !== "saved") throw new Error(`expected saved, got ${saved.status}`);
      expect(saved.method).toMatchObject({ token: expect.any(String), last4: expect.stringMatching(/^\d{4}$/) });
      expect((await charge(saved.method.token)).status).toBe("succeeded");
      expect(await save("tok_contract_does_not_exist")).toMatchObject({ status: "refused" });
    });

    it("settles asynchronously when it says it can", async (t) => {
      needs(t, "asynchronousSettlement");
      // No adapter claims this yet: the first one to do so adds its driver hook and this test.
      throw new Error(`${name} claims asynchronous settlement: add it to the contract suite`);
    });
  });
}
