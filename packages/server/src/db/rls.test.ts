import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, dialect, type TestContext, type TestTenant } from "../../test/harness.js";
import { withSystemAccess, withTenantAccess } from "./access.js";
import { POLICY } from "./rls-policies.js";

/*
 * The second fence, on Postgres: row-level security on every tenant table, driven by the access the
 * code runs in. The app here falls back to no access (as the server does), so every route below
 * works only because the pipeline scoped it. SQLite has no row-level security (db/scope.ts is its
 * fence), so this file runs on Postgres only.
 */
describe.skipIf(dialect !== "postgres")("row-level security (Postgres)", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  const customerCount = async () =>
    Number((await sql<{ n: number }>`select count(*) as n from customers`.execute(ctx.deps.db)).rows[0]!.n);

  beforeAll(async () => {
    ctx = await createTestApp({}, {}, { kind: "none" });
    [acme, globex] = await withSystemAccess(() =>
      Promise.all([createTestTenant(ctx, "acme"), createTestTenant(ctx, "globex")]),
    );
    for (const t of [acme, globex]) {
      expect((await t.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).status).toBe(201);
      for (const id of ["a", "b"]) {
        const res = await t.api("POST", "/v1/customers", { storefront: "web", external_id: `${t.slug}-${id}` });
        expect(res.status).toBe(201);
      }
    }
  });
  afterAll(() => ctx.close());

  it("covers every table with a tenant_id column: enabled, forced, with the policy", async () => {
    const { rows } = await sql<{ table_name: string; rls: boolean; forced: boolean; policies: number }>`
      select c.table_name, k.relrowsecurity as rls, k.relforcerowsecurity as forced,
        (select count(*) from pg_policies p where p.schemaname = c.table_schema and p.tablename = c.table_name and p.policyname = ${POLICY}) as policies
      from information_schema.columns c
      join pg_class k on k.relname = c.table_name and k.relnamespace = (select oid from pg_namespace where nspname = c.table_schema)
      where c.table_schema = current_schema() and c.column_name = 'tenant_id'`.execute(ctx.deps.db);
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["customers", "subscriptions", "payments", "sandbox_operations", "jobs", "environments"]),
    );
    const uncovered = rows.filter((r) => !r.rls || !r.forced || Number(r.policies) !== 1).map((r) => r.table_name);
    expect(uncovered).toEqual([]);
  });

  it("runs tenant work as a role that cannot bypass the policies", async () => {
    const { rows } = await withTenantAccess(acme.scopes.development!, () =>
      sql<{ who: string; bypasses: boolean }>`
        select current_user as who, rolsuper or rolbypassrls as bypasses from pg_roles where rolname = current_user`.execute(
        ctx.deps.db,
      ),
    );
    expect(rows[0]?.bypasses).toBe(false);
  });

  it("shows no row to a query run without the setting", async () => {
    expect(await withSystemAccess(customerCount)).toBe(4);
    expect(await customerCount()).toBe(0);
    expect(await ctx.deps.db.selectFrom("api_keys").select("id").execute()).toEqual([]);
  });

  it("shows one tenant's rows, and never another's, whatever the query forgets to filter", async () => {
    const seen = await withTenantAccess(acme.scopes.development!, () =>
      ctx.deps.db.selectFrom("customers").select(["external_id", "tenant_id"]).orderBy("external_id").execute(),
    );
    expect(seen).toEqual([
      { external_id: "acme-a", tenant_id: acme.id },
      { external_id: "acme-b", tenant_id: acme.id },
    ]);
    // Another environment of the same tenant is another fence.
    expect(await withTenantAccess(acme.scopes.production!, customerCount)).toBe(0);
    expect(await withTenantAccess(globex.scopes.development!, customerCount)).toBe(2);
  });

  it("refuses a write of another tenant's row", async () => {
    const write = withTenantAccess(acme.scopes.development!, () =>
      ctx.deps.db.updateTable("customers").set({ name: "taken" }).where("tenant_id", "=", globex.id).executeTakeFirst(),
    );
    expect(Number((await write).numUpdatedRows)).toBe(0);
    const insert = withTenantAccess(acme.scopes.development!, () =>
      sql`insert into customers (id, tenant_id, environment_id, storefront_id, external_id, metadata, created_at, updated_at)
          select 'cus_x', tenant_id, environment_id, storefront_id, 'x', '{}', created_at, updated_at
          from customers limit 1`.execute(ctx.deps.db),
    );
    // The row read is acme's own, so this one passes; the same with globex's ids must not.
    await insert;
    const foreign = withTenantAccess(acme.scopes.development!, () =>
      sql`insert into customers (id, tenant_id, environment_id, storefront_id, external_id, metadata, created_at, updated_at)
          values ('cus_y', ${globex.id}, ${globex.scopes.development!.environmentId}, 'sf', 'y', '{}', '', '')`.execute(
        ctx.deps.db,
      ),
    );
    await expect(foreign).rejects.toThrow(/row-level security/);
  });

  it("re-sets a reused connection and a transaction to the access of the code using it", async () => {
    const counts = await withTenantAccess(acme.scopes.development!, () =>
      ctx.deps.db.transaction().execute(async (tx) => {
        const own = await customerCount.call(null);
        const inside = Number((await sql<{ n: number }>`select count(*) as n from customers`.execute(tx)).rows[0]!.n);
        const all = await withSystemAccess(async () =>
          Number((await sql<{ n: number }>`select count(*) as n from customers`.execute(tx)).rows[0]!.n),
        );
        const again = Number((await sql<{ n: number }>`select count(*) as n from customers`.execute(tx)).rows[0]!.n);
        return { own, inside, all, again };
      }),
    );
    expect(counts).toEqual({ own: 3, inside: 3, all: 5, again: 3 });
    // Connections that just served acme and system work serve code without access next.
    expect(await customerCount()).toBe(0);
  });

  it("serves the API under the fence: a key sees its own objects only", async () => {
    const own = await acme.api("GET", "/v1/customers");
    expect(own.status).toBe(200);
    expect(own.body.data.map((c: { external_id: string }) => c.external_id).sort()).toEqual(["acme-a", "acme-b", "x"]);
    const jwks = await ctx.app.request("/v1/jwks/acme/development");
    expect(jwks.status).toBe(200);
  });
});
