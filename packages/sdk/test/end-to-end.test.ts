import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../server/test/harness.js";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/index.web.js";

// The harness's server names this public base URL; tokens carry it as iss.
const ISSUER = "http://tessera.test";

// The contract in practice: the real server issues a token, and both SDK paths verify it
// against the server's real JWKS endpoint over HTTP.
describe("tokens issued by the server verify with the SDK", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let server: ReturnType<typeof serve>;
  let baseUrl: string;
  let customerId: string;
  let storefrontId: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    server = serve({ hostname: "127.0.0.1", port: 0, fetch: ctx.app.fetch });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tessera = new nodeEntry.Tessera({ apiKey: acme.keys.development!, tenant: acme.slug, baseUrl, retry: 0 });
    await tessera.entitlements.create({ key: "export-pdf", name: "Export", kind: "flag" });
    await tessera.entitlements.create({ key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] });
    const web = await tessera.storefronts.create({ key: "web", name: "Web", type: "web" });
    storefrontId = web.id;
    customerId = (await tessera.customers.create({ storefront: "web", external_id: "u1" })).id;
    await tessera.grants.create(customerId, { entitlement: "export-pdf", reason: "test" });
    await tessera.grants.create(customerId, { entitlement: "support", level: "priority", reason: "test" });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ctx.close();
  });

  it.each([
    ["node", nodeEntry],
    ["web", webEntry],
  ] as const)("on the %s path", async (runtime, sdk) => {
    const tessera = new sdk.Tessera({ apiKey: acme.keys.development!, tenant: acme.slug, baseUrl, retry: 0 });
    const issued = await tessera.customerEntitlements.issueToken(customerId);
    // The server names its public base URL; this test reaches it on a loopback port instead.
    const jwks = new URL(new URL(issued.jwks_url).pathname, baseUrl);
    for (const tenant of [acme.slug, acme.id]) {
      const verifier = sdk.createVerifier({
        jwks,
        tenant,
        storefront: storefrontId,
        issuer: ISSUER,
        environment: "development",
        // Tokens carry the environment's (manual) test clock time.
        now: () => ctx.clock.now().getTime(),
      });
      expect(verifier.runtime).toBe(runtime);
      const ent = await verifier.verify(issued.token);
      expect(ent.customerId).toBe(customerId);
      expect(ent.has("export-pdf")).toBe(true);
      expect(ent.atLeast("support", "basic")).toBe(true);
      expect(ent.tier("support")).toBe("priority");
      expect(ent.environment).toBe("development");
    }
    const stranger = sdk.createVerifier({
      jwks,
      tenant: "globex",
      storefront: "any",
      issuer: ISSUER,
      now: () => ctx.clock.now().getTime(),
    });
    expect(await stranger.check(issued.token)).toMatchObject({ valid: false, code: "TOKEN_TENANT_MISMATCH" });
  });
});
