/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { CreditNote, Invoice, Payment, RoutingDecision } from "@tessera/core";
import { backTo, formatMoney, Money, PostForm, problemText, Section, Status, Table, Time, withMessage } from "../ui.js";
import { DOCUMENT_HEAD, documentRows } from "./invoices.js";
import type { ConsolePage, PageContext } from "./registry.js";

/*
 * One payment: why routing sent it where it went (the decision's inputs, rule and scored
 * candidates), every provider tried in order, its refunds and dispute, its invoice and credit
 * notes. Refunding is the API's own route (payments:refund).
 */

/** The refund form of a succeeded payment that still has something to give back; posts to `action`. */
export function RefundForm(props: { payment: Payment; action: string; csrf: string }) {
  const p = props.payment;
  return (
    <PostForm action={props.action} csrf={props.csrf}>
      <input type="hidden" name="payment" value={p.id} />
      <label for={`refund-${p.id}`}>Amount (minor units)</label>
      <input
        id={`refund-${p.id}`}
        name="amount"
        inputmode="numeric"
        pattern="[0-9]*"
        value={String(p.amount - p.refunded_amount)}
      />
      <button type="submit" class="danger">
        Refund
      </button>
    </PostForm>
  );
}

export const refundable = (p: Payment) => p.status === "succeeded" && p.refunded_amount < p.amount;

/** A refund action posting to the page at `back` (the payment's or its subscription's). */
export async function refund(ctx: PageContext, form: Record<string, string>, back: string) {
  const url = ctx.href(back);
  const amount = Number(form.amount);
  if (!/^pay_[A-Za-z0-9]+$/.test(form.payment ?? "") || !Number.isSafeInteger(amount) || amount < 1) {
    return { redirect: withMessage(url, "error", "Enter a whole amount in minor units (1 or more).") };
  }
  const res = await ctx.api<Payment>("POST", `/v1/payments/${form.payment}/refund`, { amount });
  return backTo(url, res, `Refunded ${formatMoney(amount, res.body.currency)} of ${form.payment}`);
}

/** One line saying where routing sent a payment (for lists). */
export const routeSummary = (p: Payment) =>
  p.attempts.length > 1 ? p.attempts.map((a) => `${a.provider} (${a.result})`).join(" → ") : p.provider;

function Routing(props: { decision: RoutingDecision; currency: string }) {
  const d = props.decision;
  return (
    <>
      <dl class="props">
        <dt>Chosen</dt>
        <dd>{d.chosen ?? "none"}</dd>
        <dt>Why</dt>
        <dd>{d.reason}</dd>
        <dt>Rule</dt>
        <dd>{d.rule ?? "no rule matched"}</dd>
        <dt>Inputs</dt>
        <dd>
          {formatMoney(d.inputs.amount, d.inputs.currency)}, {d.inputs.method_type}, {d.inputs.channel}, country{" "}
          {d.inputs.country ?? "unknown"}
        </dd>
        <dt>Decided</dt>
        <dd>
          <Time at={d.decided_at} />
        </dd>
      </dl>
      <Table
        caption="Candidates in the order they are tried"
        head={["Provider", "Eligible", "Score", "Success rate", "Observations", "Fee", "Preferred", "Excluded because"]}
        rows={d.candidates.map((c) => [
          c.provider,
          c.eligible ? "yes" : "no",
          c.score === null ? "—" : c.score.toFixed(3),
          c.success_rate === null ? "—" : `${(c.success_rate * 100).toFixed(1)} %`,
          c.observations === null ? "—" : c.observations.toFixed(1),
          c.fee === null ? "—" : <Money amount={c.fee} currency={props.currency} />,
          c.preferred ? "yes" : "no",
          c.excluded ?? "—",
        ])}
        empty="No candidates."
      />
    </>
  );
}

