import type { PaymentStatus } from "@tessera/core";
import { type Kysely, sql, type Updateable } from "kysely";
import type { Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import type { Database, Db, PaymentRow, PaymentsTable } from "../../db/types.js";
import { type PageQuery, paginate } from "../../lib/pagination.js";
import { preparedQuery, preparedShapes } from "../../lib/prepared.js";

/* Every query filters on tenant and environment: an object of another scope simply does not exist. */

type ScopeIds = Pick<Scope, "tenantId" | "environmentId">;

const PAYMENT_COLUMNS = [
  "id",
  "tenant_id",
  "environment_id",
  "customer_id",
  "storefront_id",
  "subscription_id",
  "kind",
  "amount",
  "currency",
  "status",
  "refunded_amount",
  "provider",
  "provider_reference",
  "failure_code",
  "failure_message",
  "retryable",
  "period_index",
  "attempt",
  "payment_method",
  "idempotency_key",
  "correlation_id",
  "routing",
  "attempts",
  "dispute_status",
  "disputed_amount",
  "dispute_reason",
  "tax_amount",
  "tax_decision",
  "settled_at",
  "amount_captured",
  "authorization_expires_at",
  "description",
  "metadata",
  "created_at",
  "updated_at",
] as const satisfies ReadonlyArray<keyof PaymentRow>;

// Every charge writes one: compiled once (see lib/prepared.ts).
const paymentInsert = preparedQuery(PAYMENT_COLUMNS, (db: Kysely<Database>, p) =>
  db.insertInto("payments").values(p as unknown as PaymentRow),
);

export async function insertPayment(db: Db, row: PaymentRow): Promise<void> {
  await paymentInsert(db, row);
}

const paymentById = preparedQuery(["tenant", "env", "id"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("payments")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("id", "=", p.id),
);

export async function findPayment(db: Db, scope: ScopeIds, id: string): Promise<PaymentRow | undefined> {
  return (await paymentById(db, { tenant: scope.tenantId, env: scope.environmentId, id })).rows[0];
}

export async function listPaymentsByIds(db: Db, scope: ScopeIds, ids: string[]): Promise<PaymentRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("payments").selectAll().where(inScope(scope)).where("id", "in", ids).execute();
}

export interface PaymentFilter {
  customerId?: string | undefined;
  subscriptionId?: string | undefined;
  status?: PaymentStatus | undefined;
}

export function pagePayments(db: Db, scope: ScopeIds, page: PageQuery, filter: PaymentFilter) {
  let q = db.selectFrom("payments").selectAll().where(inScope(scope));
  if (filter.customerId) q = q.where("customer_id", "=", filter.customerId);
  if (filter.subscriptionId) q = q.where("subscription_id", "=", filter.subscriptionId);
  if (filter.status) q = q.where("status", "=", filter.status);
  return paginate(q, "id", page);
}

/** Payments with a dispute, newest first: the disputes list (disputes.ts). */
export function pageDisputedPayments(
  db: Db,
  scope: ScopeIds,
  page: PageQuery,
  filter: {
    status?: NonNullable<PaymentRow["dispute_status"]> | undefined;
    paymentId?: string | undefined;
    customerId?: string | undefined;
  },
) {
  let q = db.selectFrom("payments").selectAll().where(inScope(scope)).where("dispute_status", "is not", null);
  if (filter.status) q = q.where("dispute_status", "=", filter.status);
  if (filter.paymentId) q = q.where("id", "=", filter.paymentId);
  if (filter.customerId) q = q.where("customer_id", "=", filter.customerId);
  return paginate(q, "id", page);
}

/**
 * The marker the settle job puts on a pending payment before it gives the money back
 * (`failure_code`, while still `pending`): from then on the request that made the charge can no
 * longer record it, so a payment is never both paid and refunded.
 */
export const ABANDONING = "abandoning";

type Expected = {
  status: PaymentStatus;
  refunded_amount?: number;
  /** Only while nothing more was captured (captures and voids compare-and-set on it). */
  amount_captured?: number;
  provider?: string;
  /** true: only a payment the settle job claimed; false: only one it did not claim. */
  abandoning?: boolean;
};

// Settling a charge, a refund, a failover: one compiled statement per set of columns written and
// conditions checked, compiled once.
const paymentUpdate = preparedShapes(
  (s: {
    columns: readonly string[];
    refunded: boolean;
    captured: boolean;
    provider: boolean;
    abandoning: boolean | undefined;
  }) =>
    `${s.columns.join(",")}|${s.refunded ? "r" : ""}${s.captured ? "c" : ""}${s.provider ? "p" : ""}${s.abandoning === undefined ? "" : s.abandoning ? "A" : "a"}`,
  ({ columns, refunded, captured, provider, abandoning }) =>
    preparedQuery(
      [
        ...columns,
        "$tenant",
        "$env",
        "$id",
        "$status",
        ...(refunded ? ["$refunded"] : []),
        ...(captured ? ["$captured"] : []),
        ...(provider ? ["$provider"] : []),
      ],
      (db: Kysely<Database>, p) => {
        let q = db
          .updateTable("payments")
          .set(Object.fromEntries(columns.map((c) => [c, p[c]!])))
          .where(inScope({ tenantId: p.$tenant!, environmentId: p.$env! }))
          .where("id", "=", p.$id!)
          .where("status", "=", p.$status as PaymentStatus);
        if (refunded) q = q.where("refunded_amount", "=", p.$refunded as unknown as number);
        if (captured) q = q.where("amount_captured", "=", p.$captured as unknown as number);
        if (provider) q = q.where("provider", "=", p.$provider!);
        if (abandoning === true) q = q.where("failure_code", "=", sql.lit(ABANDONING));
        if (abandoning === false)
          q = q.where((eb) => eb.or([eb("failure_code", "is", null), eb("failure_code", "!=", sql.lit(ABANDONING))]));
        return q;
      },
    ),
);

/**
 * Compare-and-set on the status: only a payment still in `expected` changes. Returns false when
 * another process settled it first (the caller then re-reads instead of overwriting).
 */
export async function updatePaymentIf(
  db: Db,
  scope: ScopeIds,
  id: string,
  expected: Expected,
  patch: Updateable<PaymentsTable>,
): Promise<boolean> {
  const columns: string[] = [];
  const values: Record<string, unknown> = {
    $tenant: scope.tenantId,
    $env: scope.environmentId,
    $id: id,
    $status: expected.status,
    $refunded: expected.refunded_amount,
    $captured: expected.amount_captured,
    $provider: expected.provider,
  };
  for (const key in patch) {
    const value = patch[key as keyof typeof patch];
    if (value === undefined) continue;
    columns.push(key);
    values[key] = value;
  }
  const query = paymentUpdate({
    columns,
    refunded: expected.refunded_amount !== undefined,
    captured: expected.amount_captured !== undefined,
    provider: expected.provider !== undefined,
    abandoning: expected.abandoning,
  });
  const result = await query(db, values);
  return Number(result.numAffectedRows) === 1;
}

export async function customerHasPayments(db: Db, scope: ScopeIds, customerId: string): Promise<boolean> {
  const row = await db
    .selectFrom("payments")
    .select("id")
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

const lastAttemptOf = preparedQuery(["tenant", "env", "subscription", "period"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("payments")
    .select((eb) => eb.fn.max("attempt").as("attempt"))
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("subscription_id", "=", p.subscription)
    .where("period_index", "=", p.period as unknown as number),
);

/** The highest attempt number of a subscription's period so far (0 when none). */
export async function lastAttempt(
  db: Db,
  scope: ScopeIds,
  subscriptionId: string,
  periodIndex: number,
): Promise<number> {
  const { rows } = await lastAttemptOf(db, {
    tenant: scope.tenantId,
    env: scope.environmentId,
    subscription: subscriptionId,
    period: periodIndex,
  });
  return Number(rows[0]?.attempt ?? 0);
}

/**
 * Compare-and-set on a payment's dispute: only when it is still `expected` (null: none yet), so a
 * late "opened" never reopens a dispute already closed, and two jobs never both apply one event.
 */
export async function updateDisputeIf(
  db: Db,
  scope: ScopeIds,
  id: string,
  expected: PaymentRow["dispute_status"],
  patch: Pick<PaymentRow, "dispute_status" | "disputed_amount" | "dispute_reason" | "updated_at">,
): Promise<boolean> {
  const result = await db
    .updateTable("payments")
    .set(patch)
    .where(inScope(scope))
    .where("id", "=", id)
    .where("dispute_status", expected === null ? "is" : "=", expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Marks a captured payment settled, once: only while `settled_at` is still null and the payment
 * is succeeded or refunded (a settlement of money later refunded still happened).
 */
export async function markSettledIf(db: Db, scope: ScopeIds, id: string, at: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("payments")
    .set({ settled_at: at, updated_at: now })
    .where(inScope(scope))
    .where("id", "=", id)
    .where("settled_at", "is", null)
    .where("status", "in", ["succeeded", "refunded"])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Declines of one payment method of a customer since `since` (outages are not declines). */
export async function countDeclines(
  db: Db,
  scope: ScopeIds,
  customerId: string,
  paymentMethod: string,
  since: string,
): Promise<number> {
  const row = await db
    .selectFrom("payments")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where(inScope(scope))
    .where("customer_id", "=", customerId)
    .where("payment_method", "=", paymentMethod)
    .where("status", "=", "failed")
    .where("failure_code", "!=", "provider_unavailable")
    .where("created_at", ">=", since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Payments still pending for longer than `staleMs`, oldest first, of every tenant: the janitor's
 * sweep (billing/janitor.ts), run with system access. "Longer" is by each environment's business
 * clock: a frozen test clock (job_clocks) judges its own environment's payments, the wall clock
 * all others. Served by a partial index on pending payments.
 */
export async function listStalePending(db: Db, wallNow: Date, staleMs: number, limit: number): Promise<PaymentRow[]> {
  const before = (now: Date) => new Date(now.getTime() - staleMs).toISOString();
  const frozen = await db.selectFrom("job_clocks").select(["environment_id", "clock_at"]).execute();
  const pending = () => db.selectFrom("payments").selectAll().where("status", "=", "pending");
  let wall = pending().where("updated_at", "<", before(wallNow));
  if (frozen.length > 0)
    wall = wall.where(
      "environment_id",
      "not in",
      frozen.map((f) => f.environment_id),
    );
  const rows = await wall.orderBy("updated_at").limit(limit).execute();
  for (const f of frozen) {
    if (rows.length >= limit) break;
    rows.push(
      ...(await pending()
        .where("environment_id", "=", f.environment_id)
        .where("updated_at", "<", before(new Date(f.clock_at)))
        .orderBy("updated_at")
        .limit(limit - rows.length)
        .execute()),
    );
  }
  return rows;
}
