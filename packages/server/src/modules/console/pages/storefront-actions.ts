import type { ProviderInput, Storefront, UpdateStorefront } from "@tessera/core";
import { parseJson, type Render, refused, settle } from "../forms.js";
import { secretsOf } from "../secrets.js";
import type { ConsoleAction, PageContext } from "./registry.js";
import { legalEntityInput } from "./storefront-legal.js";
import { routingInput } from "./storefront-routing.js";
import { trialPolicyInput } from "./storefront-trials.js";

/*
 * The storefront page's forms, each one call of the API's own route (PATCH /v1/storefronts/{id},
 * PUT …/payment-routing, PUT …/channels/{channel}, the product map, PUT …/legal-entity). A
 * provider's list is sent whole, as the API wants, each provider without `credentials` (kept)
 * except the one whose credentials the form sets.
 */

type Form = Record<string, string>;
type Answer = { ok: boolean; status: number; body: unknown };

const storefrontPath = (ctx: PageContext) => `/v1/storefronts/${encodeURIComponent(ctx.params.id!)}`;
const publicProviders = (s: Storefront): ProviderInput[] =>
  s.payment_providers.map((p) => ({ name: p.name, config: p.config }));

function configOf(form: Form) {
  return parseJson<Record<string, string | number | boolean>>(form.config, "Settings", {}, "object");
}

/** The credentials a secrets form asks for: `{}` to clear, what it entered, or why it cannot. */
function credentialsOf(form: Form): { credentials?: Record<string, string>; error?: string } {
  if (form.clear === "true") return { credentials: {} };
  const entered = secretsOf(form);
  if (entered.error) return entered;
  return entered.credentials ? entered : { error: "Enter at least one secret (a name and its value)" };
}

