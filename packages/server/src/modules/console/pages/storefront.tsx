/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Event, LegalEntity, PaymentRouting, Storefront } from "@tessera/core";
import { FormError, openIf, shown } from "../forms.js";
import { SecretRows } from "../secrets.js";
import { Confirm, Field, formatMoney, PostForm, problemText, Section, Status, Table, TextArea, Time } from "../ui.js";
import type { ConsolePage, PageContext } from "./registry.js";
import { storefrontActions } from "./storefront-actions.js";
import { BundlesSection } from "./storefront-bundles.js";
import { channelSection, EnableChannel } from "./storefront-channels.js";
import { LegalEntityForm, legalEntityText } from "./storefront-legal.js";
import { RoutingForm } from "./storefront-routing.js";
import { TrialPolicySection } from "./storefront-trials.js";

/*
 * One storefront's settings as the API shows them, and forms that change them through the API's
 * own routes (storefronts:write; the legal entity invoices:write): payment providers in routing
 * order with their settings and write-only credentials, payment routing, the trial policy, the
 * fiscal provider, each store or partner channel (configuration, the names of its secrets — never
 * their values —, the notification URL, the product map), and the seller's legal entity.
 */

const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(", ") : "any");
export const json = (value: unknown) => JSON.stringify(value, null, 2);
const PROVIDER_SECRETS =
  "What the provider needs, e.g. stripe: secret_key, webhook_secret; adyen: api_key, merchant_account, hmac_key; " +
  "paypal: client_id, client_secret, webhook_id (docs/payments.md lists each).";

function Summary(props: { ctx: PageContext; s: Storefront; write: boolean }) {
  const { ctx, s, write } = props;
  const form = "general";
  return (
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
        <dt>Dunning</dt>
        <dd>retries on days {s.dunning.retry_days.join(", ") || "none"} after a failed charge</dd>
        <dt>Updated</dt>
        <dd>
          <Time at={s.updated_at} />
        </dd>
      </dl>
      {write ? (
        <details open={openIf(ctx, form)}>
          <summary>Edit name and dunning</summary>
          <FormError ctx={ctx} form={form} />
          <PostForm action={ctx.href(`catalog/storefronts/${s.id}/update-general`)} csrf={ctx.csrf} class="stack">
            <Field form={form} label="Name" name="name" required value={shown(ctx, form, "name", s.name)} />
            <Field
              form={form}
              label="Retry days"
              name="retry_days"
              value={shown(ctx, form, "retry_days", s.dunning.retry_days.join(", "))}
              hint="Days after a failed charge, increasing, comma separated; empty: no retries (suspended at once)."
            />
            <button type="submit">Save</button>
          </PostForm>
        </details>
      ) : null}
      {write ? (
        s.status === "active" ? (
          <Confirm
            summary="Archive…"
            action={ctx.href(`catalog/storefronts/${s.id}/set-status`)}
            csrf={ctx.csrf}
            button="Archive this storefront (it stops selling)"
          >
            <input type="hidden" name="status" value="archived" />
          </Confirm>
        ) : (
          <PostForm action={ctx.href(`catalog/storefronts/${s.id}/set-status`)} csrf={ctx.csrf}>
            <input type="hidden" name="status" value="active" />
            <button type="submit" class="secondary">
              Make it active again
            </button>
          </PostForm>
        )
      ) : null}
    </Section>
  );
}

/** When any credential of the storefront last changed: the event says so, never what changed. */
async function credentialsChangedAt(ctx: PageContext, storefront: string): Promise<string | undefined> {
  if (!ctx.can("events:read")) return undefined;
  const query = new URLSearchParams({ type: "storefront.credentials_updated", object_id: storefront, limit: "1" });
  const res = await ctx.api<{ data: Event[] }>("GET", `/v1/events?${query}`);
  return res.ok ? res.body.data[0]?.created_at : undefined;
}

