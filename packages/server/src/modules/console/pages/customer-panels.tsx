/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type {
  ChannelNotification,
  ConsentRecord,
  CurrentConsents,
  Customer,
  CustomerEntitlements,
  Event,
  Invoice,
  Payment,
  PaymentMethod,
  Subscription,
  WebhookDelivery,
} from "@tessera/core";
import { Field, Money, PostForm, problemText, Status, Table, Time } from "../ui.js";
import { billingDetails, ConsentForms, campaignOffers } from "./customer-forms.js";
import { usagePanel } from "./customer-usage.js";
import { DOCUMENT_HEAD, documentRows } from "./invoices.js";
import type { ConsolePanel, PageContext } from "./registry.js";

/*
 * The sections of a customer's page. A later module adds its own panel to CUSTOMER_PANELS; each
 * is shown only to roles holding its permission.
 */

export interface CustomerSubject {
  customer: Customer;
  subscriptions: Subscription[];
}

const entitlements: ConsolePanel<CustomerSubject> = {
  id: "entitlements",
  title: "Entitlements",
  permission: "entitlements:read",
  async render({ api, can, csrf, href }, { customer }) {
    const res = await api<CustomerEntitlements>("GET", `/v1/customers/${customer.id}/entitlements`);
    if (!res.ok) return <p class="error">{problemText(res.body)}</p>;
    return (
      <>
        <Table
          caption="Effective entitlements and where each comes from"
          head={["Entitlement", "Kind", "Level / quota", "Sources"]}
          rows={res.body.entitlements.map((e) => [
            e.key,
            e.kind,
            e.kind === "quota" ? `${e.used ?? 0} of ${e.limit ?? 0} used` : (e.level ?? "—"),
            e.sources.join(", "),
          ])}
          empty="No entitlements."
        />
        {can("entitlements:write") ? (
          <details>
            <summary>Grant a comp</summary>
            <PostForm action={href(`customers/${customer.id}/grant`)} csrf={csrf} class="stack">
              <Field label="Entitlement key" name="entitlement" required />
              <Field label="Reason" name="reason" required hint="Kept in the audit trail." />
              <Field label="Expires at (optional, ISO 8601)" name="expires_at" />
              <button type="submit">Grant</button>
            </PostForm>
          </details>
        ) : null}
      </>
    );
  },
};

const payments: ConsolePanel<CustomerSubject> = {
  id: "payments",
  title: "Payments",
  permission: "payments:read",
  async render({ api, href }, { customer }) {
    const res = await api<{ data: Payment[] }>("GET", `/v1/payments?customer=${customer.id}&limit=20`);
    if (!res.ok) return <p class="error">{problemText(res.body)}</p>;
    return (
      <Table
        caption="Newest payments"
        head={["Payment", "Amount", "Status", "Kind", "Subscription", "Created"]}
        rows={res.body.data.map((p) => [
          <a href={href(`payments/${p.id}`)}>{p.id}</a>,
          <Money amount={p.amount} currency={p.currency} />,
          <Status value={p.status} />,
          p.kind,
          p.subscription ? <a href={href(`subscriptions/${p.subscription}`)}>{p.subscription}</a> : "—",
          <Time at={p.created_at} />,
        ])}
        empty="No payments."
      />
    );
  },
};

const paymentMethods: ConsolePanel<CustomerSubject> = {
  id: "payment-methods",
  title: "Payment methods",
  permission: "customers:read",
  async render({ api }, { customer }) {
    const res = await api<{ data: PaymentMethod[] }>("GET", `/v1/customers/${customer.id}/payment-methods`);
    if (!res.ok) return <p class="error">{problemText(res.body)}</p>;
    return (
      <Table
        caption="Stored payment methods and the providers holding a token of each"
        head={["Method", "Type", "Card", "Expires", "Providers", "Default", "Added"]}
        rows={res.body.data.map((m) => [
          <code>{m.id}</code>,
          m.type,
          m.brand || m.last4 ? `${m.brand ?? ""} •••• ${m.last4 ?? ""}`.trim() : "—",
          m.exp_month && m.exp_year ? `${String(m.exp_month).padStart(2, "0")}/${m.exp_year}` : "—",
          m.providers.join(", "),
          m.default ? "yes" : "",
          <Time at={m.created_at} />,
        ])}
        empty="No stored payment methods."
      />
    );
  },
};

const invoices: ConsolePanel<CustomerSubject> = {
  id: "invoices",
  title: "Invoices",
  permission: "invoices:read",
  async render({ api, href }, { customer }) {
    const res = await api<{ data: Invoice[] }>("GET", `/v1/invoices?customer=${customer.id}&limit=20`);
    if (!res.ok) return <p class="error">{problemText(res.body)}</p>;
    return (
      <>
        <Table
          caption="Newest invoices, with PDF and XML"
          head={DOCUMENT_HEAD}
          rows={documentRows(res.body.data, href)}
          empty="No invoices."
        />
        <p>
          <a href={`${href("invoices")}?kind=credit-notes&customer=${customer.id}`}>Credit notes of this customer</a>
        </p>
      </>
    );
  },
};

