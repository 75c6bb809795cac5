import { inScope, type ScopeIds } from "../../db/scope.js";
import type { Db, PaymentMethodRow, PaymentMethodTokenRow } from "../../db/types.js";

/* Stored payment methods and their provider tokens; every query scoped to tenant and environment. */

export async function insertMethod(db: Db, row: PaymentMethodRow, tokens: PaymentMethodTokenRow[]): Promise<void> {
  await db.insertInto("payment_methods").values(row).execute();
  if (tokens.length) await db.insertInto("payment_method_tokens").values(tokens).execute();
}

export function findMethod(db: Db, scope: ScopeIds, customerId: string, id: string) {
  return db
    .selectFrom("payment_methods")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function listMethods(db: Db, scope: ScopeIds, customerId: string) {
  return db
    .selectFrom("payment_methods")
    .selectAll()
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("detached_at", "is", null)
    .orderBy("id")
    .execute();
}

export function listTokens(db: Db, scope: ScopeIds, methodIds: string[]) {
  if (methodIds.length === 0) return Promise.resolve([] as PaymentMethodTokenRow[]);
  return db
    .selectFrom("payment_method_tokens")
    .selectAll()
    .where(inScope(scope))
    .where("payment_method_id", "in", methodIds)
    .orderBy("provider")
    .execute();
}

export async function hasDefault(db: Db, scope: ScopeIds, customerId: string): Promise<boolean> {
  const row = await db
    .selectFrom("payment_methods")
    .select("id")
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("detached_at", "is", null)
    .where("is_default", "=", 1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Makes `id` the only default of the customer's methods. */
export async function setDefault(db: Db, scope: ScopeIds, customerId: string, id: string, now: string) {
  await db
    .updateTable("payment_methods")
    .set({ is_default: 0, updated_at: now })
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("is_default", "=", 1)
    .where("id", "!=", id)
    .execute();
  await db
    .updateTable("payment_methods")
    .set({ is_default: 1, updated_at: now })
    .where(inScope(scope))
    .where("id", "=", id)
    .execute();
}

export async function detach(db: Db, scope: ScopeIds, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("payment_methods")
    .set({ detached_at: now, is_default: 0, updated_at: now })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("detached_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The customer's default method (what a one-off payment charges when it names none). */
export async function defaultMethodId(db: Db, scope: ScopeIds, customerId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("payment_methods")
    .select("id")
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("detached_at", "is", null)
    .where("is_default", "=", 1)
    .executeTakeFirst();
  return row?.id;
}
