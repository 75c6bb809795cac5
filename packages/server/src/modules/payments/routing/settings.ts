import { PaymentRoutingSettings } from "@tessera/core";
import { inScope, type ScopeIds } from "../../../db/scope.js";
import type { Db } from "../../../db/types.js";
import { fromJson, toJson } from "../../../lib/json.js";

/** A storefront's routing settings; the defaults (no rules, no fees) when it has none stored. */
export async function readRoutingSettings(
  db: Db,
  scope: ScopeIds,
  storefrontId: string,
): Promise<PaymentRoutingSettings> {
  const row = await db
    .selectFrom("payment_routing")
    .select("settings")
    .where(inScope(scope))
    .where("storefront_id", "=", storefrontId)
    .executeTakeFirst();
  // Parsed again on read, so defaults added later apply to settings stored before.
  return PaymentRoutingSettings.parse(fromJson(row?.settings, {}));
}

export async function writeRoutingSettings(
  db: Db,
  scope: ScopeIds,
  storefrontId: string,
  settings: PaymentRoutingSettings,
  now: string,
): Promise<void> {
  await db
    .insertInto("payment_routing")
    .values({
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      storefront_id: storefrontId,
      settings: toJson(settings),
      updated_at: now,
    })
    .onConflict((oc) => oc.column("storefront_id").doUpdateSet({ settings: toJson(settings), updated_at: now }))
    .execute();
}
