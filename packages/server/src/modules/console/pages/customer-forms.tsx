/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  type BillingDetails,
  type BillingDetailsInput,
  type CampaignOffer,
  CONSENT_PURPOSES,
  type Coupon,
  type CurrentConsents,
  RecordConsent,
} from "@tessera/core";
import { FormError, openIf, shown } from "../forms.js";
import { Field, PostForm, problemText, Select, Status, Table, Time } from "../ui.js";
import type { ConsolePanel, PageContext } from "./registry.js";
import { AddressFields, addressOf, addressText } from "./storefront-legal.js";

/*
 * What staff enter on a customer's page, through the API's own routes: a consent given or
 * withdrawn (POST /v1/customers/{id}/consents, customers:write), the billing details invoices
 * carry (PUT …/billing-details, invoices:write), and the campaign offers the customer holds
 * (GET …/campaign-offers; offering one is campaigns:offer).
 */

interface Subject {
  customer: { id: string };
}

const METHODS = RecordConsent.shape.method.options;
const methodOptions = METHODS.map((m) => [m, m.replace("_", " ")] as [string, string]);

/** The consent form and a withdraw button per purpose currently granted. */
export function ConsentForms(props: { ctx: PageContext; customer: string; current: CurrentConsents }) {
  const { ctx, customer } = props;
  const form = "consent";
  const action = ctx.href(`customers/${customer}/consent`);
  const granted = Object.entries(props.current).filter(([, c]) => c.status === "granted");
  return (
    <>
      {granted.length > 0 ? (
        <div class="actions">
          {granted.map(([purpose, c]) => (
            <PostForm action={action} csrf={ctx.csrf}>
              <input type="hidden" name="purpose" value={purpose} />
              <input type="hidden" name="status" value="withdrawn" />
              <input type="hidden" name="text_version" value={c.text_version} />
              <Select
                form={`withdraw-${purpose}`}
                label={`How ${purpose} was withdrawn`}
                name="method"
                value="phone"
                options={methodOptions}
              />
              <button type="submit" class="secondary">
                Withdraw {purpose}
              </button>
            </PostForm>
          ))}
        </div>
      ) : null}
      <details open={openIf(ctx, form)}>
        <summary>Record a consent</summary>
        <FormError ctx={ctx} form={form} />
        <PostForm action={action} csrf={ctx.csrf} class="stack">
          <Select
            form={form}
            label="Purpose"
            name="purpose"
            value={shown(ctx, form, "purpose", undefined)}
            options={CONSENT_PURPOSES.map((p) => [p, p])}
          />
          <Select
            form={form}
            label="Given or withdrawn"
            name="status"
            value={shown(ctx, form, "status", "granted")}
            options={[
              ["granted", "granted"],
              ["withdrawn", "withdrawn"],
            ]}
          />
          <Field
            form={form}
            label="Text version"
            name="text_version"
            required
            value={shown(ctx, form, "text_version", "")}
            hint="The version of the text the customer was shown."
          />
          <Select
            form={form}
            label="How"
            name="method"
            value={shown(ctx, form, "method", "phone")}
            options={methodOptions}
          />
          <Field
            form={form}
            label="When (optional, ISO 8601)"
            name="occurred_at"
            value={shown(ctx, form, "occurred_at", "")}
            hint="When the customer acted; default now."
          />
          <button type="submit">Record consent</button>
        </PostForm>
      </details>
    </>
  );
}

