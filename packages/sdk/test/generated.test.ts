import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as core from "@tessera/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { writeTypes } from "../scripts/generate-types.js";
import type * as sdk from "../src/generated/types.js";

// The SDK publishes plain types generated from core's zod schemas, so apps need neither core nor
// zod. These checks keep the generated file equal to what core says today.
describe("generated API types", () => {
  it("are up to date with @tessera/core (run `pnpm --filter @tessera/sdk generate` if not)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-types-"));
    try {
      const fresh = join(dir, "types.ts");
      writeTypes(fresh);
      const committed = readFileSync(new URL("../src/generated/types.ts", import.meta.url), "utf8");
      expect(committed).toBe(readFileSync(fresh, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are the same types as core's zod-inferred ones", () => {
    type In<S> = S extends { _zod: { input: infer I } } ? I : never;
    expectTypeOf<sdk.EntitlementClaims>().toEqualTypeOf<core.EntitlementClaims>();
    expectTypeOf<sdk.Entitlement>().toEqualTypeOf<core.Entitlement>();
    expectTypeOf<sdk.Bundle>().toEqualTypeOf<core.Bundle>();
    expectTypeOf<sdk.Price>().toEqualTypeOf<core.Price>();
    expectTypeOf<sdk.Storefront>().toEqualTypeOf<core.Storefront>();
    expectTypeOf<sdk.Customer>().toEqualTypeOf<core.Customer>();
    expectTypeOf<sdk.ApiKey>().toEqualTypeOf<core.ApiKey>();
    expectTypeOf<sdk.DeletionResult>().toEqualTypeOf<core.DeletionResult>();
    expectTypeOf<sdk.CreateEntitlementInput>().toEqualTypeOf<In<typeof core.CreateEntitlement>>();
    expectTypeOf<sdk.CreateBundleInput>().toEqualTypeOf<In<typeof core.CreateBundle>>();
    expectTypeOf<sdk.UpdateBundleInput>().toEqualTypeOf<In<typeof core.UpdateBundle>>();
    expectTypeOf<sdk.CreateStorefrontInput>().toEqualTypeOf<In<typeof core.CreateStorefront>>();
    expectTypeOf<sdk.UpdateStorefrontInput>().toEqualTypeOf<In<typeof core.UpdateStorefront>>();
    expectTypeOf<sdk.CreateCustomerInput>().toEqualTypeOf<In<typeof core.CreateCustomer>>();
    expectTypeOf<sdk.CreateApiKeyInput>().toEqualTypeOf<In<typeof core.CreateApiKey>>();
  });

  it("cover subscriptions, payments, events, webhooks, access and tenancy the same way", () => {
    type In<S> = S extends { _zod: { input: infer I } } ? I : never;
    expectTypeOf<sdk.Subscription>().toEqualTypeOf<core.Subscription>();
    expectTypeOf<sdk.Payment>().toEqualTypeOf<core.Payment>();
    expectTypeOf<sdk.Event>().toEqualTypeOf<core.Event>();
    expectTypeOf<sdk.TestClock>().toEqualTypeOf<core.TestClock>();
    expectTypeOf<sdk.WebhookEndpoint>().toEqualTypeOf<core.WebhookEndpoint>();
    expectTypeOf<sdk.WebhookEndpointWithSecret>().toEqualTypeOf<core.WebhookEndpointWithSecret>();
    expectTypeOf<sdk.WebhookDelivery>().toEqualTypeOf<core.WebhookDelivery>();
    expectTypeOf<sdk.CustomerEntitlements>().toEqualTypeOf<core.CustomerEntitlements>();
    expectTypeOf<sdk.EntitlementCheck>().toEqualTypeOf<core.EntitlementCheck>();
    expectTypeOf<sdk.EntitlementToken>().toEqualTypeOf<core.EntitlementToken>();
    expectTypeOf<sdk.UsageRecord>().toEqualTypeOf<core.UsageRecord>();
    expectTypeOf<sdk.Grant>().toEqualTypeOf<core.Grant>();
    expectTypeOf<sdk.SigningKey>().toEqualTypeOf<core.SigningKey>();
    expectTypeOf<sdk.Jwks>().toEqualTypeOf<core.Jwks>();
    expectTypeOf<sdk.Tenant>().toEqualTypeOf<core.Tenant>();
    expectTypeOf<sdk.CreateSubscriptionInput>().toEqualTypeOf<In<typeof core.CreateSubscription>>();
    expectTypeOf<sdk.ChangePlanInput>().toEqualTypeOf<In<typeof core.ChangePlan>>();
    expectTypeOf<sdk.RefundPaymentInput>().toEqualTypeOf<In<typeof core.RefundPayment>>();
    // Query parameters: `limit` is coerced from the query string (input `unknown`); the SDK sends a number.
    type Flat<T> = { [K in keyof T]: T[K] };
    type Params<S> = Flat<Omit<In<S>, "limit"> & { limit?: number }>;
    expectTypeOf<sdk.SubscriptionListParams>().toEqualTypeOf<Params<typeof core.SubscriptionListQuery>>();
    expectTypeOf<sdk.PaymentListParams>().toEqualTypeOf<Params<typeof core.PaymentListQuery>>();
    expectTypeOf<sdk.EventListParams>().toEqualTypeOf<Params<typeof core.EventListQuery>>();
    expectTypeOf<sdk.WebhookDeliveryListParams>().toEqualTypeOf<Params<typeof core.WebhookDeliveryListQuery>>();
    expectTypeOf<sdk.AdvanceTestClockInput>().toEqualTypeOf<In<typeof core.AdvanceTestClock>>();
    expectTypeOf<sdk.CreateWebhookEndpointInput>().toEqualTypeOf<In<typeof core.CreateWebhookEndpoint>>();
    expectTypeOf<sdk.UpdateWebhookEndpointInput>().toEqualTypeOf<In<typeof core.UpdateWebhookEndpoint>>();
    expectTypeOf<sdk.CheckEntitlementInput>().toEqualTypeOf<In<typeof core.CheckEntitlement>>();
    expectTypeOf<sdk.RecordUsageInput>().toEqualTypeOf<In<typeof core.RecordUsage>>();
    expectTypeOf<sdk.CreateGrantInput>().toEqualTypeOf<In<typeof core.CreateGrant>>();
    expectTypeOf<sdk.CreateTenantInput>().toEqualTypeOf<In<typeof core.CreateTenant>>();
  });
});
