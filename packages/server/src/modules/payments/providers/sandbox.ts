import { type Kysely, sql } from "kysely";
import { inScope } from "../../../db/scope.js";
import type { Database, SandboxOperationRow } from "../../../db/types.js";
import { isUniqueViolation } from "../../../errors.js";
import { newId } from "../../../lib/ids.js";
import { preparedQuery } from "../../../lib/prepared.js";
import {
  type CaptureRequest,
  type ChargeRequest,
  IdempotencyMismatchError,
  type PaymentProvider,
  type ProviderContext,
  type ProviderOutcome,
  ProviderUnavailableError,
  type RefundOutcome,
  type RefundRequest,
  type RetrieveRequest,
} from "../provider.js";

/*
 * The sandbox provider behaves like a real one in test mode, with no network: test payment
 * method tokens decide the outcome (docs/lifecycle.md has the table). Its books live in the
 * `sandbox_operations` table, so they survive restarts and every worker process sees the same
 * charges; the unique (environment, provider, idempotency key) constraint is what makes a
 * replayed charge return the first outcome instead of charging again.
 */

const DECLINES = {
  insufficient_funds: {
    message: "The card has insufficient funds (soft decline; a later retry may succeed)",
    retryable: true,
  },
  stolen_card: { message: "The card was reported stolen (hard decline; do not retry)", retryable: false },
  payment_method_unknown: { message: "No such payment method at the sandbox provider", retryable: false },
} as const;
type DeclineCode = keyof typeof DECLINES;

type Behaviour = "ok" | "timeout" | "ok_then_decline" | DeclineCode;

/** The documented test tokens. */
export const SANDBOX_TOKENS: Readonly<Record<string, Behaviour>> = {
  pm_sandbox_ok: "ok",
  pm_sandbox_declined: "insufficient_funds",
  pm_sandbox_declined_hard: "stolen_card",
  pm_sandbox_timeout: "timeout",
  pm_sandbox_ok_then_decline: "ok_then_decline",
};

