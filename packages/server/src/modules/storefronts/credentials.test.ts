import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import { createTestApp, createTestTenant, dialect, type TestContext, type TestTenant } from "../../../test/harness.js";

const STRIPE_KEY = "sk_test_STRIPEKEY_9f8e7d6c5b4a";
const STRIPE_HOOK = "whsec_STRIPEHOOK_0a1b2c3d";
const FISCAL_TOKEN = "fiscal_TOKEN_77aa88bb99cc";
const SANDBOX_KEY = "sandbox_KEY_1234abcd";
const ALL = [STRIPE_KEY, STRIPE_HOOK, FISCAL_TOKEN, SANDBOX_KEY];

/** Every row of every table of the test database, as text: a secret must appear nowhere in it. */
async function dumpDatabase(ctx: TestContext): Promise<string> {
  const db = ctx.deps.db;
  const tables =
    dialect === "postgres"
      ? sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table'`;
  const names = (await tables.execute(db)).rows.map((r) => r.name);
  expect(names).toEqual(expect.arrayContaining(["storefronts", "idempotency_keys"]));
  const dumps = await Promise.all(
    names.map(async (name) => JSON.stringify((await sql`select * from ${sql.table(name)}`.execute(db)).rows)),
  );
  return dumps.join("\n");
}

const leaks = (value: unknown) => ALL.filter((secret) => JSON.stringify(value).includes(secret));

describe("storefront provider credentials", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let id: string;
  const creds = (provider: string, kind?: "payment" | "fiscal") =>
    ctx.services.storefronts.providerCredentials(acme.scopes.development!, id, provider, kind);

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  it("encrypts credentials at rest and never returns them", async () => {
    const created = await acme.api(
      "POST",
      "/v1/storefronts",
      {
        key: "web",
        name: "Web",
        type: "web",
        payment_providers: [
          { name: "stripe", config: { account: "acct_1" }, credentials: { api_key: STRIPE_KEY, webhook: STRIPE_HOOK } },
          { name: "sandbox" },
        ],
        fiscal_provider: { name: "fiskaly", credentials: { token: FISCAL_TOKEN } },
      },
      { "idempotency-key": "create-web" },
    );
    expect(created.status).toBe(201);
    id = created.body.id;
    expect(created.body.payment_providers).toEqual([
      { name: "stripe", config: { account: "acct_1" }, has_credentials: true },
      { name: "sandbox", config: {}, has_credentials: false },
    ]);
    expect(created.body.fiscal_provider).toEqual({ name: "fiskaly", config: {}, has_credentials: true });
    expect(leaks(created.body)).toEqual([]);
    expect(leaks((await acme.api("GET", `/v1/storefronts/${id}`)).body)).toEqual([]);
    expect(leaks((await acme.api("GET", "/v1/storefronts")).body)).toEqual([]);

    const row = await ctx.deps.db.selectFrom("storefronts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.credentials_encrypted).toMatch(/^v1\./);
    expect(leaks(row)).toEqual([]);
    expect(leaks(await dumpDatabase(ctx))).toEqual([]);

    expect(await creds("stripe")).toEqual({ api_key: STRIPE_KEY, webhook: STRIPE_HOOK });
    expect(await creds("sandbox")).toEqual({});
    expect(await creds("fiskaly", "fiscal")).toEqual({ token: FISCAL_TOKEN });
  });

  it("keeps credentials a PATCH omits, replaces sent ones and clears {}", async () => {
    const kept = await acme.api("PATCH", `/v1/storefronts/${id}`, {
      payment_providers: [
        { name: "sandbox", credentials: { key: SANDBOX_KEY } },
        { name: "stripe", config: { a: 1 } },
      ],
    });
    expect(kept.status).toBe(200);
    expect(kept.body.payment_providers).toEqual([
      { name: "sandbox", config: {}, has_credentials: true },
      { name: "stripe", config: { a: 1 }, has_credentials: true },
    ]);
    expect(leaks(kept.body)).toEqual([]);
    expect(await creds("stripe")).toEqual({ api_key: STRIPE_KEY, webhook: STRIPE_HOOK });
    expect(await creds("sandbox")).toEqual({ key: SANDBOX_KEY });
    // The fiscal provider was not part of the update.
    expect(await creds("fiskaly", "fiscal")).toEqual({ token: FISCAL_TOKEN });
    expect(leaks(await dumpDatabase(ctx))).toEqual([]);

    const cleared = await acme.api("PATCH", `/v1/storefronts/${id}`, {
      payment_providers: [{ name: "sandbox" }, { name: "stripe", credentials: {} }],
      fiscal_provider: { name: "fiskaly", config: { tse: "x" } },
    });
    expect(cleared.body.payment_providers.map((p: Json) => p.has_credentials)).toEqual([true, false]);
    expect(cleared.body.fiscal_provider).toEqual({ name: "fiskaly", config: { tse: "x" }, has_credentials: true });
    expect(await creds("stripe")).toEqual({});
    expect(await creds("fiskaly", "fiscal")).toEqual({ token: FISCAL_TOKEN });

    const replaced = await acme.api("PATCH", `/v1/storefronts/${id}`, {
      payment_providers: [{ name: "stripe", credentials: { api_key: "sk_test_new" } }],
    });
    expect(replaced.body.payment_providers).toEqual([{ name: "stripe", config: {}, has_credentials: true }]);
    expect(await creds("stripe")).toEqual({ api_key: "sk_test_new" });
  });

  it("drops the credentials of a provider taken off the storefront", async () => {
    await expect(creds("sandbox")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const back = await acme.api("PATCH", `/v1/storefronts/${id}`, {
      payment_providers: [{ name: "stripe" }, { name: "sandbox" }],
      fiscal_provider: null,
    });
    expect(back.body.payment_providers[1]).toEqual({ name: "sandbox", config: {}, has_credentials: false });
    expect(back.body.fiscal_provider).toBeNull();
    expect(await creds("sandbox")).toEqual({});
    await expect(creds("fiskaly", "fiscal")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const none = await acme.api("PATCH", `/v1/storefronts/${id}`, { payment_providers: [] });
    expect(none.body.payment_providers).toEqual([]);
    const row = await ctx.deps.db.selectFrom("storefronts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.credentials_encrypted).toBeNull();
  });

  it("binds the sealed credentials to their storefront", async () => {
    await acme.api("PATCH", `/v1/storefronts/${id}`, {
      payment_providers: [{ name: "stripe", credentials: { api_key: STRIPE_KEY } }],
    });
    const other = await acme.api("POST", "/v1/storefronts", {
      key: "app",
      name: "App",
      type: "app",
      payment_providers: [{ name: "stripe" }],
    });
    const { db } = ctx.deps;
    const sealed = await db
      .selectFrom("storefronts")
      .select("credentials_encrypted")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    await db.updateTable("storefronts").set(sealed).where("id", "=", other.body.id).execute();
    // Copied onto another storefront, the blob no longer opens.
    await expect(
      ctx.services.storefronts.providerCredentials(acme.scopes.development!, other.body.id, "stripe"),
    ).rejects.toThrow();
    expect(await creds("stripe")).toEqual({ api_key: STRIPE_KEY });
  });

  it("answers 404 for another environment's storefront", async () => {
    await expect(
      ctx.services.storefronts.providerCredentials(acme.scopes.production!, id, "stripe"),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
