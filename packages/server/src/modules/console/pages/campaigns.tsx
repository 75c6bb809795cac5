/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Coupon, PromotionCode, Redemption } from "@tessera/core";
import { backTo, Field, formatMoney, PostForm, problemText, Section, Select, Status, Table, Time } from "../ui.js";
import type { ConsolePage, PageContext } from "./registry.js";

/*
 * Campaigns: coupons (what comes off, for how long, within which limits), their promotion codes,
 * and the redemption ledger — every redemption and refusal with the checks that decided it.
 * Creating and archiving are the API's own routes (campaigns:write); the API validates the terms.
 */

const OUTCOMES = ["", "redeemed", "refused", "released"] as const;

const offText = (c: Coupon) =>
  c.percent_off !== null
    ? `${c.percent_off} % off`
    : Object.entries(c.amounts_off ?? {})
        .map(([currency, amount]) => `${formatMoney(amount, currency)} off`)
        .join(", ");

const durationText = (c: Coupon) =>
  c.duration === "repeating" ? `${c.duration_in_periods} periods` : c.duration === "once" ? "next charge" : "forever";

const limitText = (used: number, max: number | null) => `${used}${max === null ? "" : ` of ${max}`}`;

function ledgerQuery(query: PageContext["query"]) {
  const kept: Record<string, string> = {};
  if (OUTCOMES.includes(query.outcome as (typeof OUTCOMES)[number]) && query.outcome) kept.outcome = query.outcome;
  for (const name of ["coupon", "customer"] as const) {
    const value = query[name]?.trim();
    if (value) kept[name] = value;
  }
  return kept;
}

