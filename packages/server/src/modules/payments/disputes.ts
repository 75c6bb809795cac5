import type { Dispute, DisputeListQuery } from "@tessera/core";
import type { Scope } from "../../context.js";
import type { Db, PaymentRow } from "../../db/types.js";
import { notFound } from "../../errors.js";
import { type Page, toPage } from "../../lib/pagination.js";
import * as repo from "./repo.js";

/*
 * Disputes as a list of their own (GET /v1/disputes). A dispute lives on its payment (the inbox
 * applies the PSP's webhooks there by compare-and-set), one per payment, so its id is the
 * payment's ULID under the dsp_ prefix: the same dispute always has the same id, and paging by
 * it pages by payment.
 */

const PAYMENT_PREFIX = "pay_";
const DISPUTE_PREFIX = "dsp_";

export const disputeIdOf = (paymentId: string) => DISPUTE_PREFIX + paymentId.slice(PAYMENT_PREFIX.length);
const paymentIdOf = (disputeId: string) =>
  disputeId.startsWith(DISPUTE_PREFIX) ? PAYMENT_PREFIX + disputeId.slice(DISPUTE_PREFIX.length) : undefined;

export function toDispute(row: PaymentRow & { dispute_status: NonNullable<PaymentRow["dispute_status"]> }): Dispute {
  return {
    id: disputeIdOf(row.id),
    object: "dispute",
    payment: row.id,
    customer: row.customer_id,
    subscription: row.subscription_id,
    provider: row.provider,
    provider_reference: row.provider_reference,
    status: row.dispute_status,
    amount: row.disputed_amount === null ? null : Number(row.disputed_amount),
    currency: row.currency,
    reason: row.dispute_reason,
    updated_at: row.updated_at,
  };
}

function disputed(row: PaymentRow | undefined) {
  return row && row.dispute_status !== null
    ? (row as PaymentRow & { dispute_status: NonNullable<PaymentRow["dispute_status"]> })
    : undefined;
}

export async function getDispute(db: Db, scope: Scope, id: string): Promise<Dispute> {
  const paymentId = paymentIdOf(id);
  const row = disputed(paymentId ? await repo.findPayment(db, scope, paymentId) : undefined);
  if (!row) throw notFound("dispute", id);
  return toDispute(row);
}

export async function listDisputes(db: Db, scope: Scope, query: DisputeListQuery): Promise<Page<Dispute>> {
  const cursor = query.starting_after === undefined ? undefined : paymentIdOf(query.starting_after);
  const result = await repo.pageDisputedPayments(
    db,
    scope,
    // A cursor that is no dispute id matches nothing rather than everything.
    { limit: query.limit, starting_after: query.starting_after === undefined ? undefined : (cursor ?? "~") },
    { status: query.status, paymentId: query.payment, customerId: query.customer },
  );
  const page = toPage(result, (r) => toDispute(disputed(r)!));
  return { ...page, next_cursor: page.next_cursor === null ? null : disputeIdOf(page.next_cursor) };
}