function Providers(props: { ctx: PageContext; s: Storefront; write: boolean; changedAt: string | undefined }) {
  const { ctx, s, write } = props;
  const act = (name: string) => ctx.href(`catalog/storefronts/${s.id}/${name}`);
  const last = s.payment_providers.length - 1;
  return (
    <Section title="Payment providers" id="providers">
      <Table
        caption="In routing order: the first is preferred when routing has no evidence"
        head={["#", "Provider", "Settings", "Credentials", ""]}
        rows={s.payment_providers.map((p, i) => [
          String(i + 1),
          p.name,
          <code>{Object.keys(p.config).length ? JSON.stringify(p.config) : "—"}</code>,
          p.has_credentials ? "set" : "not set",
          write ? (
            <div class="actions">
              {(["up", "down"] as const)
                .filter((direction) => (direction === "up" ? i > 0 : i < last))
                .map((direction) => (
                  <PostForm action={act("provider-move")} csrf={ctx.csrf}>
                    <input type="hidden" name="name" value={p.name} />
                    <input type="hidden" name="direction" value={direction} />
                    <button type="submit" class="secondary" aria-label={`Move ${p.name} ${direction}`}>
                      {direction === "up" ? "↑" : "↓"}
                    </button>
                  </PostForm>
                ))}
              <Confirm
                summary="Remove…"
                action={act("provider-remove")}
                csrf={ctx.csrf}
                button={`Remove ${p.name} and delete its credentials`}
              >
                <input type="hidden" name="name" value={p.name} />
              </Confirm>
            </div>
          ) : (
            ""
          ),
        ])}
        empty="No payment provider: this storefront cannot charge."
      />
      {props.changedAt ? (
        <p>
          Credentials of this storefront (a provider's or a channel's) last changed <Time at={props.changedAt} />.
        </p>
      ) : null}
      {write
        ? s.payment_providers.map((p) => {
            const form = `provider-${p.name}`;
            const secrets = `provider-${p.name}-secrets`;
            return (
              <details open={openIf(ctx, form) || openIf(ctx, secrets)}>
                <summary>{p.name}: settings and credentials</summary>
                <FormError ctx={ctx} form={form} />
                <PostForm action={act("provider-settings")} csrf={ctx.csrf} class="stack">
                  <input type="hidden" name="name" value={p.name} />
                  <TextArea
                    form={form}
                    label={`Settings of ${p.name} (JSON)`}
                    name="config"
                    value={shown(ctx, form, "config", json(p.config))}
                    hint="Public settings such as api_base or timeout_ms. Credentials are kept."
                  />
                  <button type="submit">Save settings</button>
                </PostForm>
                <FormError ctx={ctx} form={secrets} />
                <PostForm action={act("provider-secrets")} csrf={ctx.csrf} class="stack">
                  <input type="hidden" name="name" value={p.name} />
                  <p>Credentials: {p.has_credentials ? "set" : "not set"}. What you enter replaces all of them.</p>
                  <SecretRows ctx={ctx} form={secrets} names={[]} hint={PROVIDER_SECRETS} />
                  <button type="submit">Replace credentials</button>
                </PostForm>
                {p.has_credentials ? (
                  <Confirm
                    summary="Clear the credentials…"
                    action={act("provider-secrets")}
                    csrf={ctx.csrf}
                    button={`Delete every credential of ${p.name}`}
                  >
                    <input type="hidden" name="name" value={p.name} />
                    <input type="hidden" name="clear" value="true" />
                  </Confirm>
                ) : null}
              </details>
            );
          })
        : null}
      {write ? (
        <details open={openIf(ctx, "provider-add")}>
          <summary>Add a payment provider</summary>
          <FormError ctx={ctx} form="provider-add" />
          <PostForm action={act("provider-add")} csrf={ctx.csrf} class="stack">
            <Field
              form="provider-add"
              label="Provider"
              name="name"
              required
              value={shown(ctx, "provider-add", "name", "")}
              hint="sandbox, stripe, adyen, braintree, paypal or iyzico; added last in the routing order."
            />
            <TextArea
              form="provider-add"
              label="Settings (JSON)"
              name="config"
              value={shown(ctx, "provider-add", "config", "{}")}
            />
            <SecretRows ctx={ctx} form="provider-add" names={[]} hint={PROVIDER_SECRETS} />
            <button type="submit">Add provider</button>
          </PostForm>
        </details>
      ) : null}
    </Section>
  );
}

