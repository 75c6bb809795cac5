import { createPublicKey, type JsonWebKey } from "node:crypto";
import { EntitlementClaims, TOKEN_TYP } from "@tessera/core";
import { createDecoder, createVerifier } from "fast-jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { created, setupCatalog } from "./test-setup.js";

/*
 * Tokens are checked with fast-jwt, a JOSE implementation independent of ours (we sign with
 * node:crypto by hand), against keys fetched from the public JWKS route without credentials.
 */
const decode = createDecoder({ complete: true });

describe("entitlement tokens, JWKS and key rotation", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let customerId: string;
  let storefrontId: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const setup = await setupCatalog(acme.api);
    customerId = setup.customer.id;
    storefrontId = setup.storefront.id;
    await created(acme.api, `/v1/customers/${customerId}/grants`, { entitlement: "export-pdf", reason: "t" });
    await created(acme.api, `/v1/customers/${customerId}/grants`, {
      entitlement: "support",
      level: "priority",
      reason: "t",
    });
    await created(acme.api, `/v1/customers/${customerId}/grants`, {
      entitlement: "api-calls",
      limit: 100,
      reason: "t",
    });
    await created(acme.api, `/v1/customers/${customerId}/grants`, {
      entitlement: "courses",
      content: ["c2"],
      reason: "t",
    });
  });
  afterAll(() => ctx.close());
  beforeEach(() => ctx.clock.set("2026-01-01T00:00:00.000Z"));

  const issue = async (tenant: TestTenant, env: string, customer: string, body?: object) => {
    const res = await tenant.as(env)("POST", `/v1/customers/${customer}/entitlements/token`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { token: string; kid: string; alg: string; expires_in: number; jwks_url: string };
  };
  const jwks = async (tenant: string, env: string) => {
    const res = await client(ctx, undefined, undefined)("GET", `/v1/jwks/${tenant}/${env}`);
    expect(res.status).toBe(200);
    return res.body.keys as Array<JsonWebKey & { kid: string; alg: string }>;
  };
  /** Verifies with fast-jwt and the JWKS key named by the token's kid. */
  const verify = async (token: string, tenant = acme.slug, env = "development", options: object = {}) => {
    const { header } = decode(token);
    const jwk = (await jwks(tenant, env)).find((k) => k.kid === header.kid);
    if (!jwk) throw new Error(`kid ${header.kid} is not in the ${env} JWKS`);
    const pem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
    return createVerifier({
      key: pem,
      algorithms: [jwk.alg as "EdDSA" | "ES256"],
      allowedIss: "http://tessera.test",
      allowedAud: storefrontId,
      clockTimestamp: ctx.clock.now().getTime(),
      complete: true,
      ...options,
    })(token);
  };

  it("issues an EdDSA token with the claims of @tessera/core that an independent library verifies", async () => {
    const issued = await issue(acme, "development", customerId);
    expect(issued).toMatchObject({
      object: "entitlement_token",
      alg: "EdDSA",
      issued_at: "2026-01-01T00:00:00.000Z",
      expires_at: "2026-01-01T00:15:00.000Z",
      expires_in: 900,
      jwks_url: `http://tessera.test/v1/jwks/${acme.slug}/development`,
    });
    const { header, payload } = await verify(issued.token);
    expect(header).toEqual({ alg: "EdDSA", typ: TOKEN_TYP, kid: issued.kid });
    expect(EntitlementClaims.safeParse(payload).success).toBe(true);
    expect(payload).toMatchObject({
      iss: "http://tessera.test",
      sub: customerId,
      aud: storefrontId,
      tn: acme.id,
      tn_slug: acme.slug,
      env: "development",
      iat: 1767225600,
      nbf: 1767225600,
      exp: 1767225600 + 900,
      ver: 1,
      subs: [],
      ent: {
        "export-pdf": true,
        support: { level: "priority", rank: 1, levels: ["basic", "priority", "dedicated"] },
        "api-calls": { limit: 100, used: 0, remaining: 100, period: "month", resets_at: 1769904000 },
        courses: { ids: ["c2"] },
      },
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    // A tampered payload fails.
    const [h, , s] = issued.token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: "cus_other" })).toString("base64url");
    await expect(verify(`${h}.${forged}.${s}`)).rejects.toThrow();
  });

  it("lives as long as asked when shorter, never longer, and never past the next known change", async () => {
    expect((await issue(acme, "development", customerId, { ttl_seconds: 60 })).expires_in).toBe(60);
    expect((await issue(acme, "development", customerId, { ttl_seconds: 100_000 })).expires_in).toBe(900);

    const c = await created<{ id: string }>(acme.api, "/v1/customers", {
      storefront: storefrontId,
      external_id: "ttl",
    });
    await created(acme.api, `/v1/customers/${c.id}/grants`, {
      entitlement: "export-pdf",
      expires_at: "2026-01-01T00:05:00.000Z",
      reason: "five minutes",
    });
    expect((await issue(acme, "development", c.id)).expires_in).toBe(300);

    // A daily quota resets at midnight: two minutes before it, the token lives two minutes.
    ctx.clock.set("2026-01-01T23:58:00.000Z");
    const d = await created<{ id: string }>(acme.api, "/v1/customers", {
      storefront: storefrontId,
      external_id: "day",
    });
    await created(acme.api, `/v1/customers/${d.id}/grants`, { entitlement: "renders", limit: 3, reason: "t" });
    const daily = await issue(acme, "development", d.id);
    expect(daily.expires_in).toBe(120);
    const { payload } = await verify(daily.token);
    expect(payload.ent.renders).toMatchObject({ limit: 3, used: 0, resets_at: payload.exp });

    for (const bad of [{ ttl_seconds: 0 }, { ttl_seconds: 1.5 }, { ttl: 5 }]) {
      const res = await acme.api("POST", `/v1/customers/${customerId}/entitlements/token`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it("reflects a change in the very next token", async () => {
    const c = await created<{ id: string }>(acme.api, "/v1/customers", {
      storefront: storefrontId,
      external_id: "chg",
    });
    const g = await created<{ id: string }>(acme.api, `/v1/customers/${c.id}/grants`, {
      entitlement: "export-pdf",
      reason: "t",
    });
    expect((await verify((await issue(acme, "development", c.id)).token)).payload.ent).toEqual({ "export-pdf": true });
    await acme.api("DELETE", `/v1/customers/${c.id}/grants/${g.id}`);
    expect((await verify((await issue(acme, "development", c.id)).token)).payload.ent).toEqual({});
  });

  it("signs each environment with its own keys: a development token does not verify with production's", async () => {
    const dev = await issue(acme, "development", customerId);
    const prodCustomer = (await setupCatalog(acme.as("production"), "prod-user")).customer.id;
    const prod = await issue(acme, "production", prodCustomer);
    expect(prod.kid).not.toBe(dev.kid);
    expect(prod.jwks_url).toBe(`http://tessera.test/v1/jwks/${acme.slug}/production`);
    const prodKeys = await jwks(acme.slug, "production");
    expect(prodKeys.map((k) => k.kid)).toEqual([prod.kid]);
    // Even forced to use the production key, the development token's signature fails.
    const pem = createPublicKey({ key: prodKeys[0]!, format: "jwk" }).export({ type: "spki", format: "pem" });
    const verifyWithProd = createVerifier({ key: pem.toString(), clockTimestamp: ctx.clock.now().getTime() });
    expect(() => verifyWithProd(dev.token)).toThrow();
    await expect(verify(dev.token, acme.slug, "production")).rejects.toThrow(/not in the production JWKS/);
  });

  it("creates one key when the first tokens race for it", async () => {
    const globex = await createTestTenant(ctx, "globex-race");
    const c = (await setupCatalog(globex.api)).customer.id;
    const tokens = await Promise.all(Array.from({ length: 10 }, () => issue(globex, "development", c)));
    expect(new Set(tokens.map((t) => t.kid)).size).toBe(1);
    expect((await globex.api("GET", "/v1/signing-keys")).body.data).toHaveLength(1);
  });

  it("serves the JWKS without credentials, by slug or id, at both paths, with cache headers", async () => {
    await issue(acme, "development", customerId);
    const anon = client(ctx, undefined, undefined);
    const bySlug = await anon("GET", `/v1/jwks/${acme.slug}/development`);
    const byId = await anon("GET", `/v1/jwks/${acme.id}/development`);
    const wellKnown = await anon("GET", `/.well-known/jwks/${acme.slug}/development`);
    expect(bySlug.body).toEqual(byId.body);
    expect(wellKnown.body).toEqual(bySlug.body);
    expect(bySlug.headers.get("cache-control")).toMatch(/max-age=60/);
    for (const key of bySlug.body.keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(key.d).toBeUndefined();
    }
    expect((await anon("GET", `/v1/jwks/${acme.slug}/nowhere`)).status).toBe(404);
    expect((await anon("GET", "/v1/jwks/no-such-tenant/development")).status).toBe(404);
  });

  it("keeps private keys sealed at rest and public keys without private parts", async () => {
    await issue(acme, "development", customerId);
    const rows = await ctx.deps.db.selectFrom("signing_keys").selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      if (row.private_key_encrypted === null) continue;
      expect(row.private_key_encrypted).toMatch(/^v1\./);
      expect(row.private_key_encrypted).not.toContain("PRIVATE KEY");
      expect(JSON.parse(row.public_jwk).d).toBeUndefined();
      // Sealed for this key's purpose only.
      expect(() => ctx.deps.secrets.open(row.private_key_encrypted!, "signing-key:sk_other")).toThrow();
      expect(ctx.deps.secrets.open(row.private_key_encrypted!, `signing-key:${row.id}`)).toContain("PRIVATE KEY");
    }
  });

  it("rotates: the new key is published first and signs after the lead time; the old one stays until its tokens expired", async () => {
    const before = await issue(acme, "development", customerId);
    const rotated = await acme.api("POST", "/v1/signing-keys/rotate", {});
    expect(rotated.status).toBe(200);
    const newKid = rotated.body.key.id;
    // Default lead 300 s: published now, signing from 00:05.
    expect(rotated.body.key).toMatchObject({
      status: "pending",
      alg: "EdDSA",
      created_at: "2026-01-01T00:00:00.000Z",
      activates_at: "2026-01-01T00:05:00.000Z",
    });
    expect(rotated.body.previous.find((k: { id: string }) => k.id === before.kid)).toMatchObject({
      status: "active",
      rotated_at: "2026-01-01T00:05:00.000Z",
      retires_at: "2026-01-01T00:22:00.000Z", // signs until 00:05, then max TTL 900 s + 120 s leeway
    });
    // No verifier can meet the new kid before it could have fetched it.
    expect((await jwks(acme.slug, "development")).map((k) => k.kid)).toEqual(
      expect.arrayContaining([newKid, before.kid]),
    );
    expect((await issue(acme, "development", customerId)).kid).toBe(before.kid);
    ctx.clock.set("2026-01-01T00:04:59.000Z");
    expect((await issue(acme, "development", customerId)).kid).toBe(before.kid);

    ctx.clock.set("2026-01-01T00:05:00.000Z");
    const after = await issue(acme, "development", customerId);
    expect(after.kid).toBe(newKid);
    await verify(after.token);
    const keys = (await acme.api("GET", "/v1/signing-keys")).body.data as Array<{ id: string; status: string }>;
    expect(keys.find((k) => k.id === newKid)?.status).toBe("active");
    expect(keys.find((k) => k.id === before.kid)?.status).toBe("retiring");

    ctx.clock.set("2026-01-01T00:22:00.000Z");
    expect((await jwks(acme.slug, "development")).map((k) => k.kid)).toEqual([newKid]);
    const list = await acme.api("GET", "/v1/signing-keys");
    expect(list.body.data.find((k: { id: string }) => k.id === before.kid).status).toBe("retired");
  });

  it("a second rotation during the lead time hands over in order, each key published before it signs", async () => {
    // A day later than the test before: the keys it left are all settled by then.
    const day = (time: string) => `2026-01-02T${time}.000Z`;
    ctx.clock.set(day("00:00:00"));
    const k0 = (await issue(acme, "development", customerId)).kid;
    const k1 = (await acme.api("POST", "/v1/signing-keys/rotate", {})).body.key.id; // signs from 00:05
    ctx.clock.set(day("00:02:00"));
    const k2 = (await acme.api("POST", "/v1/signing-keys/rotate", {})).body.key.id; // signs from 00:07
    const published = (await jwks(acme.slug, "development")).map((k) => k.kid);
    expect(published).toEqual(expect.arrayContaining([k0, k1, k2]));
    const signerAt = async (at: string) => {
      ctx.clock.set(at);
      return (await issue(acme, "development", customerId)).kid;
    };
    expect(await signerAt(day("00:04:59"))).toBe(k0);
    expect(await signerAt(day("00:05:00"))).toBe(k1);
    expect(await signerAt(day("00:06:59"))).toBe(k1);
    expect(await signerAt(day("00:07:00"))).toBe(k2);
  });

  it("rotates at once when asked to (a compromised key), and says so", async () => {
    ctx.clock.set("2026-01-03T00:00:00.000Z");
    const old = (await issue(acme, "development", customerId)).kid;
    const now = await acme.api("POST", "/v1/signing-keys/rotate", { activate_after_seconds: 0 });
    expect(now.body.key).toMatchObject({ status: "active", activates_at: null });
    expect((await issue(acme, "development", customerId)).kid).toBe(now.body.key.id);
    expect(now.body.previous.find((k: { id: string }) => k.id === old)).toMatchObject({ status: "retiring" });
    expect((await acme.api("POST", "/v1/signing-keys/rotate", { activate_after_seconds: -1 })).status).toBe(400);
  });

  it("an immediate rotation during a lead time ends the wait: only the newest key signs", async () => {
    ctx.clock.set("2026-01-05T00:00:00.000Z");
    const k0 = (await issue(acme, "development", customerId)).kid;
    const k1 = (await acme.api("POST", "/v1/signing-keys/rotate", {})).body.key.id;
    const k2 = (await acme.api("POST", "/v1/signing-keys/rotate", { activate_after_seconds: 0 })).body.key.id;
    expect((await issue(acme, "development", customerId)).kid).toBe(k2);
    ctx.clock.set("2026-01-05T00:06:00.000Z"); // past k1's planned start: it never signs
    expect((await issue(acme, "development", customerId)).kid).toBe(k2);
    const status = new Map(
      (await acme.api("GET", "/v1/signing-keys")).body.data.map((k: { id: string; status: string }) => [
        k.id,
        k.status,
      ]),
    );
    expect([status.get(k0), status.get(k1), status.get(k2)]).toEqual(["retiring", "retiring", "active"]);
  });

  it("rotates to ES256 on request and keeps the algorithm on later rotations", async () => {
    ctx.clock.set("2026-01-04T00:00:00.000Z");
    const es = await acme.api("POST", "/v1/signing-keys/rotate", { alg: "ES256", activate_after_seconds: 0 });
    expect(es.body.key).toMatchObject({ alg: "ES256", public_jwk: { kty: "EC", crv: "P-256", alg: "ES256" } });
    const token = await issue(acme, "development", customerId);
    expect(token.alg).toBe("ES256");
    const { header, payload } = await verify(token.token);
    expect(header).toMatchObject({ alg: "ES256", kid: es.body.key.id, typ: TOKEN_TYP });
    expect(payload.sub).toBe(customerId);
    const again = await acme.api("POST", "/v1/signing-keys/rotate");
    expect(again.body.key.alg).toBe("ES256");
    const back = await acme.api("POST", "/v1/signing-keys/rotate", { alg: "EdDSA" });
    expect(back.body.key.alg).toBe("EdDSA");
    expect((await acme.api("POST", "/v1/signing-keys/rotate", { alg: "HS256" })).status).toBe(400);
  });

  it("needs entitlements:read to issue tokens and list keys, entitlements:write to rotate", async () => {
    const key = await acme.api("POST", "/v1/api-keys", { name: "reader", scopes: ["entitlements:read"] });
    const reader = client(ctx, key.body.secret, acme.slug);
    expect((await reader("POST", `/v1/customers/${customerId}/entitlements/token`)).status).toBe(200);
    expect((await reader("GET", "/v1/signing-keys")).status).toBe(200);
    expect((await reader("POST", "/v1/signing-keys/rotate", {})).status).toBe(403);
    expect((await client(ctx, undefined, acme.slug)("POST", "/v1/signing-keys/rotate", {})).status).toBe(401);
    const globex = await createTestTenant(ctx, "globex-tokens");
    expect((await globex.api("POST", `/v1/customers/${customerId}/entitlements/token`)).status).toBe(404);
  });
});
