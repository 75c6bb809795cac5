import type {
  BillingDetails,
  BillingDetailsInput,
  CreditNote,
  Invoice,
  InvoiceListQuery,
  LegalEntity,
  LegalEntityInput,
  Payment,
} from "@tessera/core";
import type { Deps, Scope } from "../../context.js";
import type { InvoiceRow, InvoicesTable } from "../../db/types.js";
import { isUniqueViolation, notFound } from "../../errors.js";
import type { JobRegistry } from "../../jobs/registry.js";
import { isoNow } from "../../lib/clock.js";
import { newId } from "../../lib/ids.js";
import { toJson } from "../../lib/json.js";
import { type Page, toPage } from "../../lib/pagination.js";
import type { CatalogService } from "../catalog/service.js";
import type { CustomersService } from "../customers/service.js";
import type { EventsService } from "../events/service.js";
import type { PaymentsService } from "../payments/service.js";
import type { StorefrontsService } from "../storefronts/service.js";
import type { SubscriptionsService } from "../subscriptions/service.js";
import { backfill } from "./backfill.js";
import { cancellation } from "./cancellation.js";
import type { FiscalProviderRegistry } from "./fiscal/registry.js";
import { fiscalization } from "./fiscalize.js";
import { renderHtml } from "./html.js";
import {
  buyerOf,
  type DiscountLookup,
  type Draft,
  draftCreditNote,
  draftInvoice,
  type IssueContext,
  numbering,
} from "./issue.js";
import { takeNumber } from "./numbering.js";
import { renderPdf } from "./pdf.js";
import { forEvent } from "./personal-data.js";
import * as repo from "./repo.js";
import { type StoredDocument, toBillingDetails, toCreditNote, toDocument, toInvoice, toLegalEntity } from "./views.js";

type Kind = InvoicesTable["kind"];

/** A payment that was captured at some point (an abandoned charge, voided before anyone knew, never was). */
function wasCaptured(p: Payment): boolean {
  return (p.status === "succeeded" || p.status === "refunded") && p.failure_code !== "abandoned";
}

/**
 * Fiscal invoicing (docs/invoicing.md): legal entities and billing details, one invoice per
 * captured charge and one credit note per refund, numbered gaplessly, rendered as EN 16931 UBL
 * (or the storefront's fiscal provider's format) and PDF, and fiscalized asynchronously.
 */
