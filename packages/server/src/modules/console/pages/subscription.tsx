/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  type Bundle,
  type ChannelNotification,
  type Discount,
  type LegalEntity,
  type Payment,
  type Price,
  type PromotionCode,
  quoteChange,
  type Storefront,
  type Subscription,
  type TestClock,
} from "@tessera/core";
import { backTo, formatMoney, Money, PostForm, problemText, Section, Select, Status, Table, Time } from "../ui.js";
import { RefundForm, refund, refundable, routeSummary } from "./payment.js";
import type { ConsolePage, PageContext } from "./registry.js";
import { DiscountForms, discountActions } from "./subscription-discount.js";

/*
 * One subscription: status history, period, payments with their routing and attempts, dunning,
 * channel with the vendor's ids and notifications, and the actions the viewer's role allows.
 * Every action is the API's own route (same permission).
 */

async function planOptions(api: PageContext["api"], current: Price) {
  const res = await api<{ data: Bundle[] }>("GET", "/v1/bundles?limit=100");
  const prices: Array<{ price: Price; bundle: Bundle }> = [];
  for (const bundle of res.ok ? res.body.data : [])
    for (const price of bundle.prices)
      if (price.id !== current.id && price.currency === current.currency && price.status === "active")
        prices.push({ price, bundle });
  return prices;
}

const intervalText = (p: Price) => `${p.interval_count > 1 ? `${p.interval_count} ` : ""}${p.interval}`;

