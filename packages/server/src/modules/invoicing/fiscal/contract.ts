import type { CreditNote, Invoice, InvoiceParty } from "@tessera/core";
import { describe, expect, it } from "vitest";
import { computeTotals } from "../amounts.js";
import { decideTax } from "../tax.js";
import type { FiscalContext, FiscalDocument, FiscalProvider } from "./port.js";

/*
 * The contract every fiscal provider runs (DESIGN §7, `testFiscalProvider`): rendering is
 * deterministic and names the document; a submission ends accepted (at once, or after the
 * authority decides and `check` is asked); submitting the same document again is not an error
 * (a retry after a lost answer); a refusal is data with the provider's code and words.
 */
export interface FiscalDriver {
  provider: FiscalProvider;
  ctx: FiscalContext;
  seller: InvoiceParty;
  buyer: InvoiceParty;
  /** The number format the regime wants (for the sample documents). */
  number(sequence: number): string;
  /** The authority decides a submitted document (asynchronous providers). */
  decide?(document: FiscalDocument, verdict: "succeed" | "error"): Promise<void>;
  /** Makes the provider refuse the next submission of this document at upload. */
  refuse?(document: FiscalDocument): Promise<void>;
}

let counter = 0;

export function sampleDocument(d: FiscalDriver, kind: "invoice" | "credit_note" = "invoice"): FiscalDocument {
  const n = ++counter;
  const tax = decideTax({
    seller: { country: d.seller.country ?? "DE", vatId: d.seller.vat_id },
    buyer: { country: d.buyer.country, business: d.buyer.business, vatId: d.buyer.vat_id },
    taxCode: "electronic_service",
  });
  const totals = computeTotals(
    [
      {
        kind: "subscription",
        description: "Pro (monthly)",
        bundle: "bun_x",
        price: "price_x",
        periodStart: "2026-03-01T00:00:00.000Z",
        periodEnd: "2026-04-01T00:00:00.000Z",
        quantity: 1,
        amount: 1199,
        tax,
      },
    ],
    true,
  );
  const base = {
    id: `${kind === "invoice" ? "inv" : "cn"}_contract${n}`,
    number: d.number(n),
    series: "CTR",
    uuid: `6f0c3a52-0000-4000-8000-${String(n).padStart(12, "0")}`,
    sequence: n,
    storefront: "sf_x",
    customer: "cus_x",
    subscription: "sub_x",
    payment: "pay_x",
    issue_date: "2026-03-01",
    currency: d.seller.country === "TR" ? "TRY" : "EUR",
    lines: totals.lines,
    tax_subtotals: totals.taxSubtotals,
    net_total: totals.netTotal,
    tax_total: totals.taxTotal,
    rounding_amount: totals.roundingAmount,
    total: totals.total,
    amount_paid: 1199,
    amount_due: totals.total - 1199,
    seller: d.seller,
    buyer: d.buyer,
    notes: tax.note ? [tax.note] : [],
    fiscal: { provider: d.provider.name, status: "pending" as const, reference: null, reason: null, attempts: 0 },
    created_at: "2026-03-01T10:00:00.000Z",
  };
  if (kind === "invoice")
    return { ...base, object: "invoice", type_code: 380, credited_amount: 0, cancelled_at: null } satisfies Invoice;
  return {
    ...base,
    object: "credit_note",
    type_code: 381,
    invoice: "inv_x",
    invoice_number: d.number(0),
  } satisfies CreditNote;
}

async function finalOutcome(d: FiscalDriver, doc: FiscalDocument) {
  const first = await d.provider.submit(d.ctx, doc);
  if (first.status !== "submitted") return first;
  expect(d.provider.check, "a provider that answers `submitted` must be able to check").toBeDefined();
  await d.decide?.(doc, "succeed");
  return d.provider.check!(d.ctx, doc, first.reference ?? "");
}

export function testFiscalProvider(
  label: string,
  driver: () => Promise<FiscalDriver>,
  capabilities: { refusals: boolean },
) {
  describe(`fiscal provider contract: ${label}`, () => {
    it("renders each document deterministically, naming its number", async () => {
      const d = await driver();
      for (const kind of ["invoice", "credit_note"] as const) {
        const doc = sampleDocument(d, kind);
        const once = d.provider.render(doc);
        expect(once.contentType).toMatch(/xml/);
        expect(once.body).toContain(doc.number);
        expect(d.provider.render(doc).body).toBe(once.body);
      }
    });

    it("ends accepted: at once, or after the authority decides", async () => {
      const d = await driver();
      for (const kind of ["invoice", "credit_note"] as const) {
        const outcome = await finalOutcome(d, sampleDocument(d, kind));
        expect(outcome.status).toBe("accepted");
      }
    });

    it("takes the same document twice without an error (a retry after a lost answer)", async () => {
      const d = await driver();
      const doc = sampleDocument(d);
      await d.provider.submit(d.ctx, doc);
      expect(["accepted", "submitted"]).toContain((await d.provider.submit(d.ctx, doc)).status);
    });

    it("cancels an accepted invoice if it cancels at all, within a declared period", async () => {
      const d = await driver();
      if (!d.provider.cancel) {
        // No cancellation, no period: the cancel route refuses its invoices (refunds credit them).
        expect(d.provider.cancelWithinDays).toBeUndefined();
        return;
      }
      expect(d.provider.cancelWithinDays).toBeGreaterThan(0);
      const doc = sampleDocument(d);
      const first = await d.provider.submit(d.ctx, doc);
      const accepted = await finalOutcome(d, doc);
      expect(accepted.status).toBe("accepted");
      const reference =
        (accepted.status === "accepted" && accepted.reference) || ("reference" in first && first.reference) || "";
      expect(await d.provider.cancel(d.ctx, doc, reference)).toEqual({ status: "cancelled" });
    });

    // `ubl` has no authority that could refuse: skipped there, visibly.
    it.skipIf(!capabilities.refusals)("reports a refusal as data with the provider's code and reason", async () => {
      const d = await driver();
      const doc = sampleDocument(d);
      if (d.refuse) {
        await d.refuse(doc);
        const outcome = await d.provider.submit(d.ctx, doc);
        expect(outcome).toMatchObject({ status: "rejected", code: expect.any(String), reason: expect.any(String) });
        return;
      }
      const first = await d.provider.submit(d.ctx, doc);
      await d.decide!(doc, "error");
      const outcome = await d.provider.check!(d.ctx, doc, first.status === "submitted" ? (first.reference ?? "") : "");
      expect(outcome.status).toBe("rejected");
    });
  });
}
