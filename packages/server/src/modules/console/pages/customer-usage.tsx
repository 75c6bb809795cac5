/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Customer, UsageRecord } from "@tessera/core";
import { problemText, Table, Time } from "../ui.js";
import type { ConsolePanel } from "./registry.js";

const SOURCE_TEXT: Record<UsageRecord["source"], string> = {
  usage: "recorded",
  check: "taken by a check",
};

/** A quota window's calendar days, UTC; the end is the day the next window starts. */
const windowText = (r: UsageRecord) => `${r.window_start.slice(0, 10)} – ${r.window_end.slice(0, 10)}`;

/**
 * The customer's latest usage records (GET /v1/customers/{id}/usage), page by page: the
 * entitlements panel shows the totals, this shows the uses that make them up.
 */
export const usagePanel: ConsolePanel<{ customer: Customer }> = {
  id: "usage",
  title: "Usage",
  permission: "entitlements:read",
  async render({ api, href, query }, { customer }) {
    // Its own cursor parameter, so paging through usage leaves the rest of the page as it is.
    const filter = new URLSearchParams({ limit: "20" });
    if (query.usage_after) filter.set("starting_after", query.usage_after);
    const res = await api<{ data: UsageRecord[]; next_cursor: string | null }>(
      "GET",
      `/v1/customers/${customer.id}/usage?${filter}`,
    );
    if (!res.ok) return <p class="error">{problemText(res.body)}</p>;
    const here = href(`customers/${customer.id}`);
    return (
      <>
        <Table
          caption={query.usage_after ? "Older usage records" : "Latest usage records, newest first"}
          head={["Entitlement", "Quantity", "Window (UTC)", "Source", "When"]}
          rows={res.body.data.map((r) => [
            r.entitlement,
            <span class="num">{r.quantity}</span>,
            windowText(r),
            SOURCE_TEXT[r.source],
            <Time at={r.timestamp} />,
          ])}
          empty="No usage recorded."
        />
        {res.body.next_cursor || query.usage_after ? (
          <p>
            {query.usage_after ? <a href={`${here}#usage-h`}>Latest usage</a> : null}{" "}
            {res.body.next_cursor ? (
              <a href={`${here}?${new URLSearchParams({ usage_after: res.body.next_cursor })}#usage-h`}>Older usage</a>
            ) : null}
          </p>
        ) : null}
      </>
    );
  },
};
