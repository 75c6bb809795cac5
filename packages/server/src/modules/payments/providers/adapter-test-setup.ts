import { createTestApp, createTestTenant, type TestContext } from "../../../../test/harness.js";
import type { ChargeRequest, PaymentProvider, ProviderContext } from "../provider.js";

/*
 * What every real adapter's test builds before talking to its local fake: an app (for a tenant's
 * scope and clock), the fake, a provider context pointed at it, and one close for both. Test-only.
 */

export interface AdapterTest<F> {
  app: TestContext;
  fake: F;
  context: ProviderContext;
  close(): Promise<void>;
}

export async function adapterTestSetup<F extends { close(): Promise<void> }>(
  slug: string,
  startFake: () => Promise<F>,
  settings: (fake: F) => { config: ProviderContext["config"]; credentials: Record<string, string> },
): Promise<AdapterTest<F>> {
  const app = await createTestApp();
  const tenant = await createTestTenant(app, slug);
  const fake = await startFake();
  const { config, credentials } = settings(fake);
  const context: ProviderContext = { scope: tenant.scopes.development!, config, credentials: async () => credentials };
  return {
    app,
    fake,
    context,
    async close() {
      await fake.close();
      await app.close();
    },
  };
}

/** A charge with test defaults (1500 EUR minor units, a fresh key per call), overridable field by field. */
export function chargeWith(provider: () => PaymentProvider, context: () => ProviderContext, prefix: string) {
  let n = 0;
  return (paymentMethod: string, extra: Partial<ChargeRequest> & { context?: ProviderContext } = {}) => {
    const { context: ctx, ...request } = extra;
    return provider().charge(ctx ?? context(), {
      idempotencyKey: `${prefix}-${++n}`,
      amount: 1500,
      currency: "EUR",
      customer: "cus_tessera_1",
      paymentMethod,
      ...request,
    });
  };
}
