import type { Payment } from "@tessera/core";
import type { EventConsumer } from "../events/index.js";
import type { InvoicingService } from "./service.js";

/**
 * The one place invoicing meets payments: a captured charge becomes an invoice, a refund a
 * credit note. Both are idempotent (unique keys per charge and per refunded span), so duplicate
 * deliveries, retries and the two events arriving in either order issue each document once.
 * When payments grow capture/refund events of their own, only this file changes.
 */
export function invoicingConsumer(
  invoicing: Pick<InvoicingService, "issueInvoice" | "issueCreditNotes">,
): EventConsumer {
  return {
    name: "invoicing",
    types: ["payment.succeeded", "payment.refunded"],
    async handle(scope, event) {
      const payment = event.data.object as unknown as Payment;
      if (event.type === "payment.succeeded") await invoicing.issueInvoice(scope, payment);
      else await invoicing.issueCreditNotes(scope, payment);
    },
  };
}
