/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { TRIAL_IDENTITIES, type TrialPolicy, type UpdateTrialPolicy } from "@tessera/core";
import { FormError, openIf, shown } from "../forms.js";
import { Field, PostForm, problemText, Section, Select, Time } from "../ui.js";
import type { PageContext } from "./registry.js";

/* A storefront's trial policy (GET/PATCH /v1/storefronts/{id}/trial-policy): who may have one trial. */

const FORM = "trial-policy";

export async function TrialPolicySection(props: { ctx: PageContext; storefront: string; write: boolean }) {
  const { ctx, storefront, write } = props;
  const res = await ctx.api<TrialPolicy>("GET", `/v1/storefronts/${storefront}/trial-policy`);
  if (!res.ok) {
    return (
      <Section title="Trial policy" id="trial-policy">
        <p class="error">{problemText(res.body)}</p>
      </Section>
    );
  }
  const p = res.body;
  const failedHere = ctx.failed?.form === FORM;
  return (
    <Section title="Trial policy" id="trial-policy">
      <p>
        {p.one_per.length ? `One trial per ${p.one_per.join(", ")}` : "No limit on trials"}, counted per {p.family}
        {p.lookback_days ? ` over the last ${p.lookback_days} days` : ""}; a trial refused:{" "}
        {p.on_ineligible === "refuse" ? "the subscription is refused" : "it starts without a trial"}. Updated{" "}
        <Time at={p.updated_at} />.
      </p>
      {write ? (
        <details open={openIf(ctx, FORM)}>
          <summary>Edit the trial policy</summary>
          <FormError ctx={ctx} form={FORM} />
          <PostForm action={ctx.href(`catalog/storefronts/${storefront}/trial-policy`)} csrf={ctx.csrf} class="stack">
            <fieldset>
              <legend>One trial per</legend>
              {TRIAL_IDENTITIES.map((i) => (
                <label class="check">
                  <input
                    type="checkbox"
                    name={`one_per_${i}`}
                    checked={failedHere ? ctx.failed?.values[`one_per_${i}`] === "on" : p.one_per.includes(i)}
                  />{" "}
                  {i.replace("_", " ")}
                </label>
              ))}
            </fieldset>
            <Select
              form={FORM}
              label="Counted per"
              name="family"
              value={shown(ctx, FORM, "family", p.family)}
              options={[
                ["storefront", "storefront (one trial across its bundles)"],
                ["bundle", "bundle"],
              ]}
            />
            <Field
              form={FORM}
              label="Look-back (days)"
              name="lookback_days"
              inputmode="numeric"
              value={shown(ctx, FORM, "lookback_days", p.lookback_days === null ? "" : String(p.lookback_days))}
              hint="Only trials started in the last N days count; empty: ever."
            />
            <Select
              form={FORM}
              label="When a trial is not allowed"
              name="on_ineligible"
              value={shown(ctx, FORM, "on_ineligible", p.on_ineligible)}
              options={[
                ["refuse", "refuse the subscription (409)"],
                ["start_without_trial", "start it without a trial, charged now"],
              ]}
            />
            <button type="submit">Save trial policy</button>
          </PostForm>
        </details>
      ) : null}
    </Section>
  );
}

export function trialPolicyInput(form: Record<string, string>): UpdateTrialPolicy {
  const days = form.lookback_days?.trim();
  return {
    one_per: TRIAL_IDENTITIES.filter((i) => form[`one_per_${i}`] === "on"),
    family: form.family as UpdateTrialPolicy["family"],
    // Not a number goes to the API as typed, which names the field.
    lookback_days: days ? (/^\d+$/.test(days) ? Number(days) : (days as never)) : null,
    on_ineligible: form.on_ineligible as UpdateTrialPolicy["on_ineligible"],
  };
}
