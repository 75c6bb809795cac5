import { EXTERNAL_TARGETS, type ExternalEvent } from "@tessera/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog } from "../../../../test/billing-setup.js";
import {
  createTestApp,
  createTestTenant,
  dialect,
  type TestContext,
  type TestTenant,
} from "../../../../test/harness.js";
import { APP_STORE_MAPPING } from "./mapping.js";
import { AppStoreSimulator } from "./simulator.js";

/*
 * App Store notifications delivered in any order, any number of times, converge on what Apple
 * would report: the newest (by Apple's signedDate) status-bearing notification decides the
 * status, the newest auto-renew report `cancel_at_period_end`. Real signed V2 notifications,
 * through the channels service and its apply jobs, on both databases.
 */

const APP = { bundleId: "com.example.converge", environment: "Sandbox" };
const STEPS = [
  ["DID_RENEW", undefined],
  ["DID_FAIL_TO_RENEW", "GRACE_PERIOD"],
  ["DID_FAIL_TO_RENEW", undefined],
  ["GRACE_PERIOD_EXPIRED", undefined],
  ["DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED"],
  ["DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED"],
  ["EXPIRED", "VOLUNTARY"],
  ["SUBSCRIBED", "RESUBSCRIBE"],
  ["REFUND", undefined],
  ["REVOKE", undefined],
] as const;
const seed = process.env.PROPERTY_SEED === "random" ? undefined : Number(process.env.PROPERTY_SEED ?? 20261204);

describe(`App Store notifications converge on Apple's state (${dialect})`, () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  const sim = new AppStoreSimulator(APP);
  let run = 0;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    cat = await billingCatalog(acme.api);
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store`, {
      config: { bundle_id: APP.bundleId, environment: "Sandbox" },
      credentials: { root_certificates: sim.chain.rootPem },
    });
    await acme.api("PUT", `/v1/storefronts/${cat.storefront}/channels/app_store/products/com.example.converge.gold`, {
      price: cat.prices.monthly,
    });
  });
  afterAll(() => ctx.close());

  it("whatever the order and duplication of delivery", { timeout: 180_000 }, async () => {
    const scope = () => acme.scopes.development!;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...STEPS), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
        fc.array(fc.nat({ max: 5 }), { maxLength: 3 }),
        fc.boolean(),
        async (steps, order, duplicates, drainEach) => {
          const n = ++run;
          const external = `0c9e7d1a-5b2f-4e8a-9c3d-${String(n).padStart(12, "0")}`;
          const customer = (
            await acme.api("POST", "/v1/customers", { storefront: cat.storefront, external_id: external })
          ).body.id as string;
          const t0 = Date.parse("2026-01-02T00:00:00.000Z");
          const sub = {
            originalTransactionId: `30000000000${String(n).padStart(5, "0")}`,
            productId: "com.example.converge.gold",
            appAccountToken: external,
            purchaseDate: t0,
            expiresDate: t0 + 30 * 86_400_000,
          };
          const all = [["SUBSCRIBED", "INITIAL_BUY"] as const, ...steps];
          const bodies = await Promise.all(
            all.map(
              async ([type, subtype], i) =>
                (
                  await sim.notification({
                    notificationType: type,
                    subtype,
                    signedDate: t0 + i * 3_600_000,
                    subscription: sub,
                  })
                ).body,
            ),
          );
          // Apple's view: the newest status report and the newest auto-renew report win.
          let status: string | undefined;
          let cancelAtPeriodEnd = false;
          for (const [type, subtype] of all) {
            const effect = APP_STORE_MAPPING[subtype ? `${type}/${subtype}` : type] ?? APP_STORE_MAPPING[type]!;
            if (effect.event) status = EXTERNAL_TARGETS[effect.event as ExternalEvent];
            if (effect.cancelAtPeriodEnd !== undefined) cancelAtPeriodEnd = effect.cancelAtPeriodEnd;
          }
          const delivery = bodies
            .map((body, i) => ({ body, key: order[i] ?? 0 }))
            .sort((a, b) => a.key - b.key)
            .map((d) => d.body);
          for (const d of duplicates) delivery.push(bodies[d % bodies.length]!);
          const settings = await ctx.services.channelSettings.load(scope(), cat.storefront, "app_store");
          for (const body of delivery) {
            const r = await ctx.services.channels.receive(scope(), {
              channel: "app_store",
              storefrontId: cat.storefront,
              request: { headers: {}, body },
              settings,
            });
            expect(r.verified).toBe(true);
            if (drainEach) await ctx.services.worker.drain({ environmentId: scope().environmentId });
          }
          await ctx.services.worker.drain({ environmentId: scope().environmentId });
          const [made] = (await acme.api("GET", `/v1/subscriptions?customer=${customer}`)).body.data;
          expect(made, JSON.stringify(all)).toMatchObject({ status, cancel_at_period_end: cancelAtPeriodEnd });
        },
      ),
      { numRuns: 12, ...(seed !== undefined && { seed }) },
    );
  });
});
