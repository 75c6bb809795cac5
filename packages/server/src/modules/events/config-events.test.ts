import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

/** Configuration changes are events too, with their actor, and never carry a secret value. */
describe("configuration events", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  async function events(type: string) {
    const res = await acme.api("GET", `/v1/events?type=${type}&limit=100`);
    expect(res.status).toBe(200);
    return res.body.data as Array<{ type: string; actor: unknown; data: { object: Record<string, unknown> } }>;
  }
  const raw = async () => JSON.stringify(await ctx.deps.db.selectFrom("events").select(["data", "actor"]).execute());

  it("records API keys created and revoked, without the secret, by the key that acted", async () => {
    const me = (await acme.api("GET", "/v1/api-keys")).body.data[0].id as string;
    const created = await acme.api("POST", "/v1/api-keys", { name: "ci", scopes: ["customers:read"] });
    expect(created.status).toBe(201);
    expect((await acme.api("DELETE", `/v1/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await acme.api("DELETE", `/v1/api-keys/${created.body.id}`)).status).toBe(200);
    const [made] = (await events("api_key.created")).filter((e) => e.data.object.id === created.body.id);
    // The acting key's name is the actor's label (provisioning names it "development default").
    expect(made).toMatchObject({
      actor: { type: "api_key", id: me, label: "development default" },
      data: { object: { name: "ci" } },
    });
    expect(made!.data.object).not.toHaveProperty("secret");
    // Revoking an already revoked key changes nothing, so it is one event.
    expect(await events("api_key.revoked")).toHaveLength(1);
    expect(await raw()).not.toContain(created.body.secret);
  });

  it("records storefront settings and credentials changes, never the credential values", async () => {
    const secret = "sk_live_config_event_secret_123";
    const sf = await acme.api("POST", "/v1/storefronts", {
      key: "web",
      name: "Web",
      type: "web",
      payment_providers: [{ name: "stripe", credentials: { api_key: secret } }],
    });
    expect(sf.status).toBe(201);
    await acme.api("PATCH", `/v1/storefronts/${sf.body.id}`, { name: "Web shop" });
    await acme.api("PATCH", `/v1/storefronts/${sf.body.id}`, {
      payment_providers: [{ name: "stripe", credentials: { api_key: `${secret}_2` } }],
    });
    expect(await events("storefront.created")).toHaveLength(1);
    expect(await events("storefront.updated")).toHaveLength(2);
    expect(await events("storefront.credentials_updated")).toHaveLength(1);
    expect(await raw()).not.toContain(secret);
  });

  it("records catalog changes, webhook endpoints and signing-key rotation", async () => {
    await acme.api("POST", "/v1/entitlements", { key: "pro", name: "Pro", kind: "flag" });
    await acme.api("PATCH", "/v1/entitlements/pro", { name: "Pro access" });
    const bundle = await acme.api("POST", "/v1/bundles", {
      key: "gold",
      name: "Gold",
      entitlements: [{ key: "pro" }],
      prices: [{ currency: "EUR", amount: 500, interval: "month" }],
    });
    expect(bundle.status).toBe(201);
    const price = await acme.api("POST", "/v1/bundles/gold/prices", {
      currency: "USD",
      amount: 600,
      interval: "month",
    });
    expect(price.status).toBe(201);
    await acme.api("PATCH", "/v1/bundles/gold", { name: "Gold plan" });
    const types = ["entitlement.created", "entitlement.updated", "bundle.created", "bundle.updated", "price.created"];
    for (const type of types) {
      expect(await events(type), type).toHaveLength(1);
    }

    // Deleting what nothing uses deletes it; what is in use is archived, an update.
    await acme.api("POST", "/v1/entitlements", { key: "tmp", name: "Temporary", kind: "flag" });
    expect((await acme.api("DELETE", "/v1/entitlements/tmp")).body).toMatchObject({ deleted: true });
    expect((await acme.api("DELETE", "/v1/entitlements/pro")).body).toMatchObject({ archived: true });
    expect((await events("entitlement.deleted")).map((e) => e.data.object.key)).toEqual(["tmp"]);
    expect((await events("entitlement.updated"))[0]!.data.object).toMatchObject({ key: "pro", status: "archived" });

    const ep = await acme.api("POST", "/v1/webhook-endpoints", { url: "https://hooks.example.com/c" });
    await acme.api("POST", `/v1/webhook-endpoints/${ep.body.id}/rotate-secret`, {});
    await acme.api("DELETE", `/v1/webhook-endpoints/${ep.body.id}`);
    for (const type of ["webhook_endpoint.created", "webhook_endpoint.secret_rotated", "webhook_endpoint.deleted"]) {
      expect(await events(type), type).toHaveLength(1);
    }
    expect(await raw()).not.toContain(ep.body.secret.slice(6));

    const rotated = await acme.api("POST", "/v1/signing-keys/rotate", {});
    expect(rotated.status).toBe(200);
    const [key] = await events("signing_key.rotated");
    expect(key!.data.object).toMatchObject({ id: rotated.body.key.id, object: "signing_key" });
    expect(JSON.stringify(key)).not.toMatch(/"d":/);
  });

  it("records tenants and environments with the platform key as actor", async () => {
    const platform = await ctx.services.auth.createPlatformKey("ops");
    const admin = client(ctx, platform.secret, undefined);
    const made = await admin("POST", "/v1/tenants", { slug: "bravo", name: "Bravo", environments: ["production"] });
    expect(made.status).toBe(201);
    const bravo = client(ctx, made.body.api_keys[0].secret, "bravo");
    const list = (await bravo("GET", "/v1/events?limit=10")).body.data as Array<{ type: string; actor: unknown }>;
    expect(list.map((e) => e.type).sort()).toEqual(["api_key.created", "environment.created", "tenant.created"]);
    for (const e of list) expect(e.actor).toEqual({ type: "platform_key", id: platform.id });
  });
});
