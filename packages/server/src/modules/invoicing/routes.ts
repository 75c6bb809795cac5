import { OpenAPIHono } from "@hono/zod-openapi";
import {
  BillingDetails,
  BillingDetailsInput,
  CreditNote,
  Invoice,
  InvoiceBackfill,
  InvoiceBackfillInput,
  InvoiceListQuery,
  LegalEntity,
  LegalEntityInput,
  listOf,
} from "@tessera/core";
import type { Context } from "hono";
import { z } from "zod";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, tenantRoute } from "../../http/route.js";

const tags = ["Invoicing"];

const xml = (description: string) => ({
  description,
  content: {
    "application/xml": { schema: z.string().meta({ description: "UBL 2.1 (or the fiscal provider's format)" }) },
  },
});
const pdf = (description: string) => ({
  description,
  content: { "application/pdf": { schema: z.string().meta({ format: "binary" }) } },
});

const html = (description: string) => ({
  description,
  content: { "text/html": { schema: z.string().meta({ description: "A self-contained HTML page" }) } },
});

type Kind = "invoice" | "credit_note";

/**
 * `GET …/{id}`, `…/{id}.xml`, `…/{id}.pdf` and `…/{id}.html` are one route to Hono (its router reads `:id.xml`
 * as a parameter named `id.xml`), so the `{id}` handler serves all four by suffix; the suffixed
 * operations are declared for the OpenAPI document and this suite's checks.
 */
async function serve(c: Context<AppEnv>, kind: Kind, raw: string) {
  const services = c.get("services");
  const scope = scopeOf(c);
  const match = /^(.+)\.(xml|pdf|html)$/.exec(raw);
  if (!match) {
    const doc =
      kind === "invoice"
        ? await services.invoicing.getInvoice(scope, raw)
        : await services.invoicing.getCreditNote(scope, raw);
    return c.json(doc, 200);
  }
  const [, id, format] = match as unknown as [string, string, "xml" | "pdf" | "html"];
  if (format === "xml") {
    const rendered = await services.invoicing.renderXml(scope, kind, id);
    return c.body(rendered.body, 200, { "content-type": `${rendered.contentType}; charset=utf-8` });
  }
  if (format === "html") {
    const page = await services.invoicing.renderHtml(scope, kind, id);
    // The page loads nothing: a strict policy keeps any text in it from ever running.
    return c.body(page, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    });
  }
  const bytes = await services.invoicing.renderPdf(scope, kind, id);
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/pdf" });
}

function documentRoutes(kind: Kind, base: string, schema: typeof Invoice | typeof CreditNote, name: string) {
  const label = kind === "invoice" ? "invoice" : "credit note";
  return new OpenAPIHono<AppEnv>()
    .openapi(
      tenantRoute("invoices:read", {
        method: "get",
        path: base,
        tags,
        summary: `List ${label}s, newest first (filter by customer, subscription, payment or storefront)`,
        request: { query: InvoiceListQuery },
        responses: { 200: json(listOf(schema, name), `A page of ${label}s`) },
      }),
      async (c) => {
        const q = c.req.valid("query");
        const invoicing = c.get("services").invoicing;
        const page =
          kind === "invoice"
            ? await invoicing.listInvoices(scopeOf(c), q)
            : await invoicing.listCreditNotes(scopeOf(c), q);
        return c.json(page as never, 200);
      },
    )
    .openapi(
      tenantRoute("invoices:read", {
        method: "get",
        path: `${base}/{id}`,
        tags,
        summary: `Get a ${label}`,
        request: { params: IdParam },
        responses: { 200: json(schema, `The ${label}`) },
      }),
      (c) => serve(c, kind, c.req.valid("param").id) as never,
    )
    .openapi(
      tenantRoute("invoices:read", {
        method: "get",
        path: `${base}/{id}.xml`,
        tags,
        summary: `Get a ${label} as XML: EN 16931 UBL 2.1 (Peppol BIS 3.0), or UBL-TR for tr-earsiv storefronts`,
        request: { params: IdParam },
        responses: { 200: xml(`The ${label} as XML`) },
      }),
      (c) => serve(c, kind, `${c.req.param("id.xml" as "id")}.xml`) as never,
    )
    .openapi(
      tenantRoute("invoices:read", {
        method: "get",
        path: `${base}/{id}.pdf`,
        tags,
        summary: `Get a ${label} as PDF`,
        request: { params: IdParam },
        responses: { 200: pdf(`The ${label} as PDF`) },
      }),
      (c) => serve(c, kind, `${c.req.param("id.pdf" as "id")}.pdf`) as never,
    )
    .openapi(
      tenantRoute("invoices:read", {
        method: "get",
        path: `${base}/{id}.html`,
        tags,
        summary: `Get a ${label} as a self-contained HTML page (the same content as the PDF)`,
        request: { params: IdParam },
        responses: { 200: html(`The ${label} as HTML`) },
      }),
      (c) => serve(c, kind, `${c.req.param("id.html" as "id")}.html`) as never,
    );
}

