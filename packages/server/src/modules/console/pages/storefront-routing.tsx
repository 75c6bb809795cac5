/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type PaymentRouting, type PaymentRoutingSettingsInput, PROVIDER_FEATURES } from "@tessera/core";
import { FormError, openIf, parseJson, shown } from "../forms.js";
import { Field, PostForm, TextArea } from "../ui.js";
import type { PageContext } from "./registry.js";

/*
 * A storefront's payment routing (PUT /v1/storefronts/{id}/payment-routing replaces it whole):
 * weights and required features as fields, the rules, fee table, geography and network retry caps
 * as the API's JSON (shown filled in, so an edit starts from what is stored).
 */

const FORM = "routing";
const WEIGHTS = ["success", "cost", "geography", "order"] as const;
const JSON_PARTS = [
  ["rules", "Rules (JSON array, first match wins)", "array"],
  ["fees", "Fee table (JSON array)", "array"],
  ["geography", "Geography preferences (JSON array)", "array"],
  ["network_retry_caps", "Network retry caps (JSON object, per card brand)", "object"],
] as const;

export function RoutingForm(props: { ctx: PageContext; storefront: string; routing: PaymentRouting }) {
  const { ctx, routing } = props;
  const failedHere = ctx.failed?.form === FORM;
  return (
    <details open={openIf(ctx, FORM)}>
      <summary>Edit payment routing</summary>
      <FormError ctx={ctx} form={FORM} />
      <PostForm action={ctx.href(`catalog/storefronts/${props.storefront}/routing`)} csrf={ctx.csrf} class="stack">
        <fieldset>
          <legend>Weights (0–100)</legend>
          {WEIGHTS.map((w) => (
            <Field
              form={FORM}
              label={w}
              name={`weight_${w}`}
              inputmode="decimal"
              required
              value={shown(ctx, FORM, `weight_${w}`, String(routing.weights[w]))}
            />
          ))}
        </fieldset>
        <fieldset>
          <legend>Required features</legend>
          {PROVIDER_FEATURES.map((f) => {
            const checked = failedHere
              ? ctx.failed?.values[`feature_${f}`] === "on"
              : routing.required_features.includes(f);
            return (
              <label class="check">
                <input type="checkbox" name={`feature_${f}`} checked={checked} /> {f}
              </label>
            );
          })}
        </fieldset>
        {JSON_PARTS.map(([name, label]) => (
          <TextArea
            form={FORM}
            label={label}
            name={name}
            rows={5}
            value={shown(ctx, FORM, name, JSON.stringify(routing[name], null, 2))}
          />
        ))}
        <button type="submit">Save routing</button>
      </PostForm>
    </details>
  );
}

/** The settings a routing form sent, or why they are not JSON. */
export function routingInput(form: Record<string, string>): { value?: PaymentRoutingSettingsInput; error?: string } {
  const parts: Record<string, unknown> = {};
  for (const [name, label, kind] of JSON_PARTS) {
    const parsed = parseJson<unknown>(form[name], label, kind === "array" ? [] : {}, kind);
    if (parsed.error) return { error: parsed.error };
    parts[name] = parsed.value;
  }
  const weights = Object.fromEntries(WEIGHTS.map((w) => [w, Number((form[`weight_${w}`] ?? "").trim() || Number.NaN)]));
  return {
    value: {
      ...parts,
      // A weight that is not a number goes to the API as it is, which says which one and why.
      weights: Object.fromEntries(
        Object.entries(weights).map(([k, n]) => [k, Number.isFinite(n) ? n : form[`weight_${k}`]]),
      ),
      required_features: PROVIDER_FEATURES.filter((f) => form[`feature_${f}`] === "on"),
    } as PaymentRoutingSettingsInput,
  };
}
