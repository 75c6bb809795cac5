import { type CreateTenant, DEFAULT_ENVIRONMENTS, type Tenant } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { Db, EnvironmentRow, TenantRow } from "../../db/types.js";
import { ApiError, isUniqueViolation, notFound } from "../../errors.js";
import { setJobClock } from "../../jobs/queue.js";
import { environmentClock, isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { type Page, type PageQuery, toPage } from "../../lib/pagination.js";
import * as repo from "./repo.js";

export function toTenant(row: TenantRow, envs: EnvironmentRow[]): Tenant {
  return {
    id: row.id,
    object: "tenant",
    slug: row.slug,
    name: row.name,
    environments: envs
      .filter((e) => e.tenant_id === row.id)
      .map((e) => ({ id: e.id, object: "environment" as const, name: e.name, created_at: e.created_at })),
    created_at: row.created_at,
  };
}

export function tenancyService(deps: Deps) {
  const { db, clock } = deps;

  return {
    /** Creates the tenant and its environments in one transaction; `afterCreate` runs inside it. */
    async create(
      input: CreateTenant,
      afterCreate?: (tx: Db, tenant: TenantRow, envs: EnvironmentRow[]) => Promise<void>,
    ): Promise<Tenant> {
      const now = isoNow(clock);
      const tenant: TenantRow = {
        id: newId("tenant"),
        slug: input.slug,
        name: input.name,
        created_at: now,
        plan: null,
      };
      const names = [...new Set(input.environments ?? DEFAULT_ENVIRONMENTS)];
      const envs: EnvironmentRow[] = names.map((name) => ({
        id: newId("environment"),
        tenant_id: tenant.id,
        name,
        created_at: now,
        test_clock_at: null,
      }));
      try {
        await db.transaction().execute(async (tx) => {
          await repo.insertTenant(tx, tenant);
          for (const env of envs) await repo.insertEnvironment(tx, env);
          await afterCreate?.(tx, tenant, envs);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", `A tenant with slug "${input.slug}" exists`);
        throw error;
      }
      return toTenant(tenant, envs);
    },

    async get(ref: string): Promise<Tenant> {
      const row = await repo.findTenant(db, ref);
      if (!row) throw notFound("tenant", ref);
      return toTenant(row, await repo.listEnvironments(db, [row.id]));
    },

    async find(ref: string): Promise<TenantRow | undefined> {
      return repo.findTenant(db, ref);
    },

    async list(page: PageQuery): Promise<Page<Tenant>> {
      const result = await repo.pageTenants(db, page);
      const envs = await repo.listEnvironments(
        db,
        result.rows.map((r) => r.id),
      );
      return toPage(result, (r) => toTenant(r, envs));
    },

    /** Adds an environment; `afterCreate` runs in the same transaction (e.g. to give it a key). */
    async addEnvironment(
      tenantRef: string,
      name: string,
      afterCreate?: (tx: Db, tenant: TenantRow, env: EnvironmentRow) => Promise<void>,
    ): Promise<Tenant> {
      const tenant = await repo.findTenant(db, tenantRef);
      if (!tenant) throw notFound("tenant", tenantRef);
      const env: EnvironmentRow = {
        id: newId("environment"),
        tenant_id: tenant.id,
        name,
        created_at: isoNow(clock),
        test_clock_at: null,
      };
      try {
        await db.transaction().execute(async (tx) => {
          await repo.insertEnvironment(tx, env);
          await afterCreate?.(tx, tenant, env);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError("ALREADY_EXISTS", `Environment "${name}" exists`);
        throw error;
      }
      return toTenant(tenant, await repo.listEnvironments(db, [tenant.id]));
    },

    findEnvironment(tenantId: string, name: string) {
      return repo.findEnvironment(db, tenantId, name);
    },

    /** The scope of an environment outside a request (workers, test clocks), with its clock. */
    async scopeForEnvironment(
      environmentId: string,
      tx: Db = db,
    ): Promise<(Scope & { testClockAt: string | null }) | undefined> {
      const row = await repo.findEnvironmentWithTenant(tx, environmentId);
      if (!row) return undefined;
      return {
        tenantId: row.tenant_id,
        tenantSlug: row.slug,
        environmentId: row.id,
        environment: row.name,
        clock: environmentClock(clock, row.test_clock_at),
        testClockAt: row.test_clock_at,
      };
    },

    /** Moves the environment's test clock and the job queue's copy of it, atomically. */
    async setTestClock(environmentId: string, at: string | null, tx?: Db): Promise<void> {
      const write = async (t: Db) => {
        const tenantId = await repo.setTestClock(t, environmentId, at);
        if (tenantId) await setJobClock(t, { tenantId, environmentId }, at);
      };
      await (tx ? write(tx) : db.transaction().execute(write));
    },
  };
}

export type TenancyService = ReturnType<typeof tenancyService>;