async function render(ctx: PageContext) {
  const { api, params, href, can, csrf } = ctx;
  const res = await api<Subscription>("GET", `/v1/subscriptions/${encodeURIComponent(params.id!)}`);
  if (!res.ok) return { title: "Subscription", body: <p class="error">{problemText(res.body)}</p> };
  const sub = res.body;
  const [priceRes, paymentsRes, clock, notificationsRes, storefrontRes, discountRes] = await Promise.all([
    api<Price>("GET", `/v1/prices/${sub.price}`),
    can("payments:read") ? api<{ data: Payment[] }>("GET", `/v1/payments?subscription=${sub.id}&limit=100`) : undefined,
    api<TestClock>("GET", "/v1/test-clocks/current"),
    // Direct subscriptions have no vendor: only a store's or partner's send notifications.
    sub.channel !== "direct"
      ? api<{ data: ChannelNotification[] }>("GET", `/v1/subscriptions/${sub.id}/notifications`)
      : undefined,
    can("storefronts:read") ? api<Storefront>("GET", `/v1/storefronts/${sub.storefront}`) : undefined,
    api<Discount>("GET", `/v1/subscriptions/${sub.id}/discount`),
  ]);
  const discount = discountRes.ok ? discountRes.body : undefined;
  // The discount names its promotion code by id; the code as typed is what support is told.
  const codeRes =
    discount?.promotion_code && can("campaigns:read")
      ? await api<PromotionCode>("GET", `/v1/promotion-codes/${discount.promotion_code}`)
      : undefined;
  const codeText = codeRes?.ok ? codeRes.body.code : discount?.promotion_code;
  const retryDays = storefrontRes?.ok ? storefrontRes.body.dunning.retry_days : undefined;
  const notifications = notificationsRes?.ok ? notificationsRes.body.data : [];
  const price = priceRes.ok ? priceRes.body : undefined;
  const payments = paymentsRes?.ok ? paymentsRes.body.data : [];
  const base = `subscriptions/${sub.id}`;
  const live = !["cancelled", "expired"].includes(sub.status);
  const options = price && can("subscriptions:write") && live ? await planOptions(api, price) : [];
  const now = clock.ok ? Date.parse(clock.body.now) : undefined;
  // A tax-exclusive price is charged net + tax (docs/invoicing.md): its preview is a net, said so.
  const entityRes =
    options.length && can("invoices:read")
      ? await api<LegalEntity>("GET", `/v1/storefronts/${sub.storefront}/legal-entity`)
      : undefined;
  const entity = entityRes?.ok ? entityRes.body : undefined;
  const exclusive = (p: Price) =>
    entity !== undefined && (p.tax_behavior ? p.tax_behavior === "exclusive" : !entity.prices_include_tax);
  // The proration preview is billing's own formula (core's quoteChange) at the environment's now.
  const previews = options.map(({ price: next, bundle }) => {
    const sameCycle = price!.interval === next.interval && price!.interval_count === next.interval_count;
    const quote =
      now !== undefined && sub.status !== "trial"
        ? quoteChange({
            paid: price!.amount,
            newAmount: next.amount,
            window: {
              startMs: Date.parse(sub.current_period_start),
              endMs: Date.parse(sub.current_period_end),
              atMs: now,
            },
            sameCycle,
          })
        : undefined;
    const plusTax = exclusive(next) ? " + tax" : "";
    const due = quote
      ? `due now ${formatMoney(quote.amount_due, next.currency)}${plusTax}`
      : "no charge during a trial";
    // Billing refuses to prorate now between a tax-inclusive and a tax-exclusive price.
    const periodEndOnly =
      quote && quote.amount_due < 0
        ? ": a downgrade, switch at period end"
        : quote && quote.amount_due > 0 && price!.amount > 0 && exclusive(price!) !== exclusive(next)
          ? ": tax treatment differs, switch at period end"
          : "";
    return [
      next.id,
      `${bundle.name}: ${formatMoney(next.amount, next.currency)}${plusTax} / ${intervalText(next)} (${due}${periodEndOnly})`,
    ] as [string, string];
  });
  return {
    title: `Subscription ${sub.id}`,
    body: (
      <>
        <Section title="Summary" id="summary">
          <dl class="props">
            <dt>Status</dt>
            <dd>
              <Status value={sub.status} />
              {sub.cancel_at_period_end ? " (cancels at period end)" : ""}
            </dd>
            <dt>Customer</dt>
            <dd>
              <a href={href(`customers/${sub.customer}`)}>{sub.customer}</a>
            </dd>
            <dt>Price</dt>
            <dd>
              {price ? (
                <>
                  <Money amount={price.amount} currency={price.currency} /> / {intervalText(price)}
                </>
              ) : (
                sub.price
              )}
            </dd>
            <dt>Channel</dt>
            <dd>{sub.channel}</dd>
            {sub.channel !== "direct" ? (
              <>
                <dt>Vendor subscription id</dt>
                <dd>
                  <code>{sub.vendor?.vendor_subscription_id ?? "not linked yet"}</code>
                </dd>
                <dt>Vendor customer id</dt>
                <dd>
                  <code>{sub.vendor?.vendor_customer_id ?? "—"}</code>
                </dd>
              </>
            ) : null}
            <dt>Storefront / bundle</dt>
            <dd>
              {sub.storefront} / {sub.bundle}
            </dd>
            <dt>Payment method</dt>
            <dd>{sub.payment_method ?? "charged by the channel"}</dd>
            <dt>Period</dt>
            <dd>
              #{sub.period_index}: <Time at={sub.current_period_start} /> → <Time at={sub.current_period_end} />
            </dd>
            <dt>Trial ends</dt>
            <dd>
              <Time at={sub.trial_end} />
            </dd>
            <dt>Dunning</dt>
            <dd>
              {sub.next_retry_at ? (
                <>
                  next retry <Time at={sub.next_retry_at} />
                </>
              ) : (
                "none scheduled"
              )}
              {retryDays && sub.channel === "direct"
                ? `; schedule: ${
                    retryDays.length > 0
                      ? `retries ${retryDays.map((d) => `day ${d}`).join(", ")} after a failed charge`
                      : "no retries"
                  }, then suspended`
                : ""}
            </dd>
            <dt>Discount</dt>
            <dd>
              {discount ? (
                <>
                  coupon <code>{discount.coupon}</code>
                  {codeText ? ` (code ${codeText})` : ""}, periods {discount.first_period}–{discount.last_period ?? "∞"}
                </>
              ) : (
                "none"
              )}
            </dd>
            <dt>Pending plan change</dt>
            <dd>
              {sub.pending_plan_change ? (
                <>
                  {sub.pending_plan_change.price} at <Time at={sub.pending_plan_change.effective_at} />
                </>
              ) : (
                "none"
              )}
            </dd>
          </dl>
        </Section>
        {can("subscriptions:write") && live ? (
          <Section title="Actions" id="actions">
            <div class="actions">
              {sub.cancel_at_period_end ? (
                <PostForm action={href(`${base}/resume`)} csrf={csrf}>
                  <button type="submit">Resume</button>
                </PostForm>
              ) : (
                <PostForm action={href(`${base}/cancel`)} csrf={csrf}>
                  <input type="hidden" name="at_period_end" value="true" />
                  <button type="submit" class="secondary">
                    Cancel at period end
                  </button>
                </PostForm>
              )}
              <PostForm action={href(`${base}/cancel`)} csrf={csrf}>
                <input type="hidden" name="at_period_end" value="false" />
                <button type="submit" class="danger">
                  Cancel now
                </button>
              </PostForm>
              {sub.status === "grace" || sub.status === "suspended" ? (
                <PostForm action={href(`${base}/retry`)} csrf={csrf}>
                  <button type="submit">Retry payment</button>
                </PostForm>
              ) : null}
              {previews.length > 0 ? (
                <PostForm action={href(`${base}/change-plan`)} csrf={csrf}>
                  <Select label="Change plan to" name="price" options={previews} />
                  <Select
                    label="When"
                    name="proration"
                    options={[
                      ["now", "now (prorated, charged at once)"],
                      ["period_end", "at period end"],
                    ]}
                  />
                  <button type="submit">Change plan</button>
                </PostForm>
              ) : null}
            </div>
            <h3>Discount</h3>
            {await DiscountForms({ ctx, subscription: sub.id, discount })}
            {can("entitlements:write") ? (
              <p>
                <a href={`${href(`customers/${sub.customer}`)}#entitlements-h`}>Grant a comp</a> (on the customer: an
                entitlement outside any subscription, with a reason and an optional end).
              </p>
            ) : null}
          </Section>
        ) : null}
        <Section title="Status history" id="history">
          <Table
            caption="Every status change, oldest first"
            head={["When", "Status", "Reason"]}
            rows={sub.status_history.map((h) => [<Time at={h.at} />, <Status value={h.status} />, h.reason])}
          />
        </Section>
        {can("payments:read") ? (
          <Section title="Payments and attempts" id="payments">
            <Table
              caption="Every charge of this subscription, newest first"
              head={[
                "Payment",
                "Period",
                "Attempt",
                "Amount",
                "Status",
                "Routed (providers tried)",
                "Failure",
                "Refunded",
                "Dispute",
                "",
              ]}
              rows={payments.map((p) => [
                <a href={href(`payments/${p.id}`)}>{p.id}</a>,
                String(p.period_index),
                String(p.attempt),
                <Money amount={p.amount} currency={p.currency} />,
                <Status value={p.status} />,
                `${routeSummary(p)}${p.provider_reference ? ` ${p.provider_reference}` : ""}`,
                p.failure_code ?? "—",
                <Money amount={p.refunded_amount} currency={p.currency} />,
                p.dispute ? <Status value={p.dispute.status} /> : "—",
                can("payments:refund") && refundable(p) ? (
                  <RefundForm payment={p} action={href(`${base}/refund`)} csrf={csrf} />
                ) : (
                  ""
                ),
              ])}
              empty="No payments."
            />
          </Section>
        ) : null}
        {sub.channel !== "direct" ? (
          <Section title="Channel notifications" id="notifications">
            <Table
              caption="What the vendor sent, in the vendor's order, and what it changed"
              head={["Occurred", "Vendor type", "Event", "Status", "Detail", "Vendor event id", "Received"]}
              rows={notifications.map((n) => [
                <Time at={n.occurred_at} />,
                `${n.vendor_type}${n.vendor_subtype ? ` / ${n.vendor_subtype}` : ""}`,
                n.event ?? "—",
                <Status value={n.status} />,
                n.detail ?? (n.changes ? JSON.stringify(n.changes) : "—"),
                <code>{n.vendor_event_id}</code>,
                <Time at={n.received_at} />,
              ])}
              empty="No notification from the vendor yet."
            />
          </Section>
        ) : null}
      </>
    ),
  };
}