const consents: ConsolePanel<CustomerSubject> = {
  id: "consents",
  title: "Consents",
  permission: "customers:read",
  async render(ctx, { customer }) {
    const { api } = ctx;
    const [current, history] = await Promise.all([
      api<{ current: CurrentConsents }>("GET", `/v1/customers/${customer.id}/consents`),
      api<{ data: ConsentRecord[] }>("GET", `/v1/customers/${customer.id}/consents/history?limit=50`),
    ]);
    if (!current.ok) return <p class="error">{problemText(current.body)}</p>;
    const purposes = Object.entries(current.body.current);
    return (
      <>
        <Table
          caption="Current consent per purpose (the latest record)"
          head={["Purpose", "Status", "Text version", "Given or withdrawn"]}
          rows={purposes.map(([purpose, c]) => [
            purpose,
            <Status value={c.status} />,
            c.text_version,
            <Time at={c.occurred_at} />,
          ])}
          empty="No consent recorded."
        />
        {ctx.can("customers:write") ? (
          <ConsentForms ctx={ctx} customer={customer.id} current={current.body.current} />
        ) : null}
        {history.ok && history.body.data.length > 0 ? (
          <details>
            <summary>Every consent record ({history.body.data.length})</summary>
            <Table
              caption="Consent records, newest first"
              head={["When", "Purpose", "Status", "Text version", "Method", "Recorded by"]}
              rows={history.body.data.map((r) => [
                <Time at={r.occurred_at} />,
                r.purpose,
                <Status value={r.status} />,
                r.text_version,
                r.method,
                r.recorded_by ? (r.recorded_by.label ?? `${r.recorded_by.type} ${r.recorded_by.id}`) : "—",
              ])}
            />
          </details>
        ) : null}
      </>
    );
  },
};

interface TimelineItem {
  at: string;
  kind: string;
  text: string;
  link?: string | undefined;
}

async function timelineOf(ctx: PageContext, subject: CustomerSubject): Promise<TimelineItem[]> {
  const { api, can, href } = ctx;
  const payments = can("payments:read")
    ? await api<{ data: Payment[] }>("GET", `/v1/payments?customer=${subject.customer.id}&limit=50`)
    : undefined;
  const objects = [
    subject.customer.id,
    ...subject.subscriptions.map((s) => s.id),
    ...(payments?.ok ? payments.body.data.map((p) => p.id) : []),
  ];
  const events = new Map<string, Event>();
  const pages = await Promise.all(
    objects.map((id) => api<{ data: Event[] }>("GET", `/v1/events?object_id=${id}&limit=100`)),
  );
  for (const res of pages) if (res.ok) for (const e of res.body.data) events.set(e.id, e);
  const items: TimelineItem[] = [...events.values()].map((e) => ({
    at: e.created_at,
    kind: "event",
    text: e.type,
    link: href(`developers/events/${e.id}`),
  }));
  if (can("webhooks:read")) {
    const endpoints = await api<{ data: Array<{ id: string; url: string }> }>("GET", "/v1/webhook-endpoints?limit=100");
    for (const ep of endpoints.ok ? endpoints.body.data : []) {
      const deliveries = await api<{ data: WebhookDelivery[] }>(
        "GET",
        `/v1/webhook-endpoints/${ep.id}/deliveries?limit=100`,
      );
      for (const d of deliveries.ok ? deliveries.body.data : []) {
        if (!events.has(d.event_id)) continue;
        items.push({
          at: d.created_at,
          kind: "webhook",
          text: `${d.event_type} → ${ep.url}: ${d.status} after ${d.attempt_count} attempt(s)`,
          link: href(`developers/webhooks/${ep.id}/deliveries/${d.id}`),
        });
      }
    }
  }
  // What the stores and partners said about the customer's subscriptions (the vendor's time).
  if (can("subscriptions:read")) {
    const managed = subject.subscriptions.filter((s) => s.channel !== "direct");
    const lists = await Promise.all(
      managed.map((s) => api<{ data: ChannelNotification[] }>("GET", `/v1/subscriptions/${s.id}/notifications`)),
    );
    for (const [i, res] of lists.entries()) {
      for (const n of res.ok ? res.body.data : []) {
        items.push({
          at: n.occurred_at,
          kind: "channel",
          text: `${n.channel} ${n.vendor_type}${n.vendor_subtype ? `/${n.vendor_subtype}` : ""}: ${n.status}${
            n.event ? ` (${n.event})` : ""
          }`,
          link: `${href(`subscriptions/${managed[i]!.id}`)}#notifications-h`,
        });
      }
    }
  }
  return items.sort((a, b) => b.at.localeCompare(a.at) || a.kind.localeCompare(b.kind));
}

const timeline: ConsolePanel<CustomerSubject> = {
  id: "timeline",
  title: "Timeline",
  permission: "events:read",
  async render(ctx, subject) {
    const items = await timelineOf(ctx, subject);
    if (items.length === 0) return <p class="empty">Nothing happened yet.</p>;
    return (
      <ol class="timeline" aria-label="Events, channel notifications and webhook deliveries, newest first">
        {items.map((item) => (
          <li>
            <Time at={item.at} /> <span class="kind">{item.kind}</span>{" "}
            {item.link ? <a href={item.link}>{item.text}</a> : item.text}
          </li>
        ))}
      </ol>
    );
  },
};

export const CUSTOMER_PANELS: ConsolePanel<CustomerSubject>[] = [
  paymentMethods,
  entitlements,
  usagePanel,
  payments,
  invoices,
  billingDetails,
  consents,
  campaignOffers,
  timeline,
];