export const billingDetails: ConsolePanel<Subject> = {
  id: "billing-details",
  title: "Billing details",
  permission: "invoices:read",
  async render(ctx, { customer }) {
    const res = await ctx.api<BillingDetails>("GET", `/v1/customers/${customer.id}/billing-details`);
    if (!res.ok && res.status !== 404) return <p class="error">{problemText(res.body)}</p>;
    const d = res.ok ? res.body : undefined;
    const form = "billing-details";
    const v = (name: string, stored: string | null | undefined) => shown(ctx, form, name, stored ?? "");
    return (
      <>
        {d ? (
          <dl class="props">
            <dt>Type</dt>
            <dd>{d.type}</dd>
            <dt>Name</dt>
            <dd>{d.name}</dd>
            <dt>Address</dt>
            <dd>{addressText(d.address)}</dd>
            <dt>VAT id / tax number</dt>
            <dd>
              {d.vat_id ?? "—"} / {d.tax_number ?? "—"}
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time at={d.updated_at} />
            </dd>
          </dl>
        ) : (
          <p class="empty">None given: invoices carry the customer's name and country only.</p>
        )}
        {ctx.can("invoices:write") ? (
          <details open={openIf(ctx, form)}>
            <summary>{d ? "Edit billing details" : "Enter billing details"}</summary>
            <FormError ctx={ctx} form={form} />
            <PostForm action={ctx.href(`customers/${customer.id}/billing-details`)} csrf={ctx.csrf} class="stack">
              <Select
                form={form}
                label="Type"
                name="type"
                value={v("type", d?.type ?? "individual")}
                options={[
                  ["individual", "individual"],
                  ["business", "business"],
                ]}
              />
              <Field form={form} label="Name on invoices" name="name" required value={v("name", d?.name)} />
              <AddressFields ctx={ctx} form={form} address={d?.address} />
              <Field
                form={form}
                label="VAT id"
                name="vat_id"
                value={v("vat_id", d?.vat_id)}
                hint="Businesses only, with its country prefix."
              />
              <Field form={form} label="Tax number" name="tax_number" value={v("tax_number", d?.tax_number)} />
              <button type="submit">Save billing details</button>
            </PostForm>
          </details>
        ) : null}
      </>
    );
  },
};

export function billingDetailsInput(form: Record<string, string>): BillingDetailsInput {
  const orNull = (v: string | undefined) => (v?.trim() ? v.trim() : null);
  return {
    type: form.type === "business" ? "business" : "individual",
    name: form.name?.trim() ?? "",
    address: addressOf(form),
    vat_id: orNull(form.vat_id),
    tax_number: orNull(form.tax_number),
  };
}

export const campaignOffers: ConsolePanel<Subject> = {
  id: "campaign-offers",
  title: "Campaign offers",
  permission: "campaigns:read",
  async render(ctx, { customer }) {
    const [res, coupons] = await Promise.all([
      ctx.api<{ data: CampaignOffer[] }>("GET", `/v1/customers/${customer.id}/campaign-offers`),
      ctx.can("campaigns:offer") ? ctx.api<{ data: Coupon[] }>("GET", "/v1/coupons?limit=100") : undefined,
    ]);
    if (!res.ok) return <p class="error">{problemText(res.body)}</p>;
    const offerable = coupons?.ok
      ? coupons.body.data.filter((c) => c.status === "active" && c.trigger?.type === "api")
      : [];
    const form = "campaign-offer";
    return (
      <>
        <Table
          caption="Offers made to this customer (latest 100): a time-limited right to redeem a coupon"
          head={["Coupon", "Trigger", "Offered", "Expires", "Redeemed"]}
          rows={res.body.data.map((o) => [
            <code>{o.coupon}</code>,
            o.trigger,
            <Time at={o.created_at} />,
            <Time at={o.expires_at} />,
            o.redeemed_at ? <Time at={o.redeemed_at} /> : <Status value="open" />,
          ])}
          empty="No campaign offers."
        />
        {offerable.length > 0 ? (
          <details open={openIf(ctx, form)}>
            <summary>Offer a campaign</summary>
            <FormError ctx={ctx} form={form} />
            <PostForm action={ctx.href(`customers/${customer.id}/offer`)} csrf={ctx.csrf} class="stack">
              <Select
                form={form}
                label="Coupon (trigger: api)"
                name="coupon"
                options={offerable.map((c) => [c.id, c.name])}
              />
              <button type="submit">Offer</button>
            </PostForm>
          </details>
        ) : null}
      </>
    );
  },
};
