/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Customer } from "@tessera/core";
import type { Api } from "../api.js";
import { problemText, Table, Time } from "../ui.js";
import type { ConsolePage } from "./registry.js";

/*
 * Customers: search by id, external id (in every storefront) or email. Emails are sealed per
 * customer (personal data), so no index can find them: an email search reads the newest
 * customers through the API and compares, up to EMAIL_SCAN of them, and says so.
 */

const EMAIL_SCAN = 500;

async function search(api: Api, q: string): Promise<{ found: Customer[]; note?: string }> {
  if (/^cus_[A-Za-z0-9]+$/.test(q)) {
    const res = await api<Customer>("GET", `/v1/customers/${encodeURIComponent(q)}`);
    return { found: res.ok ? [res.body] : [] };
  }
  const found = new Map<string, Customer>();
  const storefronts = await api<{ data: Array<{ id: string }> }>("GET", "/v1/storefronts?limit=100");
  for (const sf of storefronts.ok ? storefronts.body.data : []) {
    const res = await api<Customer>(
      "GET",
      `/v1/storefronts/${sf.id}/customers/by-external-id/${encodeURIComponent(q)}`,
    );
    if (res.ok) found.set(res.body.id, res.body);
  }
  let scanned = 0;
  let cursor: string | null = null;
  const needle = q.toLowerCase();
  while (scanned < EMAIL_SCAN) {
    const page: { ok: boolean; body: { data: Customer[]; next_cursor: string | null } } = await api(
      "GET",
      `/v1/customers?limit=100${cursor ? `&starting_after=${cursor}` : ""}`,
    );
    if (!page.ok) break;
    for (const cus of page.body.data) if (cus.email?.toLowerCase().includes(needle)) found.set(cus.id, cus);
    scanned += page.body.data.length;
    cursor = page.body.next_cursor;
    if (!cursor) return { found: [...found.values()] };
  }
  return { found: [...found.values()], note: `Email search read the ${scanned} newest customers only.` };
}

export const customersPage: ConsolePage = {
  path: "customers",
  nav: "Customers",
  permission: "customers:read",
  async render({ api, query, href }) {
    const q = (query.q ?? "").trim();
    let rows: Customer[] = [];
    let note: string | undefined;
    let error: string | undefined;
    if (q) ({ found: rows, note } = await search(api, q));
    else {
      const res = await api<{ data: Customer[] }>("GET", "/v1/customers?limit=20");
      if (res.ok) rows = res.body.data;
      else error = problemText(res.body);
    }
    return {
      title: "Customers",
      body: (
        <>
          <form method="get" action={href("customers")} class="actions">
            <div class="field">
              <label for="q">Search by email, external id or customer id</label>
              <input
                id="q"
                name="q"
                type="search"
                value={q}
                hx-get={href("customers")}
                hx-trigger="input changed delay:400ms, search"
                hx-target="#results"
                hx-select="#results"
                hx-swap="outerHTML"
                hx-push-url="true"
              />
            </div>
            <button type="submit">Search</button>
          </form>
          <div id="results" aria-live="polite">
            {error ? <p class="error">{error}</p> : null}
            {note ? <p class="hint">{note}</p> : null}
            <Table
              caption={q ? `Customers matching “${q}”` : "Newest customers"}
              head={["Customer", "External id", "Email", "Created"]}
              rows={rows.map((cus) => [
                <a href={href(`customers/${cus.id}`)}>{cus.name ?? cus.id}</a>,
                cus.external_id,
                cus.email ?? "—",
                <Time at={cus.created_at} />,
              ])}
              empty={q ? "No customer matches." : "No customers yet."}
            />
          </div>
        </>
      ),
    };
  },
};
