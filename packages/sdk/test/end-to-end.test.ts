import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JWKS_MAX_AGE_SECONDS, ROTATION_LEAD_SECONDS } from "../../server/src/modules/entitlements/signing-keys.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../server/test/harness.js";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/index.web.js";
import { DEFAULT_JWKS_COOLDOWN_MS } from "../src/options.js";

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

describe("signing key rotation as a verifier sees it", () => {
  it("publishes a new key for longer than the JWKS cache age plus the SDK's refetch cooldown before it signs", () => {
    expect(ROTATION_LEAD_SECONDS * 1000).toBeGreaterThan(JWKS_MAX_AGE_SECONDS * 1000 + DEFAULT_JWKS_COOLDOWN_MS);
  });

  it("a verifier that loaded the key set before a rotation verifies the first token of the new key", async () => {
    const ctx = await createTestApp();
    try {
      const acme = await createTestTenant(ctx);
      const server = serve({ hostname: "127.0.0.1", port: 0, fetch: ctx.app.fetch });
      await new Promise<void>((resolve) => server.once("listening", () => resolve()));
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const tessera = new nodeEntry.Tessera({ apiKey: acme.keys.development!, tenant: acme.slug, baseUrl, retry: 0 });
        await tessera.storefronts.create({ key: "web", name: "Web", type: "web" });
        const customer = await tessera.customers.create({ storefront: "web", external_id: "u1" });
        let fetches = 0;
        const verifier = nodeEntry.createVerifier({
          jwks: new URL(`/v1/jwks/${acme.slug}/development`, baseUrl),
          tenant: acme.slug,
          storefront: "any",
          issuer: ISSUER,
          now: () => ctx.clock.now().getTime(),
          fetch: (input, init) => {
            fetches++;
            return fetch(input, init);
          },
        });
        const first = await tessera.customerEntitlements.issueToken(customer.id);
        await verifier.verify(first.token);
        const rotated = await tessera.signingKeys.rotate();
        // The verifier's cached key set predates the rotation; the lead time covers its refetch.
        ctx.clock.advance(ROTATION_LEAD_SECONDS * 1000);
        const next = await tessera.customerEntitlements.issueToken(customer.id);
        expect(next.kid).toBe(rotated.key.id);
        expect((await verifier.check(next.token)).valid).toBe(true);
        expect(fetches).toBe(2);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      await ctx.close();
    }
  });
});