function Fiscal(props: { ctx: PageContext; s: Storefront; write: boolean }) {
  const { ctx, s, write } = props;
  const f = s.fiscal_provider;
  const act = (name: string) => ctx.href(`catalog/storefronts/${s.id}/${name}`);
  return (
    <Section title="Fiscal provider" id="fiscal">
      <p>
        {f
          ? `${f.name}, settings ${JSON.stringify(f.config)}, credentials ${f.has_credentials ? "set" : "not set"}`
          : "None: invoices are numbered and issued by Tessera alone."}
      </p>
      {write ? (
        <details open={openIf(ctx, "fiscal") || openIf(ctx, "fiscal-secrets")}>
          <summary>{f ? "Change the fiscal provider" : "Set a fiscal provider"}</summary>
          <FormError ctx={ctx} form="fiscal" />
          <PostForm action={act("fiscal-set")} csrf={ctx.csrf} class="stack">
            <Field
              form="fiscal"
              label="Fiscal provider"
              name="name"
              required
              value={shown(ctx, "fiscal", "name", f?.name ?? "")}
              hint="e.g. tr-earsiv. Keeping the name keeps its credentials."
            />
            <TextArea
              form="fiscal"
              label="Settings (JSON)"
              name="config"
              value={shown(ctx, "fiscal", "config", json(f?.config ?? {}))}
            />
            <button type="submit">Save fiscal provider</button>
          </PostForm>
          {f ? (
            <>
              <FormError ctx={ctx} form="fiscal-secrets" />
              <PostForm action={act("fiscal-secrets")} csrf={ctx.csrf} class="stack">
                <p>Credentials: {f.has_credentials ? "set" : "not set"}. What you enter replaces all of them.</p>
                <SecretRows ctx={ctx} form="fiscal-secrets" names={[]} hint="e.g. tr-earsiv: api_key." />
                <button type="submit">Replace credentials</button>
              </PostForm>
              <Confirm
                summary="Remove the fiscal provider…"
                action={act("fiscal-remove")}
                csrf={ctx.csrf}
                button={`Remove ${f.name} and delete its credentials`}
              />
            </>
          ) : null}
        </details>
      ) : null}
    </Section>
  );
}

function Routing(props: { ctx: PageContext; s: Storefront; routing: PaymentRouting; write: boolean }) {
  const { routing } = props;
  return (
    <>
      <Table
        caption="Rules, first match wins"
        head={["Rule", "Countries", "Currencies", "Amounts", "Methods", "Providers"]}
        rows={routing.rules.map((r) => [
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
        Weights: success {routing.weights.success}, cost {routing.weights.cost}, geography {routing.weights.geography},
        order {routing.weights.order}. Required features: {routing.required_features.join(", ") || "none"}.
      </p>
      <Table
        caption="Fee table (estimates routing compares)"
        head={["Provider", "Currency", "Percent", "Fixed"]}
        rows={routing.fees.map((f) => [
          f.provider,
          f.currency ?? "any",
          `${(f.percent_bps / 100).toFixed(2)} %`,
          f.currency ? formatMoney(f.fixed, f.currency) : `${f.fixed} minor units`,
        ])}
        empty="No fees entered."
      />
      {props.write ? <RoutingForm ctx={props.ctx} storefront={props.s.id} routing={routing} /> : null}
    </>
  );
}

async function render(ctx: PageContext) {
  const { api, params, can } = ctx;
  const res = await api<Storefront>("GET", `/v1/storefronts/${encodeURIComponent(params.id!)}`);
  if (!res.ok) return { title: "Storefront", body: <p class="error">{problemText(res.body)}</p> };
  const s = res.body;
  const write = can("storefronts:write");
  const [routing, legal, channels, trials, bundles, changedAt] = await Promise.all([
    api<PaymentRouting>("GET", `/v1/storefronts/${s.id}/payment-routing`),
    can("invoices:read") ? api<LegalEntity>("GET", `/v1/storefronts/${s.id}/legal-entity`) : undefined,
    Promise.all(s.channels.filter((c) => c !== "direct").map((c) => channelSection(ctx, s.id, c, write))),
    TrialPolicySection({ ctx, storefront: s.id, write }),
    BundlesSection({ ctx, s, write }),
    credentialsChangedAt(ctx, s.id),
  ]);
  return {
    title: `Storefront ${s.name}`,
    body: (
      <>
        <Summary ctx={ctx} s={s} write={write} />
        {bundles}
        <Providers ctx={ctx} s={s} write={write} changedAt={changedAt} />
        <Section title="Payment routing" id="routing">
          {routing.ok ? (
            <Routing ctx={ctx} s={s} routing={routing.body} write={write} />
          ) : (
            <p class="error">{problemText(routing.body)}</p>
          )}
        </Section>
        {trials}
        <Fiscal ctx={ctx} s={s} write={write} />
        {channels}
        {write ? <EnableChannel ctx={ctx} s={s} /> : null}
        {legal ? (
          <Section title="Fiscal settings (seller on invoices)" id="legal-entity">
            {legal.ok ? (
              legalEntityText(legal.body)
            ) : legal.status === 404 ? (
              <p class="empty">No legal entity: this storefront does not issue invoices.</p>
            ) : (
              <p class="error">{problemText(legal.body)}</p>
            )}
            {can("invoices:write") ? (
              <LegalEntityForm ctx={ctx} storefront={s.id} current={legal.ok ? legal.body : undefined} />
            ) : null}
          </Section>
        ) : null}
      </>
    ),
  };
}

export const storefrontPage: ConsolePage = {
  path: "catalog/storefronts/:id",
  permission: "storefronts:read",
  render,
  actions: storefrontActions(render),
};
