import type { CreateTenant } from "@tessera/core";
import type { Services } from "../../services.js";

/**
 * A new tenant comes with its environments and one full-access API key per environment, all in
 * one transaction: either the merchant gets everything, or nothing was written.
 */
export async function provisionTenant(services: Pick<Services, "tenancy" | "auth">, input: CreateTenant) {
  const keys: Awaited<ReturnType<Services["auth"]["insertKey"]>>[] = [];
  const tenant = await services.tenancy.create(input, async (tx, row, envs) => {
    for (const env of envs) {
      keys.push(await services.auth.insertKey(tx, row.id, env, { name: `${env.name} default`, scopes: ["*"] }));
    }
  });
  return { ...tenant, api_keys: keys };
}

/** A new environment comes with one full-access key, or a merchant could never reach it. */
export async function provisionEnvironment(
  services: Pick<Services, "tenancy" | "auth">,
  tenantRef: string,
  name: string,
) {
  const keys: Awaited<ReturnType<Services["auth"]["insertKey"]>>[] = [];
  const tenant = await services.tenancy.addEnvironment(tenantRef, name, async (tx, row, env) => {
    keys.push(await services.auth.insertKey(tx, row.id, env, { name: `${env.name} default`, scopes: ["*"] }));
  });
  return { ...tenant, api_keys: keys };
}
