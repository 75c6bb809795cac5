/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Bundle, Entitlement, Storefront } from "@tessera/core";
import { FormError, openIf, settle, shown } from "../forms.js";
import { backTo, Field, Money, PostForm, problemText, Section, Select, Status, Table, withMessage } from "../ui.js";
import type { ConsolePage, PageContext } from "./registry.js";

/* Catalog: entitlements, bundles with their prices (archived, never deleted), storefronts (each with a page). */

/** A provider as the API shows it: its name and whether credentials are set, never their values. */
const providerText = (p: { name: string; has_credentials: boolean }) =>
  `${p.name}${p.has_credentials ? " (credentials set)" : ""}`;

export const catalogPage: ConsolePage = {
  path: "catalog",
  nav: "Catalog",
  permission: "catalog:read",
  async render(ctx) {
    const { api, can, csrf, href } = ctx;
    const [ents, bundles, storefronts] = await Promise.all([
      api<{ data: Entitlement[] }>("GET", "/v1/entitlements?limit=100"),
      api<{ data: Bundle[] }>("GET", "/v1/bundles?limit=100"),
      can("storefronts:read") ? api<{ data: Storefront[] }>("GET", "/v1/storefronts?limit=100") : undefined,
    ]);
    const write = can("catalog:write");
    const sfs = storefronts?.ok ? storefronts.body.data : [];
    return {
      title: "Catalog",
      body: (
        <>
          <Section title="Bundles and prices" id="bundles">
            {bundles.ok ? (
              <Table
                caption="Bundles, each with its prices"
                head={["Bundle", "Key", "Entitlements", "Prices", "Status"]}
                rows={bundles.body.data.map((b) => [
                  b.name,
                  b.key,
                  b.entitlements.map((e) => e.key).join(", "),
                  <ul>
                    {b.prices.map((p) => (
                      <li>
                        <Money amount={p.amount} currency={p.currency} /> / {p.interval}
                        {p.trial_days ? ` (${p.trial_days}-day trial)` : ""} <Status value={p.status} />{" "}
                        {write && p.status === "active" ? (
                          <PostForm action={href("catalog/archive-price")} csrf={csrf}>
                            <input type="hidden" name="bundle" value={b.id} />
                            <input type="hidden" name="price" value={p.id} />
                            <button type="submit" class="link">
                              Archive
                            </button>
                          </PostForm>
                        ) : null}
                      </li>
                    ))}
                  </ul>,
                  <Status value={b.status} />,
                ])}
                empty="No bundles yet."
              />
            ) : (
              <p class="error">{problemText(bundles.body)}</p>
            )}
            {write ? (
              <details>
                <summary>New bundle</summary>
                <PostForm action={href("catalog/create-bundle")} csrf={csrf} class="stack">
                  <Field label="Key" name="key" required hint="Lowercase letters, digits and dashes." />
                  <Field label="Name" name="name" required />
                  <Field
                    label="Entitlement keys"
                    name="entitlements"
                    required
                    hint="Comma-separated keys of existing entitlements."
                  />
                  <Field label="Currency" name="currency" value="EUR" required pattern="[A-Z]{3}" />
                  <Field label="Amount (minor units)" name="amount" inputmode="numeric" pattern="[0-9]+" required />
                  <Select
                    label="Interval"
                    name="interval"
                    options={[
                      ["month", "month"],
                      ["year", "year"],
                      ["week", "week"],
                      ["day", "day"],
                    ]}
                  />
                  <Field label="Trial days" name="trial_days" inputmode="numeric" pattern="[0-9]*" value="0" />
                  {can("storefronts:write") && sfs.length > 0 ? (
                    <Select
                      label="Sell in storefront"
                      name="storefront"
                      options={[["", "(none)"], ...sfs.map((s) => [s.id, s.name] as [string, string])]}
                    />
                  ) : null}
                  <button type="submit">Create bundle</button>
                </PostForm>
              </details>
            ) : null}
          </Section>
          <Section title="Entitlements" id="entitlements">
            {ents.ok ? (
              <Table
                caption="What a bundle can grant"
                head={["Key", "Name", "Kind", "Status"]}
                rows={ents.body.data.map((e) => [e.key, e.name, e.kind, <Status value={e.status} />])}
                empty="No entitlements yet."
              />
            ) : (
              <p class="error">{problemText(ents.body)}</p>
            )}
            {write ? (
              <details>
                <summary>New flag entitlement</summary>
                <PostForm action={href("catalog/create-entitlement")} csrf={csrf} class="stack">
                  <Field label="Key" name="key" required />
                  <Field label="Name" name="name" required />
                  <button type="submit">Create entitlement</button>
                </PostForm>
              </details>
            ) : null}
          </Section>
          {storefronts ? (
            <Section title="Storefronts" id="storefronts">
              <Table
                caption="Sales channels with their payment providers (credentials are write-only)"
                head={["Storefront", "Key", "Bundles", "Channels", "Payment providers", "Fiscal", "Dunning", "Status"]}
                rows={sfs.map((s) => [
                  <a href={href(`catalog/storefronts/${s.id}`)}>{s.name}</a>,
                  s.key,
                  String(s.bundles.length),
                  s.channels.join(", "),
                  s.payment_providers.map(providerText).join(", "),
                  s.fiscal_provider ? providerText(s.fiscal_provider) : "—",
                  `retries on days ${s.dunning.retry_days.join(", ") || "none"}`,
                  <Status value={s.status} />,
                ])}
                empty="No storefronts yet."
              />
              {can("storefronts:write") ? <NewStorefront ctx={ctx} /> : null}
            </Section>
          ) : null}
        </>
      ),
    };
  },
  actions: {
    "create-bundle": {
      permission: "catalog:write",
      async handle({ api, href, can }, form) {
        const url = href("catalog");
        const amount = Number(form.amount);
        const trial = Number(form.trial_days || 0);
        const res = await api<Bundle>("POST", "/v1/bundles", {
          key: form.key,
          name: form.name,
          entitlements: (form.entitlements ?? "")
            .split(",")
            .map((k) => k.trim())
            .filter(Boolean)
            .map((key) => ({ key })),
          prices: [
            {
              currency: form.currency,
              amount: Number.isSafeInteger(amount) ? amount : -1,
              interval: form.interval,
              ...(trial > 0 ? { trial_days: trial } : {}),
            },
          ],
        });
        if (!res.ok) return { redirect: withMessage(url, "error", problemText(res.body)) };
        if (form.storefront && can("storefronts:write")) {
          const sf = await api<Storefront>("GET", `/v1/storefronts/${encodeURIComponent(form.storefront)}`);
          const patched = sf.ok
            ? await api("PATCH", `/v1/storefronts/${sf.body.id}`, { bundles: [...sf.body.bundles, res.body.id] })
            : sf;
          if (!patched.ok)
            return { redirect: withMessage(url, "error", `Bundle created; storefront: ${problemText(patched.body)}`) };
        }
        return { redirect: withMessage(url, "notice", `Bundle ${res.body.key} created`) };
      },
    },
    "create-storefront": {
      permission: "storefronts:write",
      async handle(ctx, form) {
        const provider = form.provider?.trim();
        const res = await ctx.api<Storefront>("POST", "/v1/storefronts", {
          key: form.key,
          name: form.name,
          type: form.type,
          payment_providers: provider ? [{ name: provider }] : [],
        });
        // Made: on to its page, where providers, credentials, channels and invoicing are set.
        const url = res.ok ? ctx.href(`catalog/storefronts/${res.body.id}`) : ctx.href("catalog");
        return settle(ctx, catalogPage.render, {
          form: "storefront-new",
          sent: form,
          res,
          url,
          done: `Storefront ${form.key} created: set its providers and channels here`,
        });
      },
    },
    "create-entitlement": {
      permission: "catalog:write",
      async handle({ api, href }, form) {
        const res = await api("POST", "/v1/entitlements", { key: form.key, name: form.name, kind: "flag" });
        return backTo(href("catalog"), res, `Entitlement ${form.key} created`);
      },
    },
    "archive-price": {
      permission: "catalog:write",
      async handle({ api, href }, form) {
        const res = await api(
          "PATCH",
          `/v1/bundles/${encodeURIComponent(form.bundle ?? "")}/prices/${encodeURIComponent(form.price ?? "")}`,
          { status: "archived" },
        );
        return backTo(href("catalog"), res, "Price archived");
      },
    },
  },
};

function NewStorefront(props: { ctx: PageContext }) {
  const { ctx } = props;
  const form = "storefront-new";
  return (
    <details open={openIf(ctx, form)}>
      <summary>New storefront</summary>
      <FormError ctx={ctx} form={form} />
      <PostForm action={ctx.href("catalog/create-storefront")} csrf={ctx.csrf} class="stack">
        <Field form={form} label="Key" name="key" required value={shown(ctx, form, "key", "")} />
        <Field form={form} label="Name" name="name" required value={shown(ctx, form, "name", "")} />
        <Select
          form={form}
          label="Type"
          name="type"
          value={shown(ctx, form, "type", "web")}
          options={[
            ["web", "web"],
            ["app", "app"],
            ["partner", "partner"],
            ["carrier", "carrier"],
          ]}
        />
        <Field
          form={form}
          label="First payment provider (optional)"
          name="provider"
          value={shown(ctx, form, "provider", "")}
          hint="e.g. sandbox or stripe; credentials and more providers on the storefront's page."
        />
        <button type="submit">Create storefront</button>
      </PostForm>
    </details>
  );
}
