import type { billingCatalog } from "../../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../../test/harness.js";
import { type FakeAdyen, startFakeAdyen } from "./adyen/fake-adyen.js";
import { type FakeStripe, startFakeStripe } from "./stripe/fake-stripe.js";

type CatalogProviders = Required<Pick<NonNullable<Parameters<typeof billingCatalog>[1]>, "providers">>;

/**
 * For tests of the real adapters through the whole app: an app with a tenant, a local fake Stripe and
 * Adyen answering in their documented shapes, and the storefront provider entries that point at them
 * (with their credentials). `close` stops all three.
 */
export interface LocalVendors {
  ctx: TestContext;
  acme: TestTenant;
  stripe: FakeStripe;
  adyen: FakeAdyen;
  /** `{ providers: [stripe] }` for billingCatalog. */
  atStripe(): CatalogProviders;
  /** `{ providers: [adyen] }` for billingCatalog. */
  atAdyen(): CatalogProviders;
  close(): Promise<void>;
}

export async function startLocalVendors(): Promise<LocalVendors> {
  const ctx = await createTestApp();
  const acme = await createTestTenant(ctx);
  const stripe = await startFakeStripe();
  const adyen = await startFakeAdyen();
  return {
    ctx,
    acme,
    stripe,
    adyen,
    atStripe: () => ({
      providers: [
        {
          name: "stripe",
          config: { api_base: stripe.url },
          credentials: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret },
        },
      ],
    }),
    atAdyen: () => ({
      providers: [
        {
          name: "adyen",
          config: { api_base: adyen.url },
          credentials: { api_key: adyen.apiKey, merchant_account: adyen.merchantAccount, hmac_key: adyen.hmacKey },
        },
      ],
    }),
    async close() {
      await stripe.close();
      await adyen.close();
      await ctx.close();
    },
  };
}
