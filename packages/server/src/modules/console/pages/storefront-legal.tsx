/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { LegalEntity, LegalEntityInput, PostalAddress } from "@tessera/core";
import { FormError, openIf, shown } from "../forms.js";
import { Field, PostForm, Select } from "../ui.js";
import type { PageContext } from "./registry.js";

/* The seller's legal entity a storefront's invoices carry (PUT /v1/storefronts/{id}/legal-entity). */

export const addressText = (a: PostalAddress) =>
  [a.line1, a.line2, a.postal_code, a.city, a.region, a.country].filter(Boolean).join(", ");

export function legalEntityText(legal: LegalEntity) {
  return (
    <dl class="props">
      <dt>Legal name</dt>
      <dd>{legal.legal_name}</dd>
      <dt>Address</dt>
      <dd>{addressText(legal.address)}</dd>
      <dt>VAT id / tax number</dt>
      <dd>
        {legal.vat_id ?? "—"} / {legal.tax_number ?? "—"}
      </dd>
      <dt>Series</dt>
      <dd>
        invoices {legal.invoice_series}, credit notes {legal.credit_note_series} (numbering reset:{" "}
        {legal.numbering_reset})
      </dd>
      <dt>Prices include tax</dt>
      <dd>{legal.prices_include_tax ? "yes" : "no"}</dd>
    </dl>
  );
}

/** The address fields of a form (legal entity, a customer's billing details). */
export function AddressFields(props: { ctx: PageContext; form: string; address: PostalAddress | undefined }) {
  const { ctx, form, address: a } = props;
  const v = (name: keyof PostalAddress) => shown(ctx, form, name, a?.[name] ?? "");
  return (
    <>
      <Field form={form} label="Address line 1" name="line1" required value={v("line1")} />
      <Field form={form} label="Address line 2" name="line2" value={v("line2")} />
      <Field form={form} label="Postal code" name="postal_code" value={v("postal_code")} />
      <Field form={form} label="City" name="city" required value={v("city")} />
      <Field form={form} label="Region" name="region" value={v("region")} hint="State, province or (Turkey) ilçe." />
      <Field form={form} label="Country" name="country" required value={v("country")} hint="ISO 3166-1, e.g. DE." />
    </>
  );
}

const orNull = (v: string | undefined) => (v?.trim() ? v.trim() : null);

export const addressOf = (form: Record<string, string>): PostalAddress => ({
  line1: form.line1?.trim() ?? "",
  line2: orNull(form.line2),
  city: form.city?.trim() ?? "",
  postal_code: orNull(form.postal_code),
  region: orNull(form.region),
  country: (form.country ?? "").trim().toUpperCase(),
});

export function legalEntityInput(form: Record<string, string>): LegalEntityInput {
  return {
    legal_name: form.legal_name?.trim() ?? "",
    address: addressOf(form),
    vat_id: orNull(form.vat_id),
    tax_number: orNull(form.tax_number),
    tax_office: orNull(form.tax_office),
    email: orNull(form.email),
    invoice_series: form.invoice_series?.trim() || "INV",
    credit_note_series: form.credit_note_series?.trim() || "CN",
    numbering_reset: form.numbering_reset === "never" ? "never" : "yearly",
    prices_include_tax: form.prices_include_tax !== "false",
  };
}

export function LegalEntityForm(props: { ctx: PageContext; storefront: string; current: LegalEntity | undefined }) {
  const { ctx, current: e } = props;
  const form = "legal-entity";
  const v = (name: string, stored: string | null | undefined) => shown(ctx, form, name, stored ?? "");
  return (
    <details open={openIf(ctx, form)}>
      <summary>{e ? "Edit the legal entity" : "Set a legal entity (starts invoicing)"}</summary>
      <FormError ctx={ctx} form={form} />
      <PostForm action={ctx.href(`catalog/storefronts/${props.storefront}/legal-entity`)} csrf={ctx.csrf} class="stack">
        <Field form={form} label="Legal name" name="legal_name" required value={v("legal_name", e?.legal_name)} />
        <AddressFields ctx={ctx} form={form} address={e?.address} />
        <Field
          form={form}
          label="VAT id"
          name="vat_id"
          value={v("vat_id", e?.vat_id)}
          hint="With its country prefix (DE123456789)."
        />
        <Field form={form} label="Tax number" name="tax_number" value={v("tax_number", e?.tax_number)} />
        <Field form={form} label="Tax office" name="tax_office" value={v("tax_office", e?.tax_office)} />
        <Field form={form} label="Email" name="email" type="email" value={v("email", e?.email)} />
        <Field
          form={form}
          label="Invoice series"
          name="invoice_series"
          value={v("invoice_series", e?.invoice_series ?? "INV")}
        />
        <Field
          form={form}
          label="Credit note series"
          name="credit_note_series"
          value={v("credit_note_series", e?.credit_note_series ?? "CN")}
        />
        <Select
          form={form}
          label="Numbering reset"
          name="numbering_reset"
          value={v("numbering_reset", e?.numbering_reset ?? "yearly")}
          options={[
            ["yearly", "yearly (the year is part of the number)"],
            ["never", "never"],
          ]}
        />
        <Select
          form={form}
          label="Prices include tax"
          name="prices_include_tax"
          value={v("prices_include_tax", String(e?.prices_include_tax ?? true))}
          options={[
            ["true", "yes: a price is what the customer pays"],
            ["false", "no: tax is added on top"],
          ]}
        />
        <button type="submit">Save legal entity</button>
      </PostForm>
    </details>
  );
}
