/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Bundle, Storefront } from "@tessera/core";
import { FormError, openIf } from "../forms.js";
import { PostForm, problemText, Section, Select, Status, Table } from "../ui.js";
import type { PageContext } from "./registry.js";

/* The bundles a storefront sells (PATCH /v1/storefronts/{id} `bundles`, the list sent whole). */

const FORM = "bundles";

export async function BundlesSection(props: { ctx: PageContext; s: Storefront; write: boolean }) {
  const { ctx, s, write } = props;
  const res = await ctx.api<{ data: Bundle[] }>("GET", "/v1/bundles?limit=100");
  if (!res.ok) {
    return (
      <Section title="Bundles sold" id="bundles">
        <p class="error">{problemText(res.body)}</p>
      </Section>
    );
  }
  const byId = new Map(res.body.data.map((b) => [b.id, b]));
  const addable = res.body.data.filter((b) => b.status === "active" && !s.bundles.includes(b.id));
  return (
    <Section title="Bundles sold" id="bundles">
      <FormError ctx={ctx} form={FORM} />
      <Table
        caption="What this storefront sells"
        head={["Bundle", "Key", "Status", ""]}
        rows={s.bundles.map((id) => {
          const b = byId.get(id);
          return [
            b?.name ?? id,
            b?.key ?? "—",
            b ? <Status value={b.status} /> : "—",
            write ? (
              <PostForm action={ctx.href(`catalog/storefronts/${s.id}/bundle-remove`)} csrf={ctx.csrf}>
                <input type="hidden" name="bundle" value={id} />
                <button type="submit" class="secondary" aria-label={`Stop selling ${b?.name ?? id}`}>
                  Stop selling
                </button>
              </PostForm>
            ) : (
              ""
            ),
          ];
        })}
        empty="Sells no bundle yet."
      />
      {write && addable.length > 0 ? (
        <details open={openIf(ctx, FORM)}>
          <summary>Sell another bundle</summary>
          <PostForm action={ctx.href(`catalog/storefronts/${s.id}/bundle-add`)} csrf={ctx.csrf} class="actions">
            <Select
              form={FORM}
              label="Bundle"
              name="bundle"
              options={addable.map((b) => [b.id, `${b.name} (${b.key})`])}
            />
            <button type="submit">Sell it here</button>
          </PostForm>
        </details>
      ) : null}
    </Section>
  );
}
