import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingCatalog, billingCatalog, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { withSystemAccess } from "../../db/access.js";
import { signSandboxWebhook } from "./providers/sandbox-webhooks.js";

/*
 * A provider's webhook as it arrives in production: over a real socket, with no API key and no
 * default database access. On Postgres, row-level security then hides every tenant's rows until
 * the route finds the storefront's tenant itself; a lookup outside system access saw no storefront
 * and answered 404 (the bug this pins).
 */

const SECRET = "whsec_rls_test";

describe("provider webhooks under row-level security, over HTTP", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let cat: BillingCatalog;
  let server: ReturnType<typeof serve>;
  let base: string;

  beforeAll(async () => {
    ctx = await createTestApp({}, {}, { kind: "none" });
    acme = await withSystemAccess(() => createTestTenant(ctx));
    cat = await billingCatalog(acme.api, { providers: [{ name: "sandbox", credentials: { webhook_secret: SECRET } }] });
    server = serve({ fetch: ctx.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  it("finds the storefront's tenant, stores the event and applies it", async () => {
    const pay = (await subscribe(acme.api, cat, {})).latest_payment;
    const signed = signSandboxWebhook(
      SECRET,
      {
        id: "evt_sbx_rls_1",
        type: "charge.refunded",
        created: ctx.clock.now().toISOString(),
        data: { charge: pay.provider_reference, amount: 250, currency: pay.currency, amount_refunded: 250 },
      },
      ctx.clock.now(),
    );
    const res = await fetch(`${base}/v1/providers/sandbox/webhooks/${cat.storefront}`, {
      method: "POST",
      headers: { ...signed.headers, "content-type": "application/json" },
      body: signed.body,
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 200,
      body: { received: 1, duplicates: 0 },
    });
    await ctx.services.worker.drain();
    const after = await acme.api("GET", `/v1/payments/${pay.id}`);
    expect(after.body).toMatchObject({ status: "succeeded", refunded_amount: 250 });
    // An unknown storefront is still a 404, not someone else's.
    const other = await fetch(`${base}/v1/providers/sandbox/webhooks/sf_01JNOSUCHSTOREFRONT000000000`, {
      method: "POST",
      headers: { ...signed.headers, "content-type": "application/json" },
      body: signed.body,
    });
    expect(other.status).toBe(404);
  });
});
