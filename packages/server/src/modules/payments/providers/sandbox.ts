import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { inScope } from "../../../db/scope.js";
import type { Database, SandboxOperationRow } from "../../../db/types.js";
import { isUniqueViolation } from "../../../errors.js";
import { newId } from "../../../lib/ids.js";
import {
  type Capabilities,
  type ChargeRequest,
  IdempotencyMismatchError,
  type OperationOutcome,
  type PaymentOutcome,
  type PaymentProvider,
  type ProviderContext,
  rawExcerpt,
} from "../provider.js";
import { firstCharge, insertOperation, moveOperation, operationById, operationByKey } from "./sandbox-books.js";
import { answer, type DeclineCode, noAnswer, realOutcome, refused, vendorOf } from "./sandbox-outcomes.js";
import { verifySandboxWebhook } from "./sandbox-webhooks.js";

/*
 * The sandbox provider behaves like a real one in test mode, with no network: test payment
 * method tokens decide the outcome (docs/lifecycle.md has the table). Its books live in the
 * `sandbox_operations` table (sandbox-books.ts); its webhooks in sandbox-webhooks.ts.
 */

type Behaviour = "ok" | "timeout" | "ok_then_decline" | "three_d_secure" | DeclineCode;

/** The documented test tokens. */
export const SANDBOX_TOKENS: Readonly<Record<string, Behaviour>> = {
  pm_sandbox_ok: "ok",
  pm_sandbox_declined: "insufficient_funds",
  pm_sandbox_declined_hard: "stolen_card",
  pm_sandbox_declined_try_elsewhere: "issuer_unavailable",
  pm_sandbox_timeout: "timeout",
  pm_sandbox_ok_then_decline: "ok_then_decline",
  pm_sandbox_3ds: "three_d_secure",
};

/**
 * Development/test only, for crash drills: the charge goes through (it is in the sandbox's books)
 * and the call then never returns, as if the process died waiting for the answer; a replay with
 * the same key answers the recorded outcome. Refused like an unknown token in production.
 */
export const SANDBOX_HANG_TOKEN = "pm_sandbox_hang";

const hangs = (ctx: ProviderContext, r: ChargeRequest) =>
  r.paymentMethod === SANDBOX_HANG_TOKEN && ctx.scope.environment !== "production";

/** What `savePaymentMethod` knows of each single-use client token (`tok_sandbox_<x>` saves `pm_sandbox_<x>`). */
const CARDS: Readonly<Record<string, { brand: string; last4: string }>> = {
  pm_sandbox_ok: { brand: "visa", last4: "4242" },
  pm_sandbox_declined: { brand: "visa", last4: "9995" },
  pm_sandbox_declined_hard: { brand: "visa", last4: "9979" },
  pm_sandbox_declined_try_elsewhere: { brand: "mastercard", last4: "0069" },
  pm_sandbox_timeout: { brand: "visa", last4: "0077" },
  pm_sandbox_ok_then_decline: { brand: "visa", last4: "0341" },
  pm_sandbox_3ds: { brand: "visa", last4: "3155" },
};

export const SANDBOX_CAPABILITIES: Capabilities = {
  separateCapture: true,
  partialCapture: true,
  void: true,
  partialRefund: true,
  multipleRefunds: true,
  customerActions: true,
  vaulting: true,
  // Every sandbox charge is final at once (or lost, with pm_sandbox_timeout).
  asynchronousSettlement: false,
  webhooks: true,
};

// Provider-side references, in the sandbox's own namespace (ch_sbx_…, re_sbx_…).
const reference = (prefix: string) => newId("payment").replace(/^pay_/, `${prefix}_sbx_`);

