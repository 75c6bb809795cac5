/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Customer, Subscription } from "@tessera/core";
import { settle } from "../forms.js";
import { backTo, problemText, Section, Status, Table, Time } from "../ui.js";
import { billingDetailsInput } from "./customer-forms.js";
import { CUSTOMER_PANELS } from "./customer-panels.js";
import type { ConsolePage, PageContext } from "./registry.js";

/** One form of the customer page: the API's answer, then back to the page or the form again. */
async function customerForm(
  ctx: PageContext,
  form: Record<string, string>,
  formId: string,
  done: string,
  call: (path: string) => ReturnType<PageContext["api"]>,
) {
  const res = await call(`/v1/customers/${encodeURIComponent(ctx.params.id!)}`);
  const url = ctx.href(`customers/${ctx.params.id}`);
  return settle(ctx, customerPage.render, { form: formId, sent: form, res, url, done });
}

export const customerPage: ConsolePage = {
  path: "customers/:id",
  permission: "customers:read",
  async render(ctx) {
    const { api, params, href, can } = ctx;
    const res = await api<Customer>("GET", `/v1/customers/${encodeURIComponent(params.id!)}`);
    if (!res.ok) return { title: "Customer", body: <p class="error">{problemText(res.body)}</p> };
    const customer = res.body;
    const subs = can("subscriptions:read")
      ? await api<{ data: Subscription[] }>("GET", `/v1/subscriptions?customer=${customer.id}&limit=100`)
      : undefined;
    const subscriptions = subs?.ok ? subs.body.data : [];
    const subject = { customer, subscriptions };
    const panels = await Promise.all(
      CUSTOMER_PANELS.filter((p) => can(p.permission)).map(async (p) => (
        <Section title={p.title} id={p.id}>
          {await p.render(ctx, subject)}
        </Section>
      )),
    );
    return {
      title: customer.name ?? customer.email ?? customer.id,
      body: (
        <>
          <Section title="Profile" id="profile">
            <dl class="props">
              <dt>Id</dt>
              <dd>{customer.id}</dd>
              <dt>External id</dt>
              <dd>{customer.external_id}</dd>
              <dt>Email</dt>
              <dd>{customer.email ?? "—"}</dd>
              <dt>Country</dt>
              <dd>{customer.country ?? "—"}</dd>
              <dt>Storefront</dt>
              <dd>{customer.storefront}</dd>
              <dt>Created</dt>
              <dd>
                <Time at={customer.created_at} />
              </dd>
            </dl>
          </Section>
          {can("subscriptions:read") ? (
            <Section title="Subscriptions" id="subscriptions">
              <Table
                caption="Every subscription of this customer"
                head={["Subscription", "Status", "Channel", "Price", "Current period ends"]}
                rows={subscriptions.map((s) => [
                  <a href={href(`subscriptions/${s.id}`)}>{s.id}</a>,
                  <Status value={s.status} />,
                  s.channel,
                  s.price,
                  <Time at={s.current_period_end} />,
                ])}
                empty="No subscriptions."
              />
            </Section>
          ) : null}
          {panels}
        </>
      ),
    };
  },
  actions: {
    grant: {
      permission: "entitlements:write",
      async handle({ api, params, href }, form) {
        const url = href(`customers/${params.id}`);
        const res = await api("POST", `/v1/customers/${encodeURIComponent(params.id!)}/grants`, {
          entitlement: form.entitlement,
          reason: form.reason,
          ...(form.expires_at ? { expires_at: form.expires_at } : {}),
        });
        return backTo(url, res, `Granted ${form.entitlement}`);
      },
    },
    consent: {
      permission: "customers:write",
      handle: (ctx, form) =>
        customerForm(ctx, form, "consent", `Consent ${form.purpose} ${form.status}`, (path) =>
          ctx.api("POST", `${path}/consents`, {
            purpose: form.purpose,
            status: form.status,
            text_version: form.text_version,
            method: form.method,
            ...(form.occurred_at?.trim() ? { occurred_at: form.occurred_at.trim() } : {}),
          }),
        ),
    },
    "billing-details": {
      permission: "invoices:write",
      handle: (ctx, form) =>
        customerForm(ctx, form, "billing-details", "Billing details saved", (path) =>
          ctx.api("PUT", `${path}/billing-details`, billingDetailsInput(form)),
        ),
    },
    offer: {
      permission: "campaigns:offer",
      handle: (ctx, form) =>
        customerForm(ctx, form, "campaign-offer", "Campaign offered", (path) =>
          ctx.api("POST", `${path}/campaign-offers`, { coupon: form.coupon }),
        ),
    },
  },
};
