import type { Actor, CreateTenant } from "@tessera/core";
import { type Scope, SYSTEM_ACTOR } from "../../context.js";
import type { Db, EnvironmentRow, TenantRow } from "../../db/types.js";
import type { Services } from "../../services.js";
import { toTenant } from "./service.js";

type ProvisionServices = Pick<Services, "tenancy" | "auth" | "events">;
type Key = Awaited<ReturnType<Services["auth"]["insertKey"]>>;

/**
 * Each new environment's history starts with what made it: the tenant (in every environment, as
 * events live per environment), the environment and its first key (never its secret).
 */
async function recordProvisioned(
  services: ProvisionServices,
  tx: Db,
  tenant: TenantRow,
  env: EnvironmentRow,
  key: Key,
  actor: Actor,
  withTenant: boolean,
): Promise<Scope> {
  const found = await services.tenancy.scopeForEnvironment(env.id, tx);
  if (!found) throw new Error(`environment ${env.id} vanished while being created`);
  const scope: Scope = { ...found, actor };
  if (withTenant) await services.events.record(tx, scope, { type: "tenant.created", object: toTenant(tenant, [env]) });
  const environment = {
    id: env.id,
    object: "environment",
    name: env.name,
    tenant: tenant.id,
    created_at: env.created_at,
  };
  await services.events.record(tx, scope, { type: "environment.created", object: environment });
  const { secret: _secret, ...listed } = key;
  await services.events.record(tx, scope, { type: "api_key.created", object: listed });
  return scope;
}

/**
 * A new tenant comes with its environments and one full-access API key per environment, all in
 * one transaction: either the merchant gets everything, or nothing was written.
 */
export async function provisionTenant(services: ProvisionServices, input: CreateTenant, actor: Actor = SYSTEM_ACTOR) {
  const keys: Key[] = [];
  const scopes: Scope[] = [];
  const tenant = await services.tenancy.create(input, async (tx, row, envs) => {
    for (const env of envs) {
      const key = await services.auth.insertKey(tx, row.id, env, { name: `${env.name} default`, scopes: ["*"] });
      keys.push(key);
      scopes.push(await recordProvisioned(services, tx, row, env, key, actor, true));
    }
  });
  for (const scope of scopes) await services.events.afterCommit(scope);
  return { ...tenant, api_keys: keys };
}

/** A new environment comes with one full-access key, or a merchant could never reach it. */
export async function provisionEnvironment(
  services: ProvisionServices,
  tenantRef: string,
  name: string,
  actor: Actor = SYSTEM_ACTOR,
) {
  const keys: Key[] = [];
  const scopes: Scope[] = [];
  const tenant = await services.tenancy.addEnvironment(tenantRef, name, async (tx, row, env) => {
    const key = await services.auth.insertKey(tx, row.id, env, { name: `${env.name} default`, scopes: ["*"] });
    keys.push(key);
    scopes.push(await recordProvisioned(services, tx, row, env, key, actor, false));
  });
  for (const scope of scopes) await services.events.afterCommit(scope);
  return { ...tenant, api_keys: keys };
}