export const subscriptionPage: ConsolePage = {
  path: "subscriptions/:id",
  permission: "subscriptions:read",
  render,
  actions: {
    ...discountActions(render),
    cancel: {
      permission: "subscriptions:write",
      handle: (ctx, form) =>
        act(ctx, "cancel", { at_period_end: form.at_period_end === "true" }, "Cancellation recorded"),
    },
    resume: { permission: "subscriptions:write", handle: (ctx) => act(ctx, "resume", undefined, "Resumed") },
    retry: { permission: "subscriptions:write", handle: (ctx) => act(ctx, "retry", undefined, "Payment retried") },
    "change-plan": {
      permission: "subscriptions:write",
      handle: (ctx, form) =>
        act(ctx, "change-plan", { price: form.price, proration: form.proration }, "Plan change recorded"),
    },
    refund: {
      permission: "payments:refund",
      handle: (ctx, form) => refund(ctx, form, `subscriptions/${ctx.params.id}`),
    },
  },
};

async function act(ctx: PageContext, action: string, body: unknown, done: string) {
  const url = ctx.href(`subscriptions/${ctx.params.id}`);
  const res = await ctx.api("POST", `/v1/subscriptions/${encodeURIComponent(ctx.params.id!)}/${action}`, body);
  return backTo(url, res, done);
}
