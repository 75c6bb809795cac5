/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { ChannelName, type ChannelProduct, type ChannelSettingsView, type Storefront } from "@tessera/core";
import { FormError, openIf, shown } from "../forms.js";
import { SecretRows } from "../secrets.js";
import { Confirm, Field, PostForm, problemText, Section, Select, Table, TextArea, Time } from "../ui.js";
import type { PageContext } from "./registry.js";

/*
 * A storefront's store or partner channel: its configuration, which secrets are set (never their
 * values), the notification URL to give the vendor and the product map — and, for storefronts:write,
 * forms that set them through PUT /v1/storefronts/{id}/channels/{channel} and the product routes.
 */

const CONFIG_HINT =
  "Public settings: App Store bundle_id, app_apple_id, environment; Play package_name … (docs/channels.md).";

export async function channelSection(ctx: PageContext, storefront: string, channel: string, write: boolean) {
  const { api, href, csrf } = ctx;
  const [settings, products] = await Promise.all([
    api<ChannelSettingsView>("GET", `/v1/storefronts/${storefront}/channels/${channel}`),
    api<{ data: ChannelProduct[] }>("GET", `/v1/storefronts/${storefront}/channels/${channel}/products?limit=100`),
  ]);
  const act = (name: string) => href(`catalog/storefronts/${storefront}/${name}`);
  const form = `channel-${channel}`;
  const secrets = `channel-${channel}-secrets`;
  const mapForm = `channel-${channel}-product`;
  const names = settings.ok ? settings.body.credential_names : [];
  return (
    <Section title={`Channel: ${channel}`} id={`channel-${channel}`}>
      {settings.ok ? (
        <dl class="props">
          {Object.entries(settings.body.config).map(([key, value]) => (
            <>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </>
          ))}
          <dt>Secrets set</dt>
          <dd>{names.join(", ") || "none"}</dd>
          <dt>Notification URL</dt>
          <dd>
            <code>{settings.body.notification_url ?? "—"}</code>
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time at={settings.body.updated_at} />
          </dd>
        </dl>
      ) : settings.status === 404 ? (
        <p class="empty">No settings yet: the channel's notifications cannot be verified until they are set.</p>
      ) : (
        <p class="error">{problemText(settings.body)}</p>
      )}
      {write ? (
        <details open={openIf(ctx, form) || openIf(ctx, secrets)}>
          <summary>Edit the {channel} settings and secrets</summary>
          <FormError ctx={ctx} form={form} />
          <PostForm action={act("channel-settings")} csrf={csrf} class="stack">
            <input type="hidden" name="channel" value={channel} />
            <TextArea
              form={form}
              label={`Settings of ${channel} (JSON)`}
              name="config"
              rows={6}
              value={shown(ctx, form, "config", JSON.stringify(settings.ok ? settings.body.config : {}, null, 2))}
              hint={`${CONFIG_HINT} The secrets are kept.`}
            />
            <button type="submit">Save settings</button>
          </PostForm>
          <FormError ctx={ctx} form={secrets} />
          <PostForm action={act("channel-secrets")} csrf={csrf} class="stack">
            <input type="hidden" name="channel" value={channel} />
            <p>What you enter replaces every secret of this channel: enter each one listed, or clear its name.</p>
            <SecretRows ctx={ctx} form={secrets} names={names} />
            <button type="submit">Replace secrets</button>
          </PostForm>
          {names.length > 0 ? (
            <Confirm
              summary="Clear the secrets…"
              action={act("channel-secrets")}
              csrf={csrf}
              button={`Delete every secret of ${channel}`}
            >
              <input type="hidden" name="channel" value={channel} />
              <input type="hidden" name="clear" value="true" />
            </Confirm>
          ) : null}
        </details>
      ) : null}
      {products.ok ? (
        <Table
          caption={`Vendor products mapped to prices (${channel})`}
          head={["Vendor product", "Price", "Bundle", ""]}
          rows={products.body.data.map((p) => [
            <code>{p.vendor_product_id}</code>,
            p.price,
            p.bundle,
            write ? (
              <PostForm action={act("channel-unmap")} csrf={csrf}>
                <input type="hidden" name="channel" value={channel} />
                <input type="hidden" name="vendor_product_id" value={p.vendor_product_id} />
                <button type="submit" class="secondary" aria-label={`Unmap ${p.vendor_product_id}`}>
                  Unmap
                </button>
              </PostForm>
            ) : (
              ""
            ),
          ])}
          empty="No product mapped: the vendor's notifications for unknown products are parked."
        />
      ) : null}
      {write ? (
        <details open={openIf(ctx, mapForm)}>
          <summary>Map a vendor product</summary>
          <FormError ctx={ctx} form={mapForm} />
          <PostForm action={act("channel-map")} csrf={csrf} class="stack">
            <input type="hidden" name="channel" value={channel} />
            <Field
              form={mapForm}
              label="Vendor product id"
              name="vendor_product_id"
              required
              value={shown(ctx, mapForm, "vendor_product_id", "")}
            />
            <Field
              form={mapForm}
              label="Price id"
              name="price"
              required
              value={shown(ctx, mapForm, "price", "")}
              hint="Our price (price_…); its bundle is what the product grants."
            />
            <button type="submit">Map product</button>
          </PostForm>
        </details>
      ) : null}
    </Section>
  );
}

/** Enabling a store or partner channel on the storefront is setting its settings (PUT). */
export function EnableChannel(props: { ctx: PageContext; s: Storefront }) {
  const { ctx, s } = props;
  const form = "channel-enable";
  const missing = ChannelName.options.filter((c) => c !== "direct" && !s.channels.includes(c));
  if (missing.length === 0) return null;
  return (
    <Section title="Enable a channel" id="channel-enable">
      <details open={openIf(ctx, form)}>
        <summary>Sell through another store or partner</summary>
        <FormError ctx={ctx} form={form} />
        <PostForm action={ctx.href(`catalog/storefronts/${s.id}/channel-enable`)} csrf={ctx.csrf} class="stack">
          <Select
            form={form}
            label="Channel"
            name="channel"
            value={shown(ctx, form, "channel", undefined)}
            options={missing.map((c) => [c, c])}
          />
          <TextArea
            form={form}
            label="Settings (JSON)"
            name="config"
            rows={6}
            value={shown(ctx, form, "config", "{}")}
            hint={CONFIG_HINT}
          />
          <SecretRows ctx={ctx} form={form} names={[]} />
          <button type="submit">Enable channel</button>
        </PostForm>
      </details>
    </Section>
  );
}
