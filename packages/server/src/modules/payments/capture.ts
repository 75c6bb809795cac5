import type { CapturePayment } from "@tessera/core";
import type { Kysely } from "kysely";
import type { Scope } from "../../context.js";
import type { Database, PaymentRow } from "../../db/types.js";
import { ApiError } from "../../errors.js";
import type { AuditRecorder } from "../audit/service.js";
import type { EventsService } from "../events/service.js";
import type { Adapters } from "./adapters.js";
import { capturedOf, type Routing, toPayment } from "./model.js";
import { IdempotencyMismatchError, type OperationOutcome, ProviderUnavailableError } from "./provider.js";
import * as repo from "./repo.js";

interface CaptureDeps {
  db: Kysely<Database>;
  events: Pick<EventsService, "record">;
  adapters: Adapters;
  audit?: AuditRecorder | undefined;
}

/** Calls the provider; what it could not do becomes the API's answer (nothing is recorded then). */
async function ask(row: PaymentRow, what: string, call: () => Promise<OperationOutcome>) {
  let result: OperationOutcome;
  try {
    result = await call();
  } catch (error) {
    if (error instanceof IdempotencyMismatchError)
      throw new ApiError("CONFLICT", `Another ${what} of payment ${row.id} is in progress`);
    if (error instanceof ProviderUnavailableError) throw new ApiError("UNAVAILABLE", `${row.provider} is unavailable`);
    throw error;
  }
  if (result.status === "refused")
    throw new ApiError("UNPROCESSABLE", `The provider refused the ${what}: ${result.code}`);
  // The request's key is fixed by the payment's state, so retrying replays it: never a second capture.
  if (result.status === "error" || result.status === "unknown")
    throw new ApiError(
      "UNAVAILABLE",
      `${row.provider} did not confirm the ${what} (${result.message}); retry the request`,
    );
  return result;
}

/**
 * Captures all (default) or part of an authorized payment. The provider key names the amount
 * captured before, so a retry after a lost answer or a crash replays the same capture, and two
 * concurrent captures collapse into one at the provider (with different amounts the second is
 * refused as a conflict). No adapter captures an authorization twice yet, so a partial capture
 * releases the rest, as Stripe's does.
 */
export async function capturePayment(
  d: CaptureDeps,
  scope: Scope,
  route: Routing,
  row: PaymentRow,
  input: CapturePayment,
): Promise<PaymentRow | undefined> {
  if (row.status !== "authorized")
    throw new ApiError(
      "PAYMENT_NOT_CAPTURABLE",
      `Payment ${row.id} is ${row.status}; only an authorized one can be captured`,
    );
  const captured = capturedOf(row);
  const capturable = Number(row.amount) - captured;
  const amount = input.amount ?? capturable;
  if (amount > capturable)
    throw new ApiError(
      "CAPTURE_AMOUNT_INVALID",
      `At most ${capturable} (${row.currency} minor units) can be captured`,
      {
        errors: [{ path: "amount", message: `must be at most ${capturable}` }],
      },
    );
  const provider = d.adapters.get(row.provider);
  if (amount < capturable && !provider.capabilities.partialCapture)
    throw new ApiError(
      "CAPTURE_AMOUNT_INVALID",
      `${row.provider} captures only the whole authorization (${capturable})`,
      {
        errors: [{ path: "amount", message: `must be ${capturable}: ${row.provider} cannot capture in part` }],
      },
    );
  const ctx = d.adapters.context(scope, route.storefrontId, d.adapters.configFor(route, row.provider));
  // Accepted asynchronously (Adyen answers `received`; its CAPTURE webhook confirms): recorded now.
  await ask(row, "capture", () =>
    provider.capture(ctx, {
      idempotencyKey: `${row.idempotency_key}:capture:${captured}`,
      reference: row.provider_reference ?? "",
      amount,
      currency: row.currency,
    }),
  );
  return d.db.transaction().execute(async (tx) => {
    const next: PaymentRow = {
      ...row,
      status: "succeeded",
      amount_captured: captured + amount,
      authorization_expires_at: null,
      updated_at: scope.clock.now().toISOString(),
    };
    const changed = await repo.updatePaymentIf(
      tx,
      scope,
      row.id,
      { status: "authorized", amount_captured: captured },
      {
        status: next.status,
        amount_captured: next.amount_captured,
        authorization_expires_at: null,
        updated_at: next.updated_at,
      },
    );
    // A concurrent identical capture recorded it first: the provider captured once, and so do we.
    if (!changed) return undefined;
    await d.audit?.record(tx, scope, {
      kind: "outcome",
      action: "payment.capture",
      object: { id: row.id, object: "payment" },
      data: { provider: row.provider, amount, amount_captured: next.amount_captured, currency: row.currency },
      correlationId: row.correlation_id,
    });
    await d.events.record(tx, scope, {
      type: "payment.captured",
      object: toPayment(next),
      correlationId: row.correlation_id,
    });
    return next;
  });
}

export type VoidReason = "requested" | "expired";

/** Releases an uncaptured authorization; `expired` when the expiry job lets it lapse. */
export async function voidPayment(
  d: CaptureDeps,
  scope: Scope,
  route: Routing,
  row: PaymentRow,
  reason: VoidReason,
): Promise<PaymentRow | undefined> {
  if (row.status !== "authorized" || capturedOf(row) > 0)
    throw new ApiError(
      "PAYMENT_NOT_VOIDABLE",
      `Payment ${row.id} is ${row.status}; only an uncaptured authorization can be voided`,
    );
  const provider = d.adapters.get(row.provider);
  if (!provider.capabilities.void) throw new ApiError("UNPROCESSABLE", `${row.provider} cannot void an authorization`);
  const ctx = d.adapters.context(scope, route.storefrontId, d.adapters.configFor(route, row.provider));
  await ask(row, "void", () =>
    provider.void(ctx, { idempotencyKey: `${row.idempotency_key}:cancel`, reference: row.provider_reference ?? "" }),
  );
  return d.db.transaction().execute(async (tx) => {
    const next: PaymentRow = {
      ...row,
      status: "voided",
      failure_code: reason === "expired" ? "expired" : null,
      authorization_expires_at: null,
      updated_at: scope.clock.now().toISOString(),
    };
    const changed = await repo.updatePaymentIf(
      tx,
      scope,
      row.id,
      { status: "authorized", amount_captured: 0 },
      {
        status: "voided",
        failure_code: next.failure_code,
        authorization_expires_at: null,
        updated_at: next.updated_at,
      },
    );
    if (!changed) return undefined;
    await d.audit?.record(tx, scope, {
      kind: reason === "expired" ? "decision" : "outcome",
      action: reason === "expired" ? "payment.authorization_expired" : "payment.void",
      object: { id: row.id, object: "payment" },
      reason: reason === "expired" ? `uncaptured at ${row.authorization_expires_at}` : null,
      data: { provider: row.provider, amount: Number(row.amount), currency: row.currency },
      correlationId: row.correlation_id,
    });
    await d.events.record(tx, scope, {
      type: "payment.voided",
      object: toPayment(next),
      correlationId: row.correlation_id,
    });
    return next;
  });
}
