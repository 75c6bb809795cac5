import { type Kysely, sql } from "kysely";
import { FENCED_ROLE, rowLevelSecurityChanged } from "./rls.js";
import type { Database } from "./types.js";

/*
 * Row-level security on Postgres, made after every migration run rather than in one migration, so a
 * table added later is covered the day it is added: every table of the schema with a tenant_id
 * column gets the policy (and environment_id too, where it has one). Idempotent; in one transaction
 * behind an advisory lock, because test files migrate their schemas in parallel and the role is
 * cluster-wide.
 */

export const POLICY = "tessera_scope";

const SYSTEM = sql`current_setting('tessera.system', true) = 'on'`;
const TENANT = sql`tenant_id = current_setting('tessera.tenant_id', true)`;
// A row of the tenant as a whole (environment_id null: a platform read on its audit trail, say) is
// the tenant's in every one of its environments.
const ENVIRONMENT = sql`(environment_id is null or environment_id = current_setting('tessera.environment_id', true))`;

/** Tables with a tenant_id column in the current schema, and whether they have environment_id. */
export async function tenantTables(db: Kysely<Database>): Promise<Array<{ table: string; environment: boolean }>> {
  const { rows } = await sql<{ table_name: string; environment: boolean }>`
    select table_name, bool_or(column_name = 'environment_id') as environment
    from information_schema.columns
    where table_schema = current_schema() and column_name in ('tenant_id', 'environment_id')
    group by table_name having bool_or(column_name = 'tenant_id') order by table_name`.execute(db);
  return rows.map((r) => ({ table: r.table_name, environment: r.environment }));
}

export async function applyRowLevelSecurity(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext('tessera.row-level-security'))`.execute(tx);
    const me = (
      await sql<{ bypasses: boolean; superuser: boolean }>`
        select rolsuper or rolbypassrls as bypasses, rolsuper as superuser from pg_roles where rolname = current_user`.execute(
        tx,
      )
    ).rows[0];
    const schema = sql.id((await sql<{ s: string }>`select current_schema() as s`.execute(tx)).rows[0]!.s);
    const role = sql.id(FENCED_ROLE);
    // Only a role that bypasses the policies needs another to act as; creating one needs CREATEROLE.
    if (me?.bypasses) {
      const exists = await sql`select 1 from pg_roles where rolname = ${FENCED_ROLE}`.execute(tx);
      if (exists.rows.length === 0) await sql`create role ${role} nologin nosuperuser nobypassrls`.execute(tx);
      if (!me.superuser) await sql`grant ${role} to current_user`.execute(tx);
      await sql`grant usage on schema ${schema} to ${role}`.execute(tx);
      await sql`grant select, insert, update, delete on all tables in schema ${schema} to ${role}`.execute(tx);
      await sql`grant usage, select, update on all sequences in schema ${schema} to ${role}`.execute(tx);
    }
    for (const { table, environment } of await tenantTables(tx)) {
      const t = sql.id(table);
      const scoped = environment ? sql`${TENANT} and ${ENVIRONMENT}` : TENANT;
      await sql`alter table ${t} enable row level security`.execute(tx);
      // FORCE: the tables' owner is fenced too, should the server connect as it.
      await sql`alter table ${t} force row level security`.execute(tx);
      await sql`drop policy if exists ${sql.id(POLICY)} on ${t}`.execute(tx);
      await sql`create policy ${sql.id(POLICY)} on ${t} using (${SYSTEM} or (${scoped})) with check (${SYSTEM} or (${scoped}))`.execute(
        tx,
      );
    }
  });
  rowLevelSecurityChanged();
}