export function sandboxProvider(db: Kysely<Database>, name = "sandbox"): PaymentProvider {
  /** For failover drills: a storefront can configure `{ "simulate_outage": true }` on this provider. */
  function outage(ctx: ProviderContext) {
    if (ctx.config.simulate_outage !== true) return undefined;
    return {
      status: "error" as const,
      reference: null,
      code: "simulated_outage",
      message: `${name}: simulated outage`,
      vendor: noAnswer("simulated_outage"),
    };
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
  ): Promise<{ decline: DeclineCode | null; timeout: boolean; action?: boolean }> {
    if (hangs(ctx, r)) return { decline: null, timeout: false };
    const behaviour = SANDBOX_TOKENS[r.paymentMethod];
    if (behaviour === undefined) return { decline: "payment_method_unknown", timeout: false };
    if (behaviour === "ok") return { decline: null, timeout: false };
    if (behaviour === "timeout") return { decline: null, timeout: true };
    if (behaviour === "three_d_secure") return { decline: null, timeout: false, action: true };
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

  function newRow(
    ctx: ProviderContext,
    fields: Partial<SandboxOperationRow> &
      Pick<SandboxOperationRow, "id" | "idempotency_key" | "operation" | "amount" | "currency" | "status">,
  ): SandboxOperationRow {
    return {
      tenant_id: ctx.scope.tenantId,
      environment_id: ctx.scope.environmentId,
      provider: name,
      charge_id: null,
      payment_method: null,
      customer: null,
      decline_code: null,
      timed_out: 0,
      captured_amount: 0,
      refunded_amount: 0,
      created_at: ctx.scope.clock.now().toISOString(),
      ...fields,
    };
  }

  async function open(
    ctx: ProviderContext,
    operation: "charge" | "authorize",
    r: ChargeRequest,
  ): Promise<PaymentOutcome> {
    const down = outage(ctx);
    if (down) return down;
    // Insert first: a replay hits the unique key and gets the stored operation (see insertOnce).
    const { decline, timeout, action } = await decide(ctx, r);
    const ok = operation === "charge" ? "succeeded" : "authorized";
    const id = reference("ch");
    const row = await insertOnce(
      ctx,
      newRow(ctx, {
        id,
        idempotency_key: r.idempotencyKey,
        operation,
        payment_method: r.paymentMethod,
        customer: r.customer,
        amount: r.amount,
        currency: r.currency,
        status: decline ? "failed" : action ? "requires_action" : ok,
        decline_code: decline,
        timed_out: timeout ? 1 : 0,
        captured_amount: !decline && !action && operation === "charge" ? r.amount : 0,
      }),
    );
    // Crash drills: the first call never answers (its caller is meant to die); a replay does.
    if (hangs(ctx, r) && row.id === id) return new Promise<PaymentOutcome>(() => {});
    return answer(sameRequest(row, operation, r));
  }

  /** A capture, void or refund applied to a charge, recorded under its own key so a replay is a no-op. */
  async function follow(
    ctx: ProviderContext,
    op: "capture" | "void" | "refund",
    key: string,
    charge: SandboxOperationRow,
    amount: number,
    apply: (tx: Kysely<Database>) => Promise<boolean>,
  ): Promise<SandboxOperationRow> {
    const row = newRow(ctx, {
      id: reference(op === "capture" ? "cp" : op === "void" ? "vd" : "re"),
      idempotency_key: key,
      operation: op,
      charge_id: charge.id,
      payment_method: charge.payment_method,
      customer: charge.customer,
      amount,
      currency: charge.currency,
      status: "succeeded",
    });
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

  /** A replayed capture/void/refund: the first answer, or a mismatch when the key meant another operation. */
  function replay(done: SandboxOperationRow, op: string, reference: string, amount?: number): OperationOutcome {
    if (
      done.operation !== op ||
      done.charge_id !== reference ||
      (amount !== undefined && Number(done.amount) !== amount)
    )
      throw new IdempotencyMismatchError(`idempotency key ${done.idempotency_key} was used with different parameters`);
    return { status: "succeeded", reference: done.id, amount: Number(done.amount), vendor: vendorOf(done) };
  }

  return {
    name,
    capabilities: SANDBOX_CAPABILITIES,
    charge: (ctx, r) => open(ctx, "charge", r),
    authorize: (ctx, r) => open(ctx, "authorize", r),

    async confirm(ctx, r) {
      const down = outage(ctx);
      if (down) return down;
      const row = await findById(ctx, r.reference);
      if (!row || (row.operation !== "charge" && row.operation !== "authorize"))
        return {
          status: "error",
          reference: null,
          code: "resource_missing",
          message: "No such charge",
          vendor: noAnswer("resource_missing"),
        };
      if (row.status === "requires_action") {
        // The simulated issuer page answers `authentication: succeeded` when the customer passed.
        const passed = r.data.authentication === "succeeded";
        const ok = row.operation === "charge" ? "succeeded" : "authorized";
        await moveOperation(
          db,
          ctx.scope,
          row.id,
          "requires_action",
          passed
            ? { status: ok, captured_amount: row.operation === "charge" ? Number(row.amount) : 0 }
            : { status: "failed", decline_code: "authentication_failed" },
        );
      }
      return realOutcome((await findById(ctx, r.reference))!);
    },

    async capture(ctx, r) {
      const down = outage(ctx);
      if (down) return down;
      const done = await findByKey(ctx, r.idempotencyKey);
      if (done) return replay(done, "capture", r.reference, r.amount);
      const auth = await findById(ctx, r.reference);
      if (auth?.operation !== "authorize") return refused(null, "resource_missing", "No such authorization");
      if (auth.status !== "authorized")
        return refused(auth.id, "charge_not_capturable", `The authorization is ${auth.status}`);
      const amount = r.amount ?? Number(auth.amount);
      if (amount <= 0 || amount > Number(auth.amount))
        return refused(auth.id, "amount_too_large", "More than authorized");
      const row = await follow(ctx, "capture", r.idempotencyKey, auth, amount, (tx) =>
        moveOperation(tx, ctx.scope, auth.id, "authorized", { status: "succeeded", captured_amount: amount }),
      );
      return replay(row, "capture", r.reference);
    },

    async void(ctx, r) {
      const down = outage(ctx);
      if (down) return down;
      const done = await findByKey(ctx, r.idempotencyKey);
      if (done) return replay(done, "void", r.reference);
      const auth = await findById(ctx, r.reference);
      if (auth?.operation !== "authorize") return refused(null, "resource_missing", "No such authorization");
      // Captured money goes back by refund, never by void.
      if (auth.status !== "authorized")
        return refused(auth.id, "charge_not_voidable", `The authorization is ${auth.status}`);
      const row = await follow(ctx, "void", r.idempotencyKey, auth, Number(auth.amount), (tx) =>
        moveOperation(tx, ctx.scope, auth.id, "authorized", { status: "voided" }),
      );
      return replay(row, "void", r.reference);
    },

    async refund(ctx, r) {
      const down = outage(ctx);
      if (down) return down;
      const done = await findByKey(ctx, r.idempotencyKey);
      if (done) return replay(done, "refund", r.reference, r.amount);
      const charge = await findById(ctx, r.reference);
      if (charge?.status !== "succeeded" || (charge.operation !== "charge" && charge.operation !== "authorize"))
        return refused(null, "charge_not_refundable", "No captured charge to refund");
      const refunded = Number(charge.refunded_amount);
      if (r.amount <= 0 || r.amount > Number(charge.captured_amount) - refunded)
        return refused(charge.id, "amount_too_large", "More than is left to refund");
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
      return replay(row, "refund", r.reference);
    },

    async retrieve(ctx, r) {
      const down = outage(ctx);
      if (down) return down;
      const row = r.reference ? await findById(ctx, r.reference) : await findByKey(ctx, r.idempotencyKey);
      // Never reached the provider: it cannot have charged.
      if (!row) return { status: "not_found", reference: null, vendor: noAnswer("resource_missing") };
      return realOutcome(row);
    },

    async savePaymentMethod(ctx, r) {
      const down = outage(ctx);
      if (down) return { status: "error", code: down.code, message: down.message, vendor: down.vendor };
      const token = r.token.replace(/^tok_sandbox_/, "pm_sandbox_");
      const card = CARDS[token];
      if (!r.token.startsWith("tok_sandbox_") || !card)
        return {
          status: "refused",
          code: "token_invalid",
          message: "No such single-use token",
          vendor: noAnswer("token_invalid"),
        };
      // A token names a card, so the same token always saves the same card (and replays agree).
      const year = ctx.scope.clock.now().getUTCFullYear() + 3;
      const fingerprint = createHash("sha256").update(`${name}:${token}`).digest("hex").slice(0, 16);
      return {
        status: "saved",
        method: { token, brand: card.brand, last4: card.last4, expMonth: 12, expYear: year, fingerprint },
        vendor: { code: "saved", raw: rawExcerpt(JSON.stringify({ id: token, card })) },
      };
    },

    handleWebhook: verifySandboxWebhook,
  };
}
