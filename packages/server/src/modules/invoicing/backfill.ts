import type { InvoiceBackfill, InvoiceBackfillInput, Payment } from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import { ApiError } from "../../errors.js";
import type { PaymentsService } from "../payments/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import * as repo from "./repo.js";

/**
 * Invoices for charges captured before the storefront had a legal entity (docs/invoicing.md,
 * "Charges from before the legal entity"). Asked for explicitly, not run when the entity is set:
 * the merchant may have invoiced them elsewhere, and only they know from when (`since`). Each
 * charge goes through the same idempotent path as the consumer (one invoice per charge, its
 * credit notes if it was refunded since), so a repeated or concurrent call issues nothing twice;
 * documents are dated the day they are issued and name the day the payment was received.
 */
export function backfill(
  deps: Deps,
  o: {
    storefronts: Pick<StorefrontsService, "requireStorefront">;
    payments: Pick<PaymentsService, "get">;
    issueInvoice(scope: Scope, payment: Payment): Promise<{ id: string } | undefined>;
    issueCreditNotes(scope: Scope, payment: Payment): Promise<void>;
  },
) {
  return async function backfillInvoices(scope: Scope, input: InvoiceBackfillInput): Promise<InvoiceBackfill> {
    const storefront = await o.storefronts.requireStorefront(scope, input.storefront);
    if (!(await repo.findLegalEntity(deps.db, scope, storefront.id)))
      throw new ApiError(
        "LEGAL_ENTITY_REQUIRED",
        `Storefront ${storefront.id} has no legal entity: nothing can be invoiced.`,
      );
    const rows = await repo.uninvoicedPayments(deps.db, scope, {
      storefrontId: storefront.id,
      since: input.since,
      limit: input.limit + 1,
    });
    const taken = rows.slice(0, input.limit);
    const invoices: string[] = [];
    if (!input.dry_run)
      for (const { id } of taken) {
        const payment = await o.payments.get(scope, id);
        const invoice = await o.issueInvoice(scope, payment);
        if (payment.refunded_amount > 0) await o.issueCreditNotes(scope, payment);
        if (invoice) invoices.push(invoice.id);
      }
    return {
      object: "invoice_backfill",
      storefront: storefront.id,
      dry_run: input.dry_run,
      payments: taken.map((r) => r.id),
      invoices,
      has_more: rows.length > input.limit,
    };
  };
}
