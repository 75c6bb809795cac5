import { type Kysely, sql } from "kysely";
import { inScope, type ScopeIds } from "../../../db/scope.js";
import type { Database, SandboxOperationRow } from "../../../db/types.js";
import { preparedQuery } from "../../../lib/prepared.js";

/*
 * The sandbox provider's books: one `sandbox_operations` row per operation, so they survive
 * restarts and every worker process sees the same charges. The unique (environment, provider,
 * idempotency key) constraint is what makes a replayed charge return the first outcome.
 */

export const COLUMNS = [
  "id",
  "tenant_id",
  "environment_id",
  "provider",
  "idempotency_key",
  "operation",
  "charge_id",
  "payment_method",
  "customer",
  "amount",
  "currency",
  "status",
  "decline_code",
  "timed_out",
  "captured_amount",
  "refunded_amount",
  "created_at",
] as const satisfies ReadonlyArray<keyof SandboxOperationRow>;

// One per charge: compiled once (see lib/prepared.ts).
export const insertOperation = preparedQuery(COLUMNS, (db: Kysely<Database>, p) =>
  db.insertInto("sandbox_operations").values(p as unknown as SandboxOperationRow),
);

// The lookups of a charge (a replay, a resumed attempt, a refund): compiled once as well.
export const operationByKey = preparedQuery(["tenant", "env", "provider", "key"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("sandbox_operations")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("provider", "=", p.provider)
    .where("idempotency_key", "=", p.key),
);

export const operationById = preparedQuery(["tenant", "env", "provider", "id"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("sandbox_operations")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("provider", "=", p.provider)
    .where("id", "=", p.id),
);

// Every charge with `pm_sandbox_ok_then_decline` asks whether the customer's first one went through.
export const firstCharge = preparedQuery(["tenant", "env", "provider", "customer"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("sandbox_operations")
    .select("id")
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("provider", "=", p.provider)
    .where("customer", "=", p.customer)
    // A literal, so both planners can match the partial index made for exactly this lookup.
    .where("payment_method", "=", sql.lit("pm_sandbox_ok_then_decline"))
    .where("status", "in", ["succeeded", "authorized"])
    .where("operation", "in", ["charge", "authorize"])
    .limit(1),
);

/** Moves a charge from one status to another; false when someone else moved it first. */
export async function moveOperation(
  db: Kysely<Database>,
  scope: ScopeIds,
  id: string,
  from: string,
  set: Partial<Pick<SandboxOperationRow, "status" | "decline_code" | "captured_amount">>,
): Promise<boolean> {
  const u = await db
    .updateTable("sandbox_operations")
    .set(set)
    .where(inScope(scope))
    .where("id", "=", id)
    .where("status", "=", from)
    .executeTakeFirst();
  return Number(u.numUpdatedRows) === 1;
}
