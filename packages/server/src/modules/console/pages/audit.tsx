/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AuditLineage, AuditRecord } from "@tessera/core";
import { Field, Pre, problemText, Table, Time } from "../ui.js";
import type { ConsolePage } from "./registry.js";

/* The audit trail with the API's filters, and the lineage of one correlation id. */

const FILTERS = ["actor", "object_id", "action", "kind", "from", "to"] as const;

const actorText = (r: AuditRecord) => (r.actor ? `${r.actor.type}:${r.actor.id}` : "—");

export const auditPage: ConsolePage = {
  path: "audit",
  nav: "Audit",
  permission: "audit:read",
  async render({ api, query, href }) {
    const filter = new URLSearchParams({ limit: "50" });
    for (const f of FILTERS) if (query[f]) filter.set(f, query[f]!);
    const res = await api<{ data: AuditRecord[] }>("GET", `/v1/audit?${filter}`);
    return {
      title: "Audit trail",
      body: (
        <>
          <form method="get" action={href("audit")} class="actions">
            <Field label="Actor (type:id or id)" name="actor" value={query.actor ?? ""} />
            <Field label="Object id" name="object_id" value={query.object_id ?? ""} />
            <Field label="Action (or prefix.*)" name="action" value={query.action ?? ""} />
            <Field label="From (ISO 8601)" name="from" value={query.from ?? ""} />
            <Field label="To (ISO 8601)" name="to" value={query.to ?? ""} />
            <button type="submit">Filter</button>
          </form>
          {res.ok ? (
            <Table
              caption="Newest records of the tenant's hash chain"
              head={["#", "When", "Kind", "Action", "Object", "Actor", "Correlation"]}
              rows={res.body.data.map((r) => [
                String(r.seq),
                <Time at={r.created_at} />,
                r.kind,
                r.action,
                r.object_id ?? "—",
                actorText(r),
                r.correlation_id ? (
                  <a href={href(`audit/lineage/${encodeURIComponent(r.correlation_id)}`)}>{r.correlation_id}</a>
                ) : (
                  "—"
                ),
              ])}
              empty="No records match."
            />
          ) : (
            <p class="error">{problemText(res.body)}</p>
          )}
        </>
      ),
    };
  },
};

export const lineagePage: ConsolePage = {
  path: "audit/lineage/:id",
  permission: "audit:read",
  async render({ api, params }) {
    const res = await api<AuditLineage>("GET", `/v1/audit/lineage/${encodeURIComponent(params.id!)}`);
    if (!res.ok) return { title: "Lineage", body: <p class="error">{problemText(res.body)}</p> };
    return {
      title: `Lineage of ${params.id}`,
      body: (
        <>
          <p>Action → decision → outcome, in the order they happened.</p>
          <ol class="timeline">
            {res.body.data.map((r) => (
              <li>
                <Time at={r.created_at} /> <span class="kind">{r.kind}</span> {r.action} {r.object_id ?? ""} by{" "}
                {actorText(r)}
                {r.reason ? ` — ${r.reason}` : ""}
                <details>
                  <summary>Record {r.seq}</summary>
                  <Pre value={r} />
                </details>
              </li>
            ))}
          </ol>
        </>
      ),
    };
  },
};
