/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Coupon, Discount } from "@tessera/core";
import { FormError, openIf, type Render, settle, shown } from "../forms.js";
import { Field, PostForm, Select } from "../ui.js";
import type { ConsoleAction, PageContext } from "./registry.js";

/*
 * A subscription's discount from the console: redeem a promotion code or a coupon on it (POST
 * /v1/subscriptions/{id}/discount, from its next charged period; the campaign's checks decide and
 * the ledger keeps the outcome) and end it (DELETE …/discount). subscriptions:write, as the API.
 */

const FORM = "discount";

export async function DiscountForms(props: { ctx: PageContext; subscription: string; discount: Discount | undefined }) {
  const { ctx, subscription, discount } = props;
  const coupons = ctx.can("campaigns:read")
    ? await ctx.api<{ data: Coupon[] }>("GET", "/v1/coupons?limit=100")
    : undefined;
  // Coupons an offer must unlock are redeemed by the customer's code, not applied directly here.
  const direct = coupons?.ok ? coupons.body.data.filter((c) => c.status === "active") : [];
  const action = ctx.href(`subscriptions/${subscription}/apply-discount`);
  return (
    <div class="actions">
      {discount ? (
        <PostForm action={ctx.href(`subscriptions/${subscription}/end-discount`)} csrf={ctx.csrf}>
          <button type="submit" class="secondary">
            End discount
          </button>
        </PostForm>
      ) : null}
      <details open={openIf(ctx, FORM)}>
        <summary>{discount ? "Replace the discount" : "Apply a coupon or promotion code"}</summary>
        <FormError ctx={ctx} form={FORM} />
        <PostForm action={action} csrf={ctx.csrf} class="stack">
          <Field
            form={FORM}
            label="Promotion code"
            name="promotion_code"
            value={shown(ctx, FORM, "promotion_code", "")}
            hint="As the customer would type it; or choose a coupon below."
          />
          {direct.length > 0 ? (
            <Select
              form={FORM}
              label="Coupon"
              name="coupon"
              value={shown(ctx, FORM, "coupon", "")}
              options={[["", "— none (use the code) —"], ...direct.map((c) => [c.id, c.name] as [string, string])]}
            />
          ) : null}
          <button type="submit">Apply discount</button>
        </PostForm>
      </details>
    </div>
  );
}

export function discountActions(render: Render): Record<string, ConsoleAction> {
  const path = (ctx: PageContext) => `/v1/subscriptions/${encodeURIComponent(ctx.params.id!)}/discount`;
  const back = (ctx: PageContext) => ctx.href(`subscriptions/${ctx.params.id}`);
  return {
    "apply-discount": {
      permission: "subscriptions:write",
      async handle(ctx, form) {
        const code = form.promotion_code?.trim();
        const coupon = form.coupon?.trim();
        // The API wants exactly one of the two; it says so when both or neither come.
        const res = await ctx.api("POST", path(ctx), {
          ...(code ? { promotion_code: code } : {}),
          ...(coupon ? { coupon } : {}),
        });
        return settle(ctx, render, { form: FORM, sent: form, res, url: back(ctx), done: "Discount applied" });
      },
    },
    "end-discount": {
      permission: "subscriptions:write",
      async handle(ctx, form) {
        const res = await ctx.api("DELETE", path(ctx));
        return settle(ctx, render, { form: FORM, sent: form, res, url: back(ctx), done: "Discount ended" });
      },
    },
  };
}