export const paymentPage: ConsolePage = {
  path: "payments/:id",
  permission: "payments:read",
  async render({ api, params, href, can, csrf }) {
    const res = await api<Payment>("GET", `/v1/payments/${encodeURIComponent(params.id!)}`);
    if (!res.ok) return { title: "Payment", body: <p class="error">{problemText(res.body)}</p> };
    const p = res.body;
    const [invoices, notes] = can("invoices:read")
      ? await Promise.all([
          api<{ data: Invoice[] }>("GET", `/v1/invoices?payment=${p.id}&limit=10`),
          api<{ data: CreditNote[] }>("GET", `/v1/credit-notes?payment=${p.id}&limit=100`),
        ])
      : [];
    const documents = [...(invoices?.ok ? invoices.body.data : []), ...(notes?.ok ? notes.body.data : [])];
    return {
      title: `Payment ${p.id}`,
      body: (
        <>
          <Section title="Summary" id="summary">
            <dl class="props">
              <dt>Amount</dt>
              <dd>
                <Money amount={p.amount} currency={p.currency} /> ({p.kind}, period {p.period_index}, attempt{" "}
                {p.attempt})
              </dd>
              <dt>Status</dt>
              <dd>
                <Status value={p.status} />
                {p.failure_code ? ` ${p.failure_code}: ${p.failure_message ?? ""}` : ""}
                {p.retryable === false ? " (not retryable)" : ""}
              </dd>
              <dt>Refunded</dt>
              <dd>
                <Money amount={p.refunded_amount} currency={p.currency} />
              </dd>
              <dt>Dispute</dt>
              <dd>
                {p.dispute ? (
                  <>
                    <Status value={p.dispute.status} />
                    {p.dispute.amount !== null ? (
                      <>
                        {" "}
                        <Money amount={p.dispute.amount} currency={p.currency} />
                      </>
                    ) : null}
                    {p.dispute.reason ? ` (${p.dispute.reason})` : ""}
                  </>
                ) : (
                  "none"
                )}
              </dd>
              <dt>Provider</dt>
              <dd>
                {p.provider}
                {p.provider_reference ? ` ${p.provider_reference}` : ""}
              </dd>
              <dt>Customer</dt>
              <dd>
                <a href={href(`customers/${p.customer}`)}>{p.customer}</a>
              </dd>
              <dt>Subscription</dt>
              <dd>{p.subscription ? <a href={href(`subscriptions/${p.subscription}`)}>{p.subscription}</a> : "—"}</dd>
              <dt>Payment method</dt>
              <dd>{p.payment_method}</dd>
              <dt>Created</dt>
              <dd>
                <Time at={p.created_at} />
              </dd>
            </dl>
            {can("payments:refund") && refundable(p) ? (
              <RefundForm payment={p} action={href(`payments/${p.id}/refund`)} csrf={csrf} />
            ) : null}
          </Section>
          <Section title="Routing decision" id="routing">
            {p.routing ? (
              <Routing decision={p.routing} currency={p.currency} />
            ) : (
              <p class="empty">Made before routing kept its decisions.</p>
            )}
          </Section>
          <Section title="Attempts" id="attempts">
            <Table
              caption="Every provider tried, in order; the last is the current one"
              head={["When", "Provider", "Result", "Code", "Message", "Idempotency key"]}
              rows={p.attempts.map((a) => [
                <Time at={a.at} />,
                a.provider,
                <Status value={a.result} />,
                a.code ?? "—",
                a.message ?? "—",
                <code>{a.idempotency_key}</code>,
              ])}
              empty="No attempts recorded."
            />
          </Section>
          {can("invoices:read") ? (
            <Section title="Invoice and credit notes" id="documents">
              <Table
                caption="Fiscal documents of this payment"
                head={DOCUMENT_HEAD}
                rows={documentRows(documents, href)}
                empty="No invoice (the storefront has no legal entity, or it is not issued yet)."
              />
            </Section>
          ) : null}
          {can("events:read") ? (
            <p>
              <a href={`${href("developers/events")}?object_id=${p.id}`}>Events of this payment</a>
            </p>
          ) : null}
        </>
      ),
    };
  },
  actions: {
    refund: {
      permission: "payments:refund",
      handle: (ctx, form) => refund(ctx, form, `payments/${ctx.params.id}`),
    },
  },
};