export const campaignsPage: ConsolePage = {
  path: "campaigns",
  nav: "Campaigns",
  permission: "campaigns:read",
  async render({ api, can, csrf, href, query }) {
    const kept = ledgerQuery(query);
    const [coupons, codes, ledger] = await Promise.all([
      api<{ data: Coupon[] }>("GET", "/v1/coupons?limit=100"),
      api<{ data: PromotionCode[] }>("GET", "/v1/promotion-codes?limit=100"),
      api<{ data: Redemption[] }>("GET", `/v1/campaigns/redemptions?${new URLSearchParams({ ...kept, limit: "50" })}`),
    ]);
    const write = can("campaigns:write");
    const active = coupons.ok ? coupons.body.data.filter((c) => c.status === "active") : [];
    return {
      title: "Campaigns",
      body: (
        <>
          <Section title="Coupons" id="coupons">
            {coupons.ok ? (
              <Table
                caption="Coupons, newest first"
                head={["Coupon", "Id", "Off", "For", "Redeemed", "Per customer", "Window", "Trigger", "Status", ""]}
                rows={coupons.body.data.map((c) => [
                  c.name,
                  <code>{c.id}</code>,
                  offText(c),
                  durationText(c),
                  limitText(c.times_redeemed, c.max_redemptions),
                  c.max_redemptions_per_customer === null ? "—" : String(c.max_redemptions_per_customer),
                  <>
                    <Time at={c.starts_at} /> → <Time at={c.ends_at} />
                  </>,
                  c.trigger ? c.trigger.type : "—",
                  <Status value={c.status} />,
                  write && c.status === "active" ? (
                    <PostForm action={href("campaigns/archive-coupon")} csrf={csrf}>
                      <input type="hidden" name="id" value={c.id} />
                      <button type="submit" class="secondary">
                        {c.times_redeemed > 0 ? "Archive" : "Delete"}
                      </button>
                    </PostForm>
                  ) : (
                    ""
                  ),
                ])}
                empty="No coupons yet."
              />
            ) : (
              <p class="error">{problemText(coupons.body)}</p>
            )}
            {write ? (
              <details>
                <summary>New coupon</summary>
                <PostForm action={href("campaigns/create-coupon")} csrf={csrf} class="stack">
                  <Field label="Name" name="name" required />
                  <Field
                    label="Percent off"
                    name="percent_off"
                    inputmode="decimal"
                    hint="Or an amount off below (one of the two)."
                  />
                  <Field label="Amount off (minor units)" name="amount_off" inputmode="numeric" pattern="[0-9]*" />
                  <Field label="Currency of the amount" name="currency" hint="ISO 4217, e.g. EUR." />
                  <Select
                    label="Duration"
                    name="duration"
                    options={[
                      ["once", "the next charge"],
                      ["repeating", "a number of periods"],
                      ["forever", "forever"],
                    ]}
                  />
                  <Field label="Periods (repeating only)" name="duration_in_periods" inputmode="numeric" />
                  <Field label="Redemptions at most (optional)" name="max_redemptions" inputmode="numeric" />
                  <button type="submit">Create coupon</button>
                </PostForm>
              </details>
            ) : null}
          </Section>
          <Section title="Promotion codes" id="codes">
            {codes.ok ? (
              <Table
                caption="Codes customers type, each for a coupon"
                head={["Code", "Coupon", "Only for", "Redeemed", "Expires", "Status", ""]}
                rows={codes.body.data.map((p) => [
                  <code>{p.code}</code>,
                  <code>{p.coupon}</code>,
                  p.customer ? <a href={href(`customers/${p.customer}`)}>{p.customer}</a> : "anyone",
                  limitText(p.times_redeemed, p.max_redemptions),
                  <Time at={p.expires_at} />,
                  <Status value={p.status} />,
                  write && p.status === "active" ? (
                    <PostForm action={href("campaigns/archive-code")} csrf={csrf}>
                      <input type="hidden" name="id" value={p.id} />
                      <button type="submit" class="secondary">
                        Archive
                      </button>
                    </PostForm>
                  ) : (
                    ""
                  ),
                ])}
                empty="No promotion codes yet."
              />
            ) : (
              <p class="error">{problemText(codes.body)}</p>
            )}
            {write && active.length > 0 ? (
              <details>
                <summary>New promotion code</summary>
                <PostForm action={href("campaigns/create-code")} csrf={csrf} class="stack">
                  <Select
                    label="Coupon"
                    name="coupon"
                    options={active.map((c) => [c.id, `${c.name} (${offText(c)})`])}
                  />
                  <Field label="Code" name="code" required hint="3–40 letters, digits, - or _." />
                  <button type="submit">Create code</button>
                </PostForm>
              </details>
            ) : null}
          </Section>
          <Section title="Redemption ledger" id="ledger">
            <form method="get" action={href("campaigns")} class="actions">
              <Select
                label="Outcome"
                name="outcome"
                value={kept.outcome ?? ""}
                options={OUTCOMES.map((o) => [o, o || "any"] as [string, string])}
              />
              <Field label="Coupon id" name="coupon" value={kept.coupon} />
              <Field label="Customer id" name="customer" value={kept.customer} />
              <button type="submit">Filter</button>
            </form>
            {ledger.ok ? (
              <Table
                caption="Every redemption and refusal, newest first, with the checks that decided it"
                head={["When", "Outcome", "Refusal", "Coupon / code", "Customer", "Subscription", "Checks"]}
                rows={ledger.body.data.map((r) => [
                  <Time at={r.created_at} />,
                  <Status value={r.outcome} />,
                  r.code ?? "—",
                  [r.coupon, r.promotion_code].filter(Boolean).join(" / ") || "—",
                  <a href={href(`customers/${r.customer}`)}>{r.customer}</a>,
                  r.subscription ? <a href={href(`subscriptions/${r.subscription}`)}>{r.subscription}</a> : "—",
                  <ul>
                    {r.checks.map((c) => (
                      <li>
                        {c.passed ? "✓" : "✗"} {c.check}
                        {c.detail ? `: ${c.detail}` : ""}
                      </li>
                    ))}
                  </ul>,
                ])}
                empty="No redemptions match."
              />
            ) : (
              <p class="error">{problemText(ledger.body)}</p>
            )}
          </Section>
        </>
      ),
    };
  },
  actions: {
    "create-coupon": {
      permission: "campaigns:write",
      async handle({ api, href }, form) {
        const num = (v: string | undefined) => (v?.trim() ? Number(v.trim()) : undefined);
        const amount = num(form.amount_off);
        const body = {
          name: form.name,
          duration: form.duration,
          ...(num(form.percent_off) !== undefined ? { percent_off: num(form.percent_off) } : {}),
          ...(amount !== undefined ? { amounts_off: { [(form.currency ?? "").trim().toUpperCase()]: amount } } : {}),
          ...(num(form.duration_in_periods) !== undefined
            ? { duration_in_periods: num(form.duration_in_periods) }
            : {}),
          ...(num(form.max_redemptions) !== undefined ? { max_redemptions: num(form.max_redemptions) } : {}),
        };
        return backTo(href("campaigns"), await api("POST", "/v1/coupons", body), `Coupon ${form.name} created`);
      },
    },
    "archive-coupon": {
      permission: "campaigns:write",
      async handle({ api, href }, form) {
        const res = await api("DELETE", `/v1/coupons/${encodeURIComponent(form.id ?? "")}`);
        return backTo(href("campaigns"), res, "Coupon deleted, or archived if it was redeemed");
      },
    },
    "create-code": {
      permission: "campaigns:write",
      async handle({ api, href }, form) {
        const res = await api("POST", "/v1/promotion-codes", { coupon: form.coupon, code: form.code });
        return backTo(href("campaigns"), res, `Promotion code ${form.code} created`);
      },
    },
    "archive-code": {
      permission: "campaigns:write",
      async handle({ api, href }, form) {
        const res = await api("POST", `/v1/promotion-codes/${encodeURIComponent(form.id ?? "")}/archive`);
        return backTo(href("campaigns"), res, "Promotion code archived");
      },
    },
  },
};
