/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Payment } from "@tessera/core";
import { Field, Money, problemText, Select, Status, Table, Time } from "../ui.js";
import { routeSummary } from "./payment.js";
import type { ConsolePage } from "./registry.js";

/*
 * Payments across customers, filtered by status, customer or subscription (the API's filters). Each links to its page with
 * the routing decision, the attempts per provider, refunds, dispute and invoice.
 */

const STATUSES = ["", "pending", "succeeded", "failed", "refunded"] as const;

export const paymentsPage: ConsolePage = {
  path: "payments",
  nav: "Payments",
  permission: "payments:read",
  async render({ api, query, href }) {
    const status = STATUSES.includes(query.status as (typeof STATUSES)[number]) ? (query.status ?? "") : "";
    const filter = new URLSearchParams({ limit: "50" });
    const kept: Record<string, string> = {};
    if (status) kept.status = status;
    for (const name of ["customer", "subscription"] as const) {
      const value = query[name]?.trim();
      if (value) kept[name] = value;
    }
    for (const [name, value] of Object.entries(kept)) filter.set(name, value);
    if (query.starting_after) filter.set("starting_after", query.starting_after);
    const res = await api<{ data: Payment[]; next_cursor: string | null }>("GET", `/v1/payments?${filter}`);
    return {
      title: "Payments",
      body: (
        <>
          <form method="get" action={href("payments")} class="actions">
            <Select
              label="Status"
              name="status"
              value={status}
              options={STATUSES.map((s) => [s, s || "any"] as [string, string])}
            />
            <Field label="Customer id" name="customer" value={kept.customer} />
            <Field label="Subscription id" name="subscription" value={kept.subscription} />
            <button type="submit">Filter</button>
          </form>
          {res.ok ? (
            <>
              <Table
                caption="Newest payments"
                head={[
                  "Payment",
                  "Amount",
                  "Status",
                  "Kind",
                  "Period / attempt",
                  "Routed (providers tried)",
                  "Failure",
                  "Dispute",
                  "Customer",
                  "Subscription",
                  "Created",
                ]}
                rows={res.body.data.map((p) => [
                  <a href={href(`payments/${p.id}`)}>{p.id}</a>,
                  <Money amount={p.amount} currency={p.currency} />,
                  <Status value={p.status} />,
                  p.kind,
                  `${p.period_index} / ${p.attempt}`,
                  routeSummary(p),
                  p.failure_code ?? "—",
                  p.dispute ? <Status value={p.dispute.status} /> : "—",
                  <a href={href(`customers/${p.customer}`)}>{p.customer}</a>,
                  p.subscription ? <a href={href(`subscriptions/${p.subscription}`)}>{p.subscription}</a> : "—",
                  <Time at={p.created_at} />,
                ])}
                empty="No payments match."
              />
              {res.body.next_cursor ? (
                <p>
                  <a
                    href={`${href("payments")}?${new URLSearchParams({ ...kept, starting_after: res.body.next_cursor })}`}
                  >
                    Older payments
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
