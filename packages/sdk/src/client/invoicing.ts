import type {
  BillingDetails,
  BillingDetailsInput,
  CreditNote,
  Invoice,
  InvoiceBackfill,
  InvoiceBackfillInput,
  InvoiceListParams,
  LegalEntity,
  LegalEntityInput,
} from "../generated/types.js";
import { type RequestOptions, seg } from "./http.js";
import { Namespace, type Page, paginate } from "./resources.js";

/** Fiscal invoices, one per captured charge (`tessera.invoices`); docs/invoicing.md. */
export class InvoicesApi extends Namespace {
  /**
   * One page of invoices, newest first (filter by customer, subscription, payment, storefront).
   *
   * @example
   * const { data } = await tessera.invoices.list({ customer: "cus_123" });
   */
  list(params?: InvoiceListParams, options?: RequestOptions): Promise<Page<Invoice>> {
    return this.call("GET", "/v1/invoices", { ...options, query: params });
  }

  /**
   * Every invoice that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const invoice of tessera.invoices.all({ subscription: "sub_123" })) console.log(invoice.number);
   */
  all(params?: InvoiceListParams): AsyncGenerator<Invoice> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * An invoice.
   *
   * @example
   * const invoice = await tessera.invoices.retrieve("inv_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<Invoice> {
    return this.call("GET", `/v1/invoices/${seg(id)}`, options);
  }

  /**
   * The invoice as XML: EN 16931 UBL 2.1, or UBL-TR for a tr-earsiv storefront.
   *
   * @example
   * const xml = await tessera.invoices.retrieveXml("inv_123");
   */
  retrieveXml(id: string, options?: RequestOptions): Promise<string> {
    return this.call("GET", `/v1/invoices/${seg(id)}.xml`, { ...options, as: "text" });
  }

  /**
   * The invoice as PDF bytes.
   *
   * @example
   * const pdf = await tessera.invoices.retrievePdf("inv_123");
   */
  retrievePdf(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return this.call("GET", `/v1/invoices/${seg(id)}.pdf`, { ...options, as: "bytes" });
  }

  /**
   * The invoice as a self-contained HTML page (the same content as the PDF).
   *
   * @example
   * const html = await tessera.invoices.retrieveHtml("inv_123");
   */
  retrieveHtml(id: string, options?: RequestOptions): Promise<string> {
    return this.call("GET", `/v1/invoices/${seg(id)}.html`, { ...options, as: "text" });
  }

  /**
   * Cancels an invoice with its fiscal provider where the regime allows it (e-Arşiv iptal, within
   * 7 days); elsewhere the answer is 409 INVOICE_NOT_CANCELLABLE and a refund credits it instead.
   *
   * @example
   * const cancelled = await tessera.invoices.cancel("inv_123");
   */
  cancel(id: string, options?: RequestOptions): Promise<Invoice> {
    return this.call("POST", `/v1/invoices/${seg(id)}/cancel`, options);
  }

  /**
   * Invoices a storefront's charges captured before it had a legal entity, oldest first; call
   * again while `has_more`. `dry_run` lists them without issuing.
   *
   * @example
   * const { invoices, has_more } = await tessera.invoices.backfill({ storefront: "web", since: "2026-01-01T00:00:00Z" });
   */
  backfill(input: InvoiceBackfillInput, options?: RequestOptions): Promise<InvoiceBackfill> {
    return this.call("POST", "/v1/invoices/backfill", { ...options, json: input });
  }
}

/** Credit notes, one per refund (`tessera.creditNotes`). */
export class CreditNotesApi extends Namespace {
  /**
   * One page of credit notes, newest first.
   *
   * @example
   * const { data } = await tessera.creditNotes.list({ payment: "pay_123" });
   */
  list(params?: InvoiceListParams, options?: RequestOptions): Promise<Page<CreditNote>> {
    return this.call("GET", "/v1/credit-notes", { ...options, query: params });
  }

  /**
   * Every credit note that matches, fetching pages as the loop goes.
   *
   * @example
   * for await (const note of tessera.creditNotes.all()) console.log(note.number, note.invoice_number);
   */
  all(params?: InvoiceListParams): AsyncGenerator<CreditNote> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * A credit note.
   *
   * @example
   * const note = await tessera.creditNotes.retrieve("cn_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<CreditNote> {
    return this.call("GET", `/v1/credit-notes/${seg(id)}`, options);
  }

  /**
   * The credit note as XML.
   *
   * @example
   * const xml = await tessera.creditNotes.retrieveXml("cn_123");
   */
  retrieveXml(id: string, options?: RequestOptions): Promise<string> {
    return this.call("GET", `/v1/credit-notes/${seg(id)}.xml`, { ...options, as: "text" });
  }

  /**
   * The credit note as PDF bytes.
   *
   * @example
   * const pdf = await tessera.creditNotes.retrievePdf("cn_123");
   */
  retrievePdf(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return this.call("GET", `/v1/credit-notes/${seg(id)}.pdf`, { ...options, as: "bytes" });
  }

  /**
   * The credit note as a self-contained HTML page.
   *
   * @example
   * const html = await tessera.creditNotes.retrieveHtml("cn_123");
   */
  retrieveHtml(id: string, options?: RequestOptions): Promise<string> {
    return this.call("GET", `/v1/credit-notes/${seg(id)}.html`, { ...options, as: "text" });
  }
}

/** The seller's legal entity per storefront (`tessera.legalEntities`). */
export class LegalEntitiesApi extends Namespace {
  /**
   * Sets a storefront's legal entity; invoicing starts with it.
   *
   * @example
   * await tessera.legalEntities.set("sf_123", { legal_name: "Acme GmbH", address: { line1: "Weg 1", city: "Berlin", country: "DE" }, vat_id: "DE123456789" });
   */
  set(storefront: string, input: LegalEntityInput, options?: RequestOptions): Promise<LegalEntity> {
    return this.call("PUT", `/v1/storefronts/${seg(storefront)}/legal-entity`, { ...options, json: input });
  }

  /**
   * A storefront's legal entity.
   *
   * @example
   * const seller = await tessera.legalEntities.retrieve("sf_123");
   */
  retrieve(storefront: string, options?: RequestOptions): Promise<LegalEntity> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/legal-entity`, options);
  }
}

/** Customers' billing details for invoices (`tessera.billingDetails`). */
export class BillingDetailsApi extends Namespace {
  /**
   * Sets a customer's billing details.
   *
   * @example
   * await tessera.billingDetails.set("cus_123", { name: "Ada", address: { line1: "Rue 1", city: "Paris", country: "FR" } });
   */
  set(customer: string, input: BillingDetailsInput, options?: RequestOptions): Promise<BillingDetails> {
    return this.call("PUT", `/v1/customers/${seg(customer)}/billing-details`, { ...options, json: input });
  }

  /**
   * A customer's billing details.
   *
   * @example
   * const details = await tessera.billingDetails.retrieve("cus_123");
   */
  retrieve(customer: string, options?: RequestOptions): Promise<BillingDetails> {
    return this.call("GET", `/v1/customers/${seg(customer)}/billing-details`, options);
  }
}
