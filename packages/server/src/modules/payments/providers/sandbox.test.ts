import { createTestApp, createTestTenant, type TestContext } from "../../../../test/harness.js";
import { testPaymentProvider } from "../contract.js";
import { sandboxProvider } from "./sandbox.js";
import { signSandboxWebhook } from "./sandbox-webhooks.js";

// The sandbox runs the same contract as every real adapter, over this dialect's database.
testPaymentProvider("sandbox", async () => {
  const ctx: TestContext = await createTestApp();
  const tenant = await createTestTenant(ctx, "contract");
  const secret = "whsec_sandbox_contract";
  const context = {
    scope: tenant.scopes.development!,
    config: {},
    credentials: async () => ({ webhook_secret: secret }),
  };
  return {
    provider: sandboxProvider(ctx.deps.db),
    context,
    currency: "EUR",
    methods: {
      ok: "pm_sandbox_ok",
      softDecline: "pm_sandbox_declined",
      hardDecline: "pm_sandbox_declined_hard",
      requiresAction: "pm_sandbox_3ds",
      unknownAfterSend: "pm_sandbox_timeout",
    },
    codes: { softDecline: "insufficient_funds", hardDecline: "stolen_card" },
    // The simulated issuer page: the customer passes the challenge.
    completeAction: async () => ({ authentication: "succeeded" }),
    signedWebhook: async (reference, eventId) =>
      signSandboxWebhook(
        secret,
        {
          id: eventId,
          type: "charge.refunded",
          created: context.scope.clock.now().toISOString(),
          data: { charge: reference, amount: 1000, currency: "EUR", amount_refunded: 1000 },
        },
        context.scope.clock.now(),
      ),
    vaultToken: "tok_sandbox_ok",
    chargesUnder: async (key) =>
      (
        await ctx.deps.db
          .selectFrom("sandbox_operations")
          .select("id")
          .where("environment_id", "=", context.scope.environmentId)
          .where("idempotency_key", "=", key)
          .execute()
      ).length,
    close: () => ctx.close(),
  };
});