export function storefrontActions(render: Render): Record<string, ConsoleAction> {
  /** Runs one form: `call` returns the API's answer (or the console's own refusal). */
  const action = (
    permission: string,
    formId: (form: Form) => string,
    done: string,
    call: (ctx: PageContext, form: Form) => Promise<Answer>,
  ): ConsoleAction => ({
    permission,
    async handle(ctx, form) {
      const res = await call(ctx, form);
      const url = ctx.href(`catalog/storefronts/${ctx.params.id}`);
      return settle(ctx, render, { form: formId(form), sent: form, res, url, done });
    },
  });

  const current = async (ctx: PageContext) => {
    const res = await ctx.api<Storefront>("GET", storefrontPath(ctx));
    return res.ok ? { storefront: res.body } : { res };
  };
  const patch = (ctx: PageContext, body: UpdateStorefront) => ctx.api("PATCH", storefrontPath(ctx), body);
  /** Changes the provider list of the storefront as it is now. */
  const providers =
    (change: (list: ProviderInput[], form: Form) => ProviderInput[] | { error: string }) =>
    async (ctx: PageContext, form: Form): Promise<Answer> => {
      const got = await current(ctx);
      if (!got.storefront) return got.res;
      const next = change(publicProviders(got.storefront), form);
      if ("error" in next) return refused(next.error);
      return patch(ctx, { payment_providers: next });
    };
  const channelPath = (ctx: PageContext, form: Form) =>
    `${storefrontPath(ctx)}/channels/${encodeURIComponent(form.channel ?? "")}`;

  const providerForm = (form: Form) => `provider-${form.name}`;
  return {
    "update-general": action(
      "storefronts:write",
      () => "general",
      "Storefront saved",
      (ctx, form) => {
        const days = (form.retry_days ?? "")
          .split(",")
          .map((d) => d.trim())
          .filter(Boolean);
        if (days.some((d) => !/^\d+$/.test(d)))
          return Promise.resolve(refused("Retry days: whole numbers, comma separated"));
        return patch(ctx, { name: form.name ?? "", dunning: { retry_days: days.map(Number) } });
      },
    ),
    "set-status": action(
      "storefronts:write",
      () => "general",
      "Storefront status changed",
      (ctx, form) => patch(ctx, { status: form.status === "archived" ? "archived" : "active" }),
    ),
    "bundle-add": action(
      "storefronts:write",
      () => "bundles",
      "Bundle added",
      async (ctx, form) => {
        const got = await current(ctx);
        if (!got.storefront) return got.res;
        return patch(ctx, { bundles: [...got.storefront.bundles, form.bundle ?? ""] });
      },
    ),
    "bundle-remove": action(
      "storefronts:write",
      () => "bundles",
      "Bundle no longer sold here",
      async (ctx, form) => {
        const got = await current(ctx);
        if (!got.storefront) return got.res;
        return patch(ctx, { bundles: got.storefront.bundles.filter((b) => b !== form.bundle) });
      },
    ),
    "provider-move": action(
      "storefronts:write",
      providerForm,
      "Routing order changed",
      providers((list, form) => {
        const i = list.findIndex((p) => p.name === form.name);
        const j = form.direction === "up" ? i - 1 : i + 1;
        if (i < 0 || j < 0 || j >= list.length) return { error: `Cannot move ${form.name} ${form.direction}` };
        [list[i], list[j]] = [list[j]!, list[i]!];
        return list;
      }),
    ),
    "provider-remove": action(
      "storefronts:write",
      providerForm,
      "Provider removed",
      providers((list, form) => {
        if (!list.some((p) => p.name === form.name)) return { error: `No provider ${form.name} on this storefront` };
        return list.filter((p) => p.name !== form.name);
      }),
    ),
    "provider-settings": action(
      "storefronts:write",
      providerForm,
      "Provider settings saved",
      providers((list, form) => {
        const config = configOf(form);
        if (config.error) return { error: config.error };
        return list.map((p) => (p.name === form.name ? { ...p, config: config.value! } : p));
      }),
    ),
    "provider-secrets": action(
      "storefronts:write",
      (form) => `provider-${form.name}-secrets`,
      "Credentials saved (they are never shown)",
      providers((list, form) => {
        const secrets = credentialsOf(form);
        if (secrets.error) return { error: secrets.error };
        return list.map((p) => (p.name === form.name ? { ...p, credentials: secrets.credentials! } : p));
      }),
    ),
    "provider-add": action(
      "storefronts:write",
      () => "provider-add",
      "Provider added",
      providers((list, form) => {
        const config = configOf(form);
        if (config.error) return { error: config.error };
        const secrets = secretsOf(form);
        if (secrets.error) return { error: secrets.error };
        const name = (form.name ?? "").trim();
        return [
          ...list,
          { name, config: config.value!, ...(secrets.credentials ? { credentials: secrets.credentials } : {}) },
        ];
      }),
    ),
    "trial-policy": action(
      "storefronts:write",
      () => "trial-policy",
      "Trial policy saved",
      (ctx, form) => ctx.api("PATCH", `${storefrontPath(ctx)}/trial-policy`, trialPolicyInput(form)),
    ),
    "fiscal-set": action(
      "storefronts:write",
      () => "fiscal",
      "Fiscal provider saved",
      async (ctx, form) => {
        const config = configOf(form);
        if (config.error) return refused(config.error);
        return patch(ctx, { fiscal_provider: { name: (form.name ?? "").trim(), config: config.value! } });
      },
    ),
    "fiscal-secrets": action(
      "storefronts:write",
      () => "fiscal-secrets",
      "Fiscal credentials saved",
      async (ctx, form) => {
        const got = await current(ctx);
        if (!got.storefront) return got.res;
        const fiscal = got.storefront.fiscal_provider;
        if (!fiscal) return refused("Set a fiscal provider first");
        const secrets = credentialsOf(form);
        if (secrets.error) return refused(secrets.error);
        return patch(ctx, {
          fiscal_provider: { name: fiscal.name, config: fiscal.config, credentials: secrets.credentials! },
        });
      },
    ),
    "fiscal-remove": action(
      "storefronts:write",
      () => "fiscal",
      "Fiscal provider removed",
      (ctx) => patch(ctx, { fiscal_provider: null }),
    ),
    routing: action(
      "storefronts:write",
      () => "routing",
      "Payment routing saved",
      async (ctx, form) => {
        const input = routingInput(form);
        if (input.error) return refused(input.error);
        return ctx.api("PUT", `${storefrontPath(ctx)}/payment-routing`, input.value);
      },
    ),
    "channel-settings": action(
      "storefronts:write",
      (form) => `channel-${form.channel}`,
      "Channel settings saved",
      async (ctx, form) => {
        const config = configOf(form);
        if (config.error) return refused(config.error);
        return ctx.api("PUT", channelPath(ctx, form), { config: config.value });
      },
    ),
    "channel-secrets": action(
      "storefronts:write",
      (form) => `channel-${form.channel}-secrets`,
      "Channel secrets saved (they are never shown)",
      async (ctx, form) => {
        const secrets = credentialsOf(form);
        if (secrets.error) return refused(secrets.error);
        // The API replaces the settings whole: the stored configuration goes back unchanged.
        const settings = await ctx.api<{ config: Record<string, unknown> }>("GET", channelPath(ctx, form));
        if (!settings.ok) return settings;
        return ctx.api("PUT", channelPath(ctx, form), {
          config: settings.body.config,
          credentials: secrets.credentials,
        });
      },
    ),
    "channel-enable": action(
      "storefronts:write",
      () => "channel-enable",
      "Channel enabled",
      async (ctx, form) => {
        const config = configOf(form);
        if (config.error) return refused(config.error);
        const secrets = secretsOf(form);
        if (secrets.error) return refused(secrets.error);
        return ctx.api("PUT", channelPath(ctx, form), {
          config: config.value,
          ...(secrets.credentials ? { credentials: secrets.credentials } : {}),
        });
      },
    ),
    "channel-map": action(
      "storefronts:write",
      (form) => `channel-${form.channel}-product`,
      "Product mapped",
      (ctx, form) =>
        ctx.api("PUT", `${channelPath(ctx, form)}/products/${encodeURIComponent(form.vendor_product_id ?? "")}`, {
          price: form.price ?? "",
        }),
    ),
    "channel-unmap": action(
      "storefronts:write",
      (form) => `channel-${form.channel}-product`,
      "Product unmapped",
      (ctx, form) =>
        ctx.api("DELETE", `${channelPath(ctx, form)}/products/${encodeURIComponent(form.vendor_product_id ?? "")}`),
    ),
    "legal-entity": action(
      "invoices:write",
      () => "legal-entity",
      "Legal entity saved",
      (ctx, form) => ctx.api("PUT", `${storefrontPath(ctx)}/legal-entity`, legalEntityInput(form)),
    ),
  };
}