const COLUMNS = [
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
const insertOperation = preparedQuery(COLUMNS, (db: Kysely<Database>, p) =>
  db.insertInto("sandbox_operations").values(p as unknown as SandboxOperationRow),
);

// The lookups of a charge (a replay, a resumed attempt, a refund): compiled once as well.
const operationByKey = preparedQuery(["tenant", "env", "provider", "key"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("sandbox_operations")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("provider", "=", p.provider)
    .where("idempotency_key", "=", p.key),
);

const operationById = preparedQuery(["tenant", "env", "provider", "id"], (db: Kysely<Database>, p) =>
  db
    .selectFrom("sandbox_operations")
    .selectAll()
    .where(inScope({ tenantId: p.tenant, environmentId: p.env }))
    .where("provider", "=", p.provider)
    .where("id", "=", p.id),
);

// Every charge with `pm_sandbox_ok_then_decline` asks whether the customer's first one went through.
const firstCharge = preparedQuery(["tenant", "env", "provider", "customer"], (db: Kysely<Database>, p) =>
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

// Provider-side references, in the sandbox's own namespace (ch_sbx_…, re_sbx_…).
const reference = (prefix: string) => newId("payment").replace(/^pay_/, `${prefix}_sbx_`);

function declined(row: SandboxOperationRow): ProviderOutcome {
  const code = (row.decline_code ?? "payment_method_unknown") as DeclineCode;
  const known = DECLINES[code] ?? DECLINES.payment_method_unknown;
  return { status: "failed", reference: row.id, code, message: known.message, retryable: known.retryable };
}

/** What the provider really did with an operation. */
function realOutcome(row: SandboxOperationRow): ProviderOutcome {
  if (row.status === "failed") return declined(row);
  if (row.status === "authorized") return { status: "authorized", reference: row.id };
  return { status: "succeeded", reference: row.id };
}

/** What the caller hears: a timed-out charge never answers, however often it is replayed. */
function answer(row: SandboxOperationRow): ProviderOutcome {
  return row.timed_out ? { status: "pending", reference: null } : realOutcome(row);
}

export function sandboxProvider(db: Kysely<Database>, name = "sandbox"): PaymentProvider {
  function outage(ctx: ProviderContext) {
    // For failover drills: a storefront can configure `{ "simulate_outage": true }` on this provider.
    if (ctx.config.simulate_outage === true) throw new ProviderUnavailableError(`${name}: simulated outage`);
  }

  async function findByKey(ctx: ProviderContext, key: string) {
    return (await operationByKey(db, { tenant: ctx.scope.tenantId, env: ctx.scope.environmentId, provider: name, key }))
      .rows[0];
  }

  async function findById(ctx: ProviderContext, id: string) {
    return (await operationById(db, { tenant: ctx.scope.tenantId, env: ctx.scope.environmentId, provider: name, id }))
      .rows[0];
  }

  function sameRequest(row: SandboxOperationRow, operation: string, r: ChargeRequest): SandboxOperationRow {
    if (
      row.operation !== operation ||
      Number(row.amount) !== r.amount ||
      row.currency !== r.currency ||
      row.payment_method !== r.paymentMethod ||
      row.customer !== r.customer
    ) {
      throw new IdempotencyMismatchError(`idempotency key ${r.idempotencyKey} was used with different parameters`);
    }
    return row;
  }

  async function decide(
    ctx: ProviderContext,
    r: ChargeRequest,
  ): Promise<{ decline: DeclineCode | null; timeout: boolean }> {
    const behaviour = SANDBOX_TOKENS[r.paymentMethod];
    if (behaviour === undefined) return { decline: "payment_method_unknown", timeout: false };
    if (behaviour === "ok") return { decline: null, timeout: false };
    if (behaviour === "timeout") return { decline: null, timeout: true };
    if (behaviour !== "ok_then_decline") return { decline: behaviour, timeout: false };
    // The first charge of this customer with this token succeeds, every later one declines.
    const earlier = await firstCharge(db, {
      tenant: ctx.scope.tenantId,
      env: ctx.scope.environmentId,
      provider: name,
      customer: r.customer,
    });
    return { decline: earlier.rows.length > 0 ? "insufficient_funds" : null, timeout: false };
  }

  async function insertOnce(ctx: ProviderContext, row: SandboxOperationRow): Promise<SandboxOperationRow> {
    try {
      await insertOperation(db, row);
      return row;
    } catch (error) {
      // A concurrent call with the same key got there first: its outcome is ours.
      if (!isUniqueViolation(error)) throw error;
      const winner = await findByKey(ctx, row.idempotency_key);
      if (!winner) throw error;
      return winner;
    }
  }

  async function open(ctx: ProviderContext, operation: "charge" | "authorize", r: ChargeRequest) {
    outage(ctx);
    // Insert first: a replay hits the unique key and gets the stored operation (see insertOnce).
    const { decline, timeout } = await decide(ctx, r);
    const ok = operation === "charge" ? "succeeded" : "authorized";
    const row = await insertOnce(ctx, {
      id: reference("ch"),
      tenant_id: ctx.scope.tenantId,
      environment_id: ctx.scope.environmentId,
      provider: name,
      idempotency_key: r.idempotencyKey,
      operation,
      charge_id: null,
      payment_method: r.paymentMethod,
      customer: r.customer,
      amount: r.amount,
      currency: r.currency,
      status: decline ? "failed" : ok,
      decline_code: decline,
      timed_out: timeout ? 1 : 0,
      captured_amount: !decline && operation === "charge" ? r.amount : 0,
      refunded_amount: 0,
      created_at: ctx.scope.clock.now().toISOString(),
    });
    return answer(sameRequest(row, operation, r));
  }

  /** A capture or refund applied to a charge, recorded under its own key so a replay is a no-op. */
  async function follow(
    ctx: ProviderContext,
    op: "capture" | "refund",
    key: string,
    charge: SandboxOperationRow,
    amount: number,
    apply: (tx: Kysely<Database>) => Promise<boolean>,
  ): Promise<SandboxOperationRow> {
    const row: SandboxOperationRow = {
      id: reference(op === "capture" ? "cp" : "re"),
      tenant_id: ctx.scope.tenantId,
      environment_id: ctx.scope.environmentId,
      provider: name,
      idempotency_key: key,
      operation: op,
      charge_id: charge.id,
      payment_method: charge.payment_method,
      customer: charge.customer,
      amount,
      currency: charge.currency,
      status: "succeeded",
      decline_code: null,
      timed_out: 0,
      captured_amount: 0,
      refunded_amount: 0,
      created_at: ctx.scope.clock.now().toISOString(),
    };
    try {
      return await db.transaction().execute(async (tx) => {
        await tx.insertInto("sandbox_operations").values(row).execute();
        if (!(await apply(tx))) throw new Error(`sandbox: ${charge.id} changed concurrently`);
        return row;
      });
    } catch (error) {
      const winner = await findByKey(ctx, key);
      if (winner) return winner;
      throw error;
    }
  }

  return {
    name,
    charge: (ctx, r) => open(ctx, "charge", r),
    authorize: (ctx, r) => open(ctx, "authorize", r),

    async capture(ctx, r: CaptureRequest): Promise<ProviderOutcome> {
      outage(ctx);
      const done = await findByKey(ctx, r.idempotencyKey);
      if (done) return realOutcome(done);
      const auth = await findById(ctx, r.reference);
      if (auth?.operation !== "authorize") {
        return {
          status: "failed",
          reference: null,
          code: "resource_missing",
          message: "No such authorization",
          retryable: false,
        };
      }
      if (auth.status !== "authorized") return realOutcome(auth);
      const amount = r.amount ?? Number(auth.amount);
      if (amount > Number(auth.amount)) {
        return {
          status: "failed",
          reference: auth.id,
          code: "amount_too_large",
          message: "More than authorized",
          retryable: false,
        };
      }
      await follow(ctx, "capture", r.idempotencyKey, auth, amount, async (tx) => {
        const u = await tx
          .updateTable("sandbox_operations")
          .set({ status: "succeeded", captured_amount: amount })
          .where(inScope(ctx.scope))
          .where("id", "=", auth.id)
          .where("status", "=", "authorized")
          .executeTakeFirst();
        return Number(u.numUpdatedRows) === 1;
      });
      return { status: "succeeded", reference: auth.id };
    },

    async refund(ctx, r: RefundRequest): Promise<RefundOutcome> {
      outage(ctx);
      const done = await findByKey(ctx, r.idempotencyKey);
      if (done) return { status: "succeeded", reference: done.id };
      const charge = await findById(ctx, r.reference);
      if (charge?.status !== "succeeded" || charge.operation === "refund") {
        return {
          status: "failed",
          reference: null,
          code: "charge_not_refundable",
          message: "No captured charge to refund",
        };
      }
      const refunded = Number(charge.refunded_amount);
      if (r.amount > Number(charge.captured_amount) - refunded) {
        return {
          status: "failed",
          reference: charge.id,
          code: "amount_too_large",
          message: "More than is left to refund",
        };
      }
      const row = await follow(ctx, "refund", r.idempotencyKey, charge, r.amount, async (tx) => {
        const u = await tx
          .updateTable("sandbox_operations")
          .set({ refunded_amount: refunded + r.amount })
          .where(inScope(ctx.scope))
          .where("id", "=", charge.id)
          .where("refunded_amount", "=", refunded)
          .executeTakeFirst();
        return Number(u.numUpdatedRows) === 1;
      });
      return { status: "succeeded", reference: row.id };
    },

    async retrieve(ctx, r: RetrieveRequest): Promise<ProviderOutcome> {
      outage(ctx);
      const row = r.reference ? await findById(ctx, r.reference) : await findByKey(ctx, r.idempotencyKey);
      if (!row) {
        // Never reached the provider: it cannot have charged.
        return {
          status: "failed",
          reference: null,
          code: "resource_missing",
          message: "No such charge",
          retryable: true,
        };
      }
      return realOutcome(row);
    },
  };
}