const StorefrontParam = IdParam;

export const invoicingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("invoices:write", {
      method: "put",
      path: "/v1/storefronts/{id}/legal-entity",
      tags,
      summary: "Set the seller's legal entity of a storefront (its invoices' issuer); invoicing starts with it",
      request: { params: StorefrontParam, body: jsonBody(LegalEntityInput) },
      responses: { 200: json(LegalEntity, "The legal entity") },
    }),
    async (c) =>
      c.json(
        await c.get("services").invoicing.putLegalEntity(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("invoices:read", {
      method: "get",
      path: "/v1/storefronts/{id}/legal-entity",
      tags,
      summary: "Get a storefront's legal entity (404 when none is set: the storefront does not invoice)",
      request: { params: StorefrontParam },
      responses: { 200: json(LegalEntity, "The legal entity") },
    }),
    async (c) => c.json(await c.get("services").invoicing.getLegalEntity(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("invoices:write", {
      method: "put",
      path: "/v1/customers/{id}/billing-details",
      tags,
      summary: "Set a customer's billing details (name, address, country, VAT id for businesses)",
      request: { params: IdParam, body: jsonBody(BillingDetailsInput) },
      responses: { 200: json(BillingDetails, "The billing details") },
    }),
    async (c) =>
      c.json(
        await c.get("services").invoicing.putBillingDetails(scopeOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )
  .openapi(
    tenantRoute("invoices:read", {
      method: "get",
      path: "/v1/customers/{id}/billing-details",
      tags,
      summary: "Get a customer's billing details (404 when none were given)",
      request: { params: IdParam },
      responses: { 200: json(BillingDetails, "The billing details") },
    }),
    async (c) => c.json(await c.get("services").invoicing.getBillingDetails(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("invoices:write", {
      method: "post",
      path: "/v1/invoices/{id}/cancel",
      tags,
      summary:
        "Cancel an invoice with its fiscal provider where the regime allows it (e-Arşiv iptal, within 7 days); elsewhere refund the payment",
      request: { params: IdParam },
      responses: { 200: json(Invoice, "The cancelled invoice") },
    }),
    async (c) => c.json(await c.get("services").invoicing.cancelInvoice(scopeOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("invoices:write", {
      method: "post",
      path: "/v1/invoices/backfill",
      tags,
      summary:
        "Invoice a storefront's charges captured before it had a legal entity (oldest first, in batches; dry_run lists them)",
      request: { body: jsonBody(InvoiceBackfillInput) },
      responses: { 200: json(InvoiceBackfill, "What this call took and issued") },
    }),
    async (c) => c.json(await c.get("services").invoicing.backfillInvoices(scopeOf(c), c.req.valid("json")), 200),
  )
  .route("/", documentRoutes("invoice", "/v1/invoices", Invoice, "Invoice"))
  .route("/", documentRoutes("credit_note", "/v1/credit-notes", CreditNote, "CreditNote"));
