/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ChannelProduct, ChannelSettingsView, LegalEntity, PaymentRouting, Storefront } from "@tessera/core";
import { formatMoney, problemText, Section, Status, Table, Time } from "../ui.js";
import type { ConsolePage, PageContext } from "./registry.js";

/*
 * One storefront's settings as the API shows them: payment providers and routing, each store or
 * partner channel (its configuration, which secrets are set — never their values —, where the
 * vendor must send notifications, the product map), and the seller's legal entity that its
 * invoices carry. Read-only here; they are changed through the API.
 */

const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(", ") : "any");

async function channelSection(api: PageContext["api"], storefront: string, channel: string) {
  const [settings, products] = await Promise.all([
    api<ChannelSettingsView>("GET", `/v1/storefronts/${storefront}/channels/${channel}`),
    api<{ data: ChannelProduct[] }>("GET", `/v1/storefronts/${storefront}/channels/${channel}/products?limit=100`),
  ]);
  return (
    <Section title={`Channel: ${channel}`} id={`channel-${channel}`}>
      {settings.ok ? (
        <dl class="props">
          {Object.entries(settings.body.config).map(([key, value]) => (
            <>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </>
          ))}
          <dt>Secrets set</dt>
          <dd>{settings.body.credential_names.join(", ") || "none"}</dd>
          <dt>Notification URL</dt>
          <dd>
            <code>{settings.body.notification_url ?? "—"}</code>
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time at={settings.body.updated_at} />
          </dd>
        </dl>
      ) : (
        <p class="error">{problemText(settings.body)}</p>
      )}
      {products.ok ? (
        <Table
          caption={`Vendor products mapped to prices (${channel})`}
          head={["Vendor product", "Price", "Bundle"]}
          rows={products.body.data.map((p) => [<code>{p.vendor_product_id}</code>, p.price, p.bundle])}
          empty="No product mapped: the vendor's notifications for unknown products are parked."
        />
      ) : null}
    </Section>
  );
}

export const storefrontPage: ConsolePage = {
  path: "catalog/storefronts/:id",
  permission: "storefronts:read",
  async render({ api, params, can }) {
    const res = await api<Storefront>("GET", `/v1/storefronts/${encodeURIComponent(params.id!)}`);
    if (!res.ok) return { title: "Storefront", body: <p class="error">{problemText(res.body)}</p> };
    const s = res.body;
    const [routing, legal, channels] = await Promise.all([
      api<PaymentRouting>("GET", `/v1/storefronts/${s.id}/payment-routing`),
      can("invoices:read") ? api<LegalEntity>("GET", `/v1/storefronts/${s.id}/legal-entity`) : undefined,
      Promise.all(s.channels.filter((c) => c !== "direct").map((c) => channelSection(api, s.id, c))),
    ]);
    return {
      title: `Storefront ${s.name}`,
      body: (
        <>
          <Section title="Summary" id="summary">
            <dl class="props">
              <dt>Key</dt>
              <dd>{s.key}</dd>
              <dt>Status</dt>
              <dd>
                <Status value={s.status} />
              </dd>
              <dt>Channels</dt>
              <dd>{s.channels.join(", ")}</dd>
              <dt>Payment providers</dt>
              <dd>
                {s.payment_providers
                  .map((p) => `${p.name}${p.has_credentials ? " (credentials set)" : ""}`)
                  .join(", ") || "none"}
              </dd>
              <dt>Fiscal provider</dt>
              <dd>
                {s.fiscal_provider
                  ? `${s.fiscal_provider.name}${s.fiscal_provider.has_credentials ? " (credentials set)" : ""}`
                  : "none"}
              </dd>
              <dt>Dunning</dt>
              <dd>retries on days {s.dunning.retry_days.join(", ") || "none"} after a failed charge</dd>
            </dl>
          </Section>
          <Section title="Payment routing" id="routing">
            {routing.ok ? (
              <>
                <Table
                  caption="Rules, first match wins"
                  head={["Rule", "Countries", "Currencies", "Amounts", "Methods", "Providers"]}
                  rows={routing.body.rules.map((r) => [
                    r.name,
                    list(r.countries),
                    list(r.currencies),
                    `${r.min_amount ?? 0} – ${r.max_amount ?? "∞"}`,
                    list(r.method_types),
                    r.providers.join(" → "),
                  ])}
                  empty="No rules: every provider of the storefront is a candidate, scored."
                />
                <p>
                  Weights: success {routing.body.weights.success}, cost {routing.body.weights.cost}, geography{" "}
                  {routing.body.weights.geography}, order {routing.body.weights.order}. Required features:{" "}
                  {routing.body.required_features.join(", ") || "none"}.
                </p>
                <Table
                  caption="Fee table (estimates routing compares)"
                  head={["Provider", "Currency", "Percent", "Fixed"]}
                  rows={routing.body.fees.map((f) => [
                    f.provider,
                    f.currency ?? "any",
                    `${(f.percent_bps / 100).toFixed(2)} %`,
                    f.currency ? formatMoney(f.fixed, f.currency) : `${f.fixed} minor units`,
                  ])}
                  empty="No fees entered."
                />
              </>
            ) : (
              <p class="error">{problemText(routing.body)}</p>
            )}
          </Section>
          {channels}
          {legal ? (
            <Section title="Fiscal settings (seller on invoices)" id="legal-entity">
              {legal.ok ? (
                <dl class="props">
                  <dt>Legal name</dt>
                  <dd>{legal.body.legal_name}</dd>
                  <dt>Address</dt>
                  <dd>
                    {[
                      legal.body.address.line1,
                      legal.body.address.line2,
                      legal.body.address.postal_code,
                      legal.body.address.city,
                      legal.body.address.country,
                    ]
                      .filter(Boolean)
                      .join(", ")}
                  </dd>
                  <dt>VAT id / tax number</dt>
                  <dd>
                    {legal.body.vat_id ?? "—"} / {legal.body.tax_number ?? "—"}
                  </dd>
                  <dt>Series</dt>
                  <dd>
                    invoices {legal.body.invoice_series}, credit notes {legal.body.credit_note_series} (numbering reset:{" "}
                    {legal.body.numbering_reset})
                  </dd>
                  <dt>Prices include tax</dt>
                  <dd>{legal.body.prices_include_tax ? "yes" : "no"}</dd>
                </dl>
              ) : legal.status === 404 ? (
                <p class="empty">No legal entity: this storefront does not issue invoices.</p>
              ) : (
                <p class="error">{problemText(legal.body)}</p>
              )}
            </Section>
          ) : null}
        </>
      ),
    };
  },
};
