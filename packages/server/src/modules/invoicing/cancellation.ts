import type { Invoice } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { inScope } from "../../db/scope.js";
import { ApiError, notFound } from "../../errors.js";
import { isoNow } from "../../lib/clock.js";
import type { EventsService } from "../events/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { FiscalProviderRegistry } from "./fiscal/registry.js";
import { fiscalContext } from "./fiscalize.js";
import { forEvent } from "./personal-data.js";
import * as repo from "./repo.js";
import { toInvoice } from "./views.js";

const DAY_MS = 86_400_000;

/**
 * Cancelling an invoice with its fiscal provider (e-Arşiv iptal), where the regime allows it: an
 * accepted invoice, not yet credited, within the provider's period after its issue date. The
 * provider is asked first; only its yes is recorded (`fiscal.status: cancelled`, `cancelled_at`,
 * event `invoice.cancelled`). Everywhere else an invoice stands and a refund credits it.
 * Cancelling does not move money: the charge stays captured until it is refunded or invoiced
 * anew (docs/invoicing.md).
 */
export function cancellation(
  deps: Deps,
  o: {
    storefronts: Pick<StorefrontsService, "requireStorefront" | "providerCredentials">;
    events: Pick<EventsService, "record">;
    fiscal: FiscalProviderRegistry;
  },
) {
  const { db } = deps;

  return async function cancelInvoice(scope: Scope, id: string): Promise<Invoice> {
    const row = await repo.findDocument(db, scope, "invoice", id);
    if (!row) throw notFound("invoice", id);
    if (row.fiscal_status === "cancelled") return toInvoice(row);
    const provider = o.fiscal.find(row.fiscal_provider);
    if (!provider?.cancel)
      throw new ApiError(
        "INVOICE_NOT_CANCELLABLE",
        `Invoices of fiscal provider ${row.fiscal_provider ?? "none"} are not cancelled: refund the payment and a credit note is issued.`,
      );
    if (row.fiscal_status !== "accepted" || !row.fiscal_reference)
      throw new ApiError(
        "INVOICE_NOT_CANCELLABLE",
        `Only an invoice its fiscal provider accepted can be cancelled; this one is ${row.fiscal_status}.`,
      );
    if (Number(row.credited_amount) > 0)
      throw new ApiError(
        "INVOICE_NOT_CANCELLABLE",
        "The invoice has credit notes (returns) already: refund the rest instead of cancelling it.",
      );
    const now = isoNow(scope.clock);
    if (provider.cancelWithinDays !== undefined) {
      const last = new Date(Date.parse(`${row.issue_date}T00:00:00Z`) + provider.cancelWithinDays * DAY_MS);
      if (now.slice(0, 10) > last.toISOString().slice(0, 10))
        throw new ApiError(
          "INVOICE_CANCELLATION_PERIOD_ENDED",
          `${provider.name} invoices can be cancelled up to ${provider.cancelWithinDays} days after their issue date (${row.issue_date}); refund the payment instead.`,
        );
    }

    const ctx = await fiscalContext(o.storefronts, scope, row.storefront_id, provider.name);
    const outcome = await provider.cancel(ctx, toInvoice(row), row.fiscal_reference);
    if (outcome.status === "retry") throw new ApiError("FISCAL_PROVIDER_UNAVAILABLE", outcome.reason);
    if (outcome.status === "rejected")
      throw new ApiError(
        outcome.code === "not_earchive" ? "INVOICE_NOT_CANCELLABLE" : "FISCAL_PROVIDER_REFUSED",
        `${provider.name}: ${outcome.code}: ${outcome.reason}`,
      );

    await db.transaction().execute(async (tx) => {
      // Only one of two concurrent cancellations records it (and its event).
      const result = await tx
        .updateTable("invoices")
        .set({ fiscal_status: "cancelled", cancelled_at: now, updated_at: now })
        .where(inScope(scope))
        .where("id", "=", row.id)
        .where("fiscal_status", "=", "accepted")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return;
      const cancelled = (await repo.findDocument(tx, scope, "invoice", row.id))!;
      await o.events.record(tx, scope, { type: "invoice.cancelled", object: forEvent(toInvoice(cancelled)) });
    });
    return toInvoice((await repo.findDocument(db, scope, "invoice", row.id))!);
  };
}
