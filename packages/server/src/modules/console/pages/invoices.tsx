/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { CreditNote, Invoice, InvoiceParty } from "@tessera/core";
import { Field, Money, problemText, Section, Select, Status, Table, Time } from "../ui.js";
import type { ConsolePage, PageContext } from "./registry.js";

/*
 * Invoices and credit notes (the invoicing module's fiscal documents): a list with the API's
 * filters, one document with its lines and taxes, and its PDF and XML (UBL) as downloads. The
 * documents are the API's own renderings, fetched with the viewer's token.
 */

type Document = Invoice | CreditNote;

const KINDS = [
  ["invoices", "Invoices"],
  ["credit-notes", "Credit notes"],
] as Array<[string, string]>;
const FILTERS = ["customer", "subscription", "payment", "storefront"] as const;

/** Credit notes are `cn_…`; everything else on this page is an invoice. */
const apiBase = (id: string) => (id.startsWith("cn_") ? "/v1/credit-notes" : "/v1/invoices");
const documentPath = (id: string) => `invoices/${encodeURIComponent(id)}`;

/** A document's PDF and XML, as downloads. */
export function DocumentFiles(props: { id: string; href: PageContext["href"] }) {
  const path = documentPath(props.id);
  return (
    <>
      <a href={props.href(`${path}/pdf`)} download>
        PDF
      </a>{" "}
      <a href={props.href(`${path}/xml`)} download>
        XML
      </a>
    </>
  );
}

export function documentRows(docs: Document[], href: PageContext["href"]) {
  return docs.map((d) => [
    <a href={href(documentPath(d.id))}>{d.number}</a>,
    <DocumentFiles id={d.id} href={href} />,
    <Time at={d.created_at} />,
    <a href={href(`customers/${d.customer}`)}>{d.customer}</a>,
    d.subscription ? <a href={href(`subscriptions/${d.subscription}`)}>{d.subscription}</a> : "—",
    <Money amount={d.total} currency={d.currency} />,
    <Status value={d.fiscal.status} />,
  ]);
}

export const DOCUMENT_HEAD = ["Number", "Files", "Issued", "Customer", "Subscription", "Total", "Fiscal"];

export const invoicesPage: ConsolePage = {
  path: "invoices",
  nav: "Invoices",
  permission: "invoices:read",
  async render({ api, query, href }) {
    const kind = query.kind === "credit-notes" ? "credit-notes" : "invoices";
    const filter = new URLSearchParams({ limit: "50" });
    const kept: Record<string, string> = { kind };
    for (const name of FILTERS) {
      const value = query[name]?.trim();
      if (value) {
        filter.set(name, value);
        kept[name] = value;
      }
    }
    if (query.starting_after) filter.set("starting_after", query.starting_after);
    const res = await api<{ data: Document[]; next_cursor: string | null }>("GET", `/v1/${kind}?${filter}`);
    return {
      title: kind === "invoices" ? "Invoices" : "Credit notes",
      body: (
        <>
          <form method="get" action={href("invoices")} class="actions">
            <Select label="Documents" name="kind" options={KINDS} value={kind} />
            {FILTERS.map((name) => (
              <Field label={`${name[0]!.toUpperCase()}${name.slice(1)} id`} name={name} value={kept[name]} />
            ))}
            <button type="submit">Filter</button>
          </form>
          {res.ok ? (
            <>
              <Table
                caption={kind === "invoices" ? "Newest invoices" : "Newest credit notes"}
                head={DOCUMENT_HEAD}
                rows={documentRows(res.body.data, href)}
                empty={kind === "invoices" ? "No invoices match." : "No credit notes match."}
              />
              {res.body.next_cursor ? (
                <p>
                  <a
                    href={`${href("invoices")}?${new URLSearchParams({ ...kept, starting_after: res.body.next_cursor })}`}
                  >
                    Older documents
                  </a>
                </p>
              ) : null}
            </>
          ) : (
            <p class="error">{problemText(res.body)}</p>
          )}
        </>
      ),
    };
  },
};

const Party = (props: { party: InvoiceParty }) => (
  <>
    {props.party.name ?? "—"}
    {props.party.country ? `, ${props.party.country}` : ""}
    {props.party.vat_id ? ` (VAT ${props.party.vat_id})` : ""}
  </>
);