export function invoicingService(
  deps: Deps,
  o: {
    storefronts: Pick<StorefrontsService, "requireStorefront" | "providerCredentials">;
    customers: Pick<CustomersService, "requireCustomer">;
    subscriptions: Pick<SubscriptionsService, "get">;
    catalog: Pick<CatalogService, "getPrice">;
    payments: Pick<PaymentsService, "get">;
    events: Pick<EventsService, "record">;
    jobs: JobRegistry;
    fiscal: FiscalProviderRegistry;
  },
) {
  const { db, clock } = deps;
  const fiscal = fiscalization(deps, o);
  const cancelInvoice = cancellation(deps, o);
  let discounts: DiscountLookup | undefined;

  async function requireDocument(scope: Scope, kind: Kind, id: string): Promise<InvoiceRow> {
    const row = await repo.findDocument(db, scope, kind, id);
    if (!row) throw notFound(kind === "invoice" ? "invoice" : "credit note", id);
    return row;
  }

  async function issueContext(scope: Scope, payment: Payment): Promise<IssueContext | undefined> {
    // A customer belongs to one storefront, the one its subscriptions are sold and charged by.
    const customer = await o.customers.requireCustomer(scope, payment.customer);
    const entity = await repo.findLegalEntity(db, scope, customer.storefront);
    // A storefront without a legal entity does not invoice (docs/invoicing.md).
    if (!entity) return undefined;
    const storefront = await o.storefronts.requireStorefront(scope, entity.storefront_id);
    const details = await repo.findBillingDetails(db, scope, payment.customer);
    const subscription = payment.subscription ? await o.subscriptions.get(scope, payment.subscription) : null;
    const priced = subscription ? await o.catalog.getPrice(scope, subscription.price) : null;
    const providerName = storefront.fiscal_provider?.name ?? null;
    return {
      // Discounts come off before tax is added (billing/charge-tax.ts): matched on the net charged.
      discount: (await discounts?.(scope, { ...payment, amount: payment.amount - (payment.tax?.amount ?? 0) })) ?? null,
      entity,
      buyer: buyerOf(details, customer),
      subscription,
      price: priced?.price ?? null,
      bundleName: priced?.bundle.name ?? null,
      fiscalProvider: o.fiscal.find(providerName) ?? null,
      fiscalProviderName: providerName,
    };
  }

  /**
   * Writes one document with the next number of its series, its event, and its fiscal job, in one
   * transaction. The unique source key turns a second attempt into a no-op (undefined); its
   * rollback gives the number back, so the series has no gap.
   */
  async function write(
    scope: Scope,
    c: IssueContext,
    d: {
      kind: Kind;
      sourceKey: string;
      payment: Payment;
      draft: Draft;
      invoice?: InvoiceRow;
      credit?: { from: number; to: number };
    },
  ): Promise<InvoiceRow | undefined> {
    const now = isoNow(scope.clock);
    const issueDate = now.slice(0, 10);
    const series = d.kind === "invoice" ? c.entity.invoice_series : c.entity.credit_note_series;
    const number = numbering(c.fiscalProvider, c.entity, series, issueDate);
    const { totals } = d.draft;
    const stored: StoredDocument = { ...d.draft.stored, lines: totals.lines, tax_subtotals: totals.taxSubtotals };
    try {
      return await db.transaction().execute(async (tx) => {
        if (await repo.findBySource(tx, scope, d.sourceKey)) return undefined;
        const sequence = await takeNumber(tx, scope, {
          storefrontId: c.entity.storefront_id,
          series,
          year: number.year,
        });
        const row: InvoiceRow = {
          id: newId(d.kind),
          tenant_id: scope.tenantId,
          environment_id: scope.environmentId,
          kind: d.kind,
          source_key: d.sourceKey,
          storefront_id: c.entity.storefront_id,
          customer_id: d.payment.customer,
          subscription_id: d.payment.subscription,
          payment_id: d.payment.id,
          invoice_id: d.invoice?.id ?? null,
          series,
          year: number.year,
          sequence,
          number: number.format(sequence),
          uuid: crypto.randomUUID(),
          issue_date: issueDate,
          currency: d.payment.currency,
          net_total: totals.netTotal,
          tax_total: totals.taxTotal,
          rounding_amount: totals.roundingAmount,
          total: totals.total,
          amount_paid: d.draft.amountPaid,
          credited_amount: 0,
          credit_from: d.credit?.from ?? null,
          credit_to: d.credit?.to ?? null,
          document: toJson(stored),
          fiscal_provider: c.fiscalProviderName,
          fiscal_status: c.fiscalProviderName ? "pending" : "none",
          fiscal_reference: null,
          fiscal_reason: null,
          fiscal_attempts: 0,
          cancelled_at: null,
          created_at: now,
          updated_at: now,
        };
        await repo.insertDocument(tx, row);
        if (d.invoice && d.credit)
          await repo.updateDocument(tx, scope, d.invoice.id, { credited_amount: d.credit.to, updated_at: now });
        await o.events.record(tx, scope, {
          type: d.kind === "invoice" ? "invoice.issued" : "credit_note.issued",
          object: forEvent(toDocument(row)),
        });
        if (c.fiscalProviderName) await fiscal.schedule(tx, scope, row.id);
        return row;
      });
    } catch (error) {
      // Another worker issued it between our check and our insert.
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  async function issueInvoice(scope: Scope, payment: Payment): Promise<InvoiceRow | undefined> {
    if (!wasCaptured(payment)) return undefined;
    const sourceKey = `payment:${payment.id}`;
    const existing = await repo.findBySource(db, scope, sourceKey);
    if (existing) return existing;
    const c = await issueContext(scope, payment);
    if (!c) return undefined;
    const issueDate = isoNow(scope.clock).slice(0, 10);
    await write(scope, c, { kind: "invoice", sourceKey, payment, draft: draftInvoice(c, payment, issueDate) });
    return repo.findBySource(db, scope, sourceKey);
  }

  /**
   * Credits what was refunded since the last credit note. Refund events carry the payment's
   * refunded total, so a credit note covers [credited so far, refunded total): duplicates and
   * out-of-order events credit nothing twice, and the unique key on the start makes two workers
   * with the same start issue one.
   */
  async function issueCreditNotes(scope: Scope, payment: Payment): Promise<void> {
    if (!wasCaptured(payment)) return;
    const invoice = await issueInvoice(scope, payment);
    // A cancelled invoice (e-Arşiv iptal) no longer stands: there is nothing to return.
    if (!invoice || invoice.fiscal_status === "cancelled") return;
    for (let attempt = 0; attempt < 5; attempt++) {
      const fresh = (await repo.findDocument(db, scope, "invoice", invoice.id))!;
      const from = Number(fresh.credited_amount);
      const to = payment.refunded_amount;
      if (to <= from) return;
      const c = await issueContext(scope, payment);
      if (!c) return;
      const stored = JSON.parse(fresh.document) as StoredDocument;
      const written = await write(scope, c, {
        kind: "credit_note",
        sourceKey: `refund:${payment.id}:${from}`,
        payment,
        draft: draftCreditNote(stored, fresh.number, to - from),
        invoice: fresh,
        credit: { from, to },
      });
      if (written) return;
    }
  }

  return {
    fiscal: o.fiscal,

    /** Campaigns tell what a discount took off a charge: the invoice shows it as a discount line. */
    registerDiscounts(lookup: DiscountLookup): void {
      discounts = lookup;
    },
    issueInvoice,
    issueCreditNotes,
    cancelInvoice,
    backfillInvoices: backfill(deps, { ...o, issueInvoice, issueCreditNotes }),

    async putLegalEntity(scope: Scope, storefrontRef: string, input: LegalEntityInput): Promise<LegalEntity> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      const now = isoNow(clock);
      const before = await repo.findLegalEntity(db, scope, storefront.id);
      await repo.upsertLegalEntity(db, {
        storefront_id: storefront.id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        legal_name: input.legal_name,
        address: toJson(input.address),
        vat_id: input.vat_id,
        tax_number: input.tax_number,
        tax_office: input.tax_office,
        email: input.email,
        invoice_series: input.invoice_series,
        credit_note_series: input.credit_note_series,
        numbering_reset: input.numbering_reset,
        prices_include_tax: input.prices_include_tax ? 1 : 0,
        created_at: before?.created_at ?? now,
        updated_at: now,
      });
      return toLegalEntity((await repo.findLegalEntity(db, scope, storefront.id))!);
    },

    async getLegalEntity(scope: Scope, storefrontRef: string): Promise<LegalEntity> {
      const storefront = await o.storefronts.requireStorefront(scope, storefrontRef);
      const row = await repo.findLegalEntity(db, scope, storefront.id);
      if (!row) throw notFound("legal entity of storefront", storefrontRef);
      return toLegalEntity(row);
    },

    async putBillingDetails(scope: Scope, customerId: string, input: BillingDetailsInput): Promise<BillingDetails> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      const now = isoNow(clock);
      const before = await repo.findBillingDetails(db, scope, customer.id);
      await repo.upsertBillingDetails(db, {
        customer_id: customer.id,
        tenant_id: scope.tenantId,
        environment_id: scope.environmentId,
        type: input.type,
        name: input.name,
        address: toJson(input.address),
        vat_id: input.vat_id,
        tax_number: input.tax_number,
        created_at: before?.created_at ?? now,
        updated_at: now,
      });
      return toBillingDetails((await repo.findBillingDetails(db, scope, customer.id))!);
    },

    async getBillingDetails(scope: Scope, customerId: string): Promise<BillingDetails> {
      const customer = await o.customers.requireCustomer(scope, customerId);
      const row = await repo.findBillingDetails(db, scope, customer.id);
      if (!row) throw notFound("billing details of customer", customerId);
      return toBillingDetails(row);
    },

    /** Erasure: the live billing details go; issued invoices stay as the law keeps them. */
    eraseBillingDetails: (scope: Scope, customerId: string) => repo.deleteBillingDetails(db, scope, customerId),

    async listInvoices(scope: Scope, q: InvoiceListQuery): Promise<Page<Invoice>> {
      return toPage(await repo.pageDocuments(db, scope, "invoice", q, filterOf(q)), toInvoice);
    },
    async listCreditNotes(scope: Scope, q: InvoiceListQuery): Promise<Page<CreditNote>> {
      return toPage(await repo.pageDocuments(db, scope, "credit_note", q, filterOf(q)), toCreditNote);
    },
    getInvoice: async (scope: Scope, id: string) => toInvoice(await requireDocument(scope, "invoice", id)),
    getCreditNote: async (scope: Scope, id: string) => toCreditNote(await requireDocument(scope, "credit_note", id)),

    /** The document in its fiscal provider's format (EN 16931 UBL by default). */
    async renderXml(scope: Scope, kind: Kind, id: string) {
      const row = await requireDocument(scope, kind, id);
      return o.fiscal.renderer(row.fiscal_provider).render(toDocument(row));
    },

    async renderPdf(scope: Scope, kind: Kind, id: string): Promise<Uint8Array> {
      return renderPdf(toDocument(await requireDocument(scope, kind, id)));
    },

    /** The same content as the PDF, as one self-contained HTML page. */
    async renderHtml(scope: Scope, kind: Kind, id: string): Promise<string> {
      return renderHtml(toDocument(await requireDocument(scope, kind, id)));
    },
  };
}

function filterOf(q: InvoiceListQuery): repo.DocumentFilter {
  return { customerId: q.customer, subscriptionId: q.subscription, paymentId: q.payment, storefrontId: q.storefront };
}

export type InvoicingService = ReturnType<typeof invoicingService>;
