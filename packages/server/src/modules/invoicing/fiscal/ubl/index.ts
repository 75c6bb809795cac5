import type { FiscalProvider } from "../port.js";
import { toUbl } from "./document.js";

/**
 * The default provider (EU): the document is an EN 16931 UBL 2.1 Invoice / CreditNote with the
 * Peppol BIS Billing 3.0 customization. There is no authority to report to, so a submission is
 * accepted as issued; sending it over Peppol is the merchant's access point's work.
 */
export const ublProvider: FiscalProvider = {
  name: "ubl",
  render: (document) => ({ contentType: "application/xml", body: toUbl(document) }),
  async submit(_ctx, document) {
    return { status: "accepted", reference: document.number };
  },
};
