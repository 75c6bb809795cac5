import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import type { WebhookRequest } from "./provider.js";
import { type FakeAdyen, startFakeAdyen } from "./providers/adyen/fake-adyen.js";
import { signSandboxWebhook } from "./providers/sandbox-webhooks.js";
import { type FakeStripe, startFakeStripe } from "./providers/stripe/fake-stripe.js";

/*
 * The books: for every payment, what we record as captured − refunded equals what the provider's
 * own books say, after any sequence of partial refunds through our API and any delivery of the
 * provider's webhooks about them (none, some, duplicated, reordered). The sandbox keeps its books
 * in its table; Stripe and Adyen are the local fakes in their shapes, whose state is the vendor's.
 * Captures are automatic here (every subscription charge captures at once).
 */

const SANDBOX_SECRET = "whsec_books";

interface World {
  name: string;
  cat: BillingCatalog;
  paymentMethod: string;
  /** What the provider says about one charge. */
  books(reference: string): Promise<{ captured: number; refunded: number }>;
  /** The webhooks the provider sends about the refunds made so far of one charge. */
  refundWebhooks(reference: string, run: string): Promise<WebhookRequest[]>;
}

describe("books: captured − refunded agrees with the provider", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let stripe: FakeStripe;
  let adyen: FakeAdyen;
  const worlds: World[] = [];

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    stripe = await startFakeStripe();
    adyen = await startFakeAdyen();
    const sandboxBooks = async (reference: string) => {
      const row = await ctx.deps.db
        .selectFrom("sandbox_operations")
        .select(["captured_amount", "refunded_amount"])
        .where("id", "=", reference)
        .executeTakeFirstOrThrow();
      return { captured: Number(row.captured_amount), refunded: Number(row.refunded_amount) };
    };
    worlds.push(
      {
        name: "sandbox",
        cat: await billingCatalog(acme.api, {
          providers: [{ name: "sandbox", credentials: { webhook_secret: SANDBOX_SECRET } }],
        }),
        paymentMethod: "pm_sandbox_ok",
        books: sandboxBooks,
        // The sandbox reports a refund with the charge's refunded total, as Stripe does.
        refundWebhooks: async (reference, run) => {
          const { refunded } = await sandboxBooks(reference);
          const event = {
            id: `evt_books_${run}_${refunded}`,
            type: "charge.refunded",
            created: ctx.clock.now().toISOString(),
            data: { charge: reference, amount_refunded: refunded },
          };
          return [signSandboxWebhook(SANDBOX_SECRET, event, ctx.clock.now())];
        },
      },
      {
        name: "stripe",
        cat: await billingCatalog(acme.api, {
          providers: [
            {
              name: "stripe",
              config: { api_base: stripe.url },
              credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
            },
          ],
        }),
        paymentMethod: "pm_card_visa",
        books: async (reference) => stripe.books(reference),
        refundWebhooks: async (reference, run) => {
          const { refunded } = stripe.books(reference);
          return [stripe.signedChargeRefunded(reference, `evt_books_${run}_${refunded}`, ctx.clock.now())];
        },
      },
      {
        name: "adyen",
        cat: await billingCatalog(acme.api, {
          providers: [
            {
              name: "adyen",
              config: { api_base: adyen.url },
              credentials: { api_key: adyen.apiKey, merchant_account: adyen.merchantAccount, hmac_key: adyen.hmacKey },
            },
          ],
        }),
        paymentMethod: "pm_ok",
        books: async (reference) => adyen.books(reference),
        // One REFUND notification per refund, each with its own modification reference.
        refundWebhooks: async (reference) => adyen.modificationNotifications(reference),
      },
    );
  });
  afterAll(async () => {
    await stripe?.close();
    await adyen?.close();
    await ctx?.close();
  });

  let runs = 0;
  const history = fc.record({
    /** Each refund takes this percentage of what is left (100: all of it). */
    refunds: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }),
    /** Which of the collected webhooks arrive, in which order, how often. */
    deliveries: fc.array(fc.nat({ max: 1000 }), { maxLength: 10 }),
  });

  for (const index of [0, 1, 2]) {
    it(`holds for ${["sandbox", "stripe", "adyen"][index]}`, async () => {
      const world = worlds[index]!;
      await fc.assert(
        fc.asyncProperty(history, async ({ refunds, deliveries }) => {
          const run = `${world.name}_${++runs}`;
          const pay = (await subscribe(acme.api, world.cat, { payment_method: world.paymentMethod })).latest_payment;
          expect(pay.status).toBe("succeeded");
          const reference: string = pay.provider_reference;
          const webhooks: WebhookRequest[] = [];
          let left = Number(pay.amount);
          for (const percent of refunds) {
            if (left === 0) break;
            const amount = Math.max(1, Math.floor((left * percent) / 100));
            const res = await acme.api("POST", `/v1/payments/${pay.id}/refund`, { amount });
            expect(res.status).toBe(200);
            left -= amount;
            webhooks.push(...(await world.refundWebhooks(reference, run)));
          }
          for (const pick of deliveries) {
            if (webhooks.length === 0) break;
            const hook = webhooks[pick % webhooks.length]!;
            const res = await ctx.app.request(`/v1/providers/${world.name}/webhooks/${world.cat.storefront}`, {
              method: "POST",
              headers: { "content-type": "application/json", ...hook.headers },
              body: hook.body,
            });
            expect(res.status).toBe(200);
          }
          await ctx.services.worker.drain();
          const ours = (await acme.api("GET", `/v1/payments/${pay.id}`)).body;
          const theirs = await world.books(reference);
          expect(Number(ours.amount) - ours.refunded_amount).toBe(theirs.captured - theirs.refunded);
          expect(ours.refunded_amount).toBe(theirs.refunded);
          expect(ours.status).toBe(theirs.refunded === theirs.captured ? "refunded" : "succeeded");
        }),
        { numRuns: 6 },
      );
    });
  }
});