export const invoicePage: ConsolePage = {
  path: "invoices/:id",
  permission: "invoices:read",
  async render({ api, params, href }) {
    const id = params.id!;
    const res = await api<Document>("GET", `${apiBase(id)}/${encodeURIComponent(id)}`);
    if (!res.ok) return { title: "Invoice", body: <p class="error">{problemText(res.body)}</p> };
    const doc = res.body;
    const notes =
      doc.object === "invoice"
        ? await api<{ data: CreditNote[] }>("GET", `/v1/credit-notes?payment=${doc.payment}&limit=100`)
        : undefined;
    const label = doc.object === "invoice" ? "Invoice" : "Credit note";
    return {
      title: `${label} ${doc.number}`,
      body: (
        <>
          <p class="actions">
            <a href={href(`${documentPath(doc.id)}/pdf`)} download>
              Download PDF
            </a>
            <a href={href(`${documentPath(doc.id)}/xml`)} download>
              Download XML (UBL)
            </a>
          </p>
          <Section title="Summary" id="summary">
            <dl class="props">
              <dt>Number</dt>
              <dd>
                {doc.number} (series {doc.series})
              </dd>
              <dt>Issued</dt>
              <dd>{doc.issue_date}</dd>
              {doc.object === "credit_note" ? (
                <>
                  <dt>Credits invoice</dt>
                  <dd>
                    <a href={href(documentPath(doc.invoice))}>{doc.invoice_number}</a>
                  </dd>
                </>
              ) : null}
              <dt>Seller</dt>
              <dd>
                <Party party={doc.seller} />
              </dd>
              <dt>Buyer</dt>
              <dd>
                <Party party={doc.buyer} /> — <a href={href(`customers/${doc.customer}`)}>{doc.customer}</a>
              </dd>
              <dt>Payment</dt>
              <dd>
                <a href={href(`payments/${doc.payment}`)}>{doc.payment}</a>
              </dd>
              <dt>Net / tax / total</dt>
              <dd>
                <Money amount={doc.net_total} currency={doc.currency} /> /{" "}
                <Money amount={doc.tax_total} currency={doc.currency} /> /{" "}
                <Money amount={doc.total} currency={doc.currency} />
              </dd>
              <dt>Paid / due</dt>
              <dd>
                <Money amount={doc.amount_paid} currency={doc.currency} /> /{" "}
                <Money amount={doc.amount_due} currency={doc.currency} />
              </dd>
              {doc.object === "invoice" ? (
                <>
                  <dt>Credited</dt>
                  <dd>
                    <Money amount={doc.credited_amount} currency={doc.currency} />
                  </dd>
                </>
              ) : null}
              <dt>Fiscal</dt>
              <dd>
                <Status value={doc.fiscal.status} />
                {doc.fiscal.provider ? ` at ${doc.fiscal.provider}` : ""}
                {doc.fiscal.reference ? ` (${doc.fiscal.reference})` : ""}
                {doc.fiscal.reason ? `: ${doc.fiscal.reason}` : ""}
              </dd>
            </dl>
          </Section>
          <Section title="Lines" id="lines">
            <Table
              caption="Lines with the tax rule that decided each"
              head={["#", "Description", "Period", "Quantity", "Net", "Tax", "Rule"]}
              rows={doc.lines.map((l) => [
                String(l.position),
                l.description,
                l.period_start ? (
                  <>
                    <Time at={l.period_start} /> → <Time at={l.period_end} />
                  </>
                ) : (
                  "—"
                ),
                String(l.quantity),
                <Money amount={l.net_amount} currency={doc.currency} />,
                `${l.tax_category} ${l.tax_rate} %`,
                l.tax.rule,
              ])}
            />
          </Section>
          {notes?.ok ? (
            <Section title="Credit notes" id="credit-notes">
              <Table
                caption="Credit notes of this invoice's payment (refunds)"
                head={DOCUMENT_HEAD}
                rows={documentRows(
                  notes.body.data.filter((n) => n.invoice === doc.id),
                  href,
                )}
                empty="No credit notes."
              />
            </Section>
          ) : null}
        </>
      ),
    };
  },
};

/** The API's PDF or XML of a document, handed to the browser as a file to save. */
function downloadPage(format: "pdf" | "xml"): ConsolePage {
  return {
    path: `invoices/:id/${format}`,
    permission: "invoices:read",
    async render({ raw, params }) {
      const id = params.id!;
      if (!/^[A-Za-z0-9_]+$/.test(id)) return { title: "Invoice", body: <p class="error">No such document.</p> };
      const res = await raw(`${apiBase(id)}/${id}.${format}`);
      if (res.status !== 200) {
        const body = await res.json().catch(() => undefined);
        return { title: "Invoice", body: <p class="error">{problemText(body)}</p> };
      }
      return {
        download: new Response(await res.arrayBuffer(), {
          headers: {
            "content-type": res.headers.get("content-type") ?? "application/octet-stream",
            "content-disposition": `attachment; filename="${id}.${format}"`,
          },
        }),
      };
    },
  };
}

export const invoicePdfPage = downloadPage("pdf");
export const invoiceXmlPage = downloadPage("xml");
