import type {
  BillingDetails,
  BillingDetailsInput,
  CreditNote,
  Invoice,
  InvoiceListParams,
  LegalEntity,
  LegalEntityInput,
} from "../generated/types.js";
import { type Http, type RequestOptions, seg } from "./http.js";
import { Namespace, type Page, paginate } from "./resources.js";

/**
 * Who appears on invoices (`tessera.invoicing`): a storefront's legal entity, a customer's billing details.
 *
 * @example
 * await tessera.invoicing.setBillingDetails("cus_123", { name: "Ada GmbH", type: "business", vat_id: "DE123456789", address });
 */
export class InvoicingApi extends Namespace {
  /**
   * Sets the seller of a storefront's invoices: legal name, address, tax ids, series.
   *
   * @example
   * await tessera.invoicing.setLegalEntity("web", { legal_name: "Acme GmbH", address, vat_id: "DE123456789" });
   */
  setLegalEntity(storefront: string, input: LegalEntityInput, options?: RequestOptions): Promise<LegalEntity> {
    return this.call("PUT", `/v1/storefronts/${seg(storefront)}/legal-entity`, { ...options, json: input });
  }

  /**
   * A storefront's legal entity.
   *
   * @example
   * const seller = await tessera.invoicing.retrieveLegalEntity("web");
   */
  retrieveLegalEntity(storefront: string, options?: RequestOptions): Promise<LegalEntity> {
    return this.call("GET", `/v1/storefronts/${seg(storefront)}/legal-entity`, options);
  }

  /**
   * Sets a customer's billing details (validated: ISO country, VAT id format).
   *
   * @example
   * await tessera.invoicing.setBillingDetails("cus_123", { name: "Ada", address: { line1: "Main St 1", city: "Berlin", country: "DE" } });
   */
  setBillingDetails(customer: string, input: BillingDetailsInput, options?: RequestOptions): Promise<BillingDetails> {
    return this.call("PUT", `/v1/customers/${seg(customer)}/billing-details`, { ...options, json: input });
  }

  /**
   * A customer's billing details.
   *
   * @example
   * const details = await tessera.invoicing.retrieveBillingDetails("cus_123");
   */
  retrieveBillingDetails(customer: string, options?: RequestOptions): Promise<BillingDetails> {
    return this.call("GET", `/v1/customers/${seg(customer)}/billing-details`, options);
  }
}

/**
 * Invoices (`tessera.invoices`, one per captured charge) or credit notes (`tessera.creditNotes`,
 * one per refund, referencing its invoice): the same reads under two paths, with XML and PDF.
 *
 * @example
 * const { data } = await tessera.invoices.list({ subscription: "sub_123" });
 */
export class FiscalDocumentsApi<T extends Invoice | CreditNote> extends Namespace {
  readonly #base: string;

  constructor(http: Http, base: "/v1/invoices" | "/v1/credit-notes") {
    super(http);
    this.#base = base;
  }

  /**
   * One page, newest first, filtered by customer, subscription, payment or storefront.
   *
   * @example
   * const { data } = await tessera.invoices.list({ customer: "cus_123" });
   */
  list(params?: InvoiceListParams, options?: RequestOptions): Promise<Page<T>> {
    return this.call("GET", this.#base, { ...options, query: params });
  }

  /**
   * Every document, fetching pages as the loop goes.
   *
   * @example
   * for await (const invoice of tessera.invoices.all({ storefront: "web" })) console.log(invoice.number);
   */
  all(params?: InvoiceListParams): AsyncGenerator<T> {
    return paginate((page) => this.list(page), params);
  }

  /**
   * One document.
   *
   * @example
   * const invoice = await tessera.invoices.retrieve("inv_123");
   */
  retrieve(id: string, options?: RequestOptions): Promise<T> {
    return this.call("GET", `${this.#base}/${seg(id)}`, options);
  }

  /**
   * The document as EN 16931 UBL 2.1 XML (UBL-TR for Turkish storefronts).
   *
   * @example
   * const xml = await tessera.invoices.xml("inv_123");
   */
  xml(id: string, options?: RequestOptions): Promise<string> {
    return this.call("GET", `${this.#base}/${seg(id)}.xml`, {
      ...options,
      document: { accept: "application/xml", as: "text" },
    });
  }

  /**
   * The document as a PDF.
   *
   * @example
   * const pdf = await tessera.invoices.pdf("inv_123");
   */
  pdf(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return this.call("GET", `${this.#base}/${seg(id)}.pdf`, {
      ...options,
      document: { accept: "application/pdf", as: "bytes" },
    });
  }
}
