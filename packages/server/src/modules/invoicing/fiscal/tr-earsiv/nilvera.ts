import type { FiscalContext } from "../port.js";

/*
 * Nilvera's REST API (developer.nilvera.com), the special integrator this provider speaks to:
 * `Authorization: Bearer <API key>`, test https://apitest.nilvera.com, live https://api.nilvera.com.
 *   GET  /general/GlobalCompany/Check/TaxNumber/{vkn}?globalUserType=Invoice → [{ Name (alias), Title, … }]
 *        (empty: not an e-Fatura user, so e-Arşiv)
 *   POST /earchive/Send/Xml                 multipart `file` (UBL-TR XML) → { UUID, InvoiceNumber }
 *   POST /einvoice/Send/Xml?Alias=<alias>   the same for e-Fatura
 *   GET  /earchive/Invoices/{UUID}/Status   → { StatusCode: unknown|waiting|succeed|error, StatusDetail }
 *   GET  /einvoice/Sale/{UUID}/Status       → { InvoiceStatus: { Code, Description, DetailDescription } }
 *   PUT  /earchive/Invoices/{UUID}/Cancel   e-Arşiv iptal
 * Errors: 4xx with { Errors: [{ Code, Description, Detail }] }; 401/403 a key without the right.
 */

export type Channel = "earchive" | "einvoice";

export type NilveraAnswer =
  | { kind: "ok"; status: number; body: unknown }
  | { kind: "refused"; status: number; code: string; reason: string }
  | { kind: "unavailable"; reason: string };

export function nilveraClient(fetchImpl: typeof fetch, ctx: FiscalContext) {
  const base = String(ctx.config.base_url ?? "").replace(/\/$/, "");
  const key = ctx.credentials.api_key ?? "";

  async function call(method: string, path: string, body?: FormData): Promise<NilveraAnswer> {
    if (!base)
      return {
        kind: "refused",
        status: 0,
        code: "config_missing",
        reason: "fiscal_provider.config.base_url is not set",
      };
    if (!key)
      return { kind: "refused", status: 0, code: "credentials_missing", reason: "credentials.api_key is not set" };
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, accept: "application/json" },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      return { kind: "unavailable", reason: `Nilvera unreachable: ${(error as Error).message}` };
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    if (res.ok) return { kind: "ok", status: res.status, body: parsed };
    if (res.status >= 500) return { kind: "unavailable", reason: `Nilvera answered ${res.status}` };
    const first = (parsed as { Errors?: Array<{ Code?: unknown; Description?: string; Detail?: string }> })
      ?.Errors?.[0];
    return {
      kind: "refused",
      status: res.status,
      code: first?.Code !== undefined ? String(first.Code) : `http_${res.status}`,
      reason: [first?.Description, first?.Detail].filter(Boolean).join(": ") || text.slice(0, 300),
    };
  }

  return {
    /** The e-Fatura alias of a registered taxpayer, or undefined for e-Arşiv. */
    async einvoiceAlias(vkn: string): Promise<NilveraAnswer & { alias?: string }> {
      const answer = await call(
        "GET",
        `/general/GlobalCompany/Check/TaxNumber/${encodeURIComponent(vkn)}?globalUserType=Invoice`,
      );
      if (answer.kind !== "ok") return answer;
      const list = Array.isArray(answer.body) ? (answer.body as Array<{ Name?: string }>) : [];
      const alias = list.find((e) => e.Name)?.Name;
      return alias ? { ...answer, alias } : answer;
    },

    send(channel: Channel, xml: string, fileName: string, alias?: string): Promise<NilveraAnswer> {
      const form = new FormData();
      form.append("file", new Blob([xml], { type: "application/xml" }), fileName);
      const query = channel === "einvoice" && alias ? `?Alias=${encodeURIComponent(alias)}` : "";
      return call("POST", `/${channel}/Send/Xml${query}`, form);
    },

    status(channel: Channel, uuid: string): Promise<NilveraAnswer> {
      const path = channel === "earchive" ? `/earchive/Invoices/${uuid}/Status` : `/einvoice/Sale/${uuid}/Status`;
      return call("GET", path);
    },

    cancel(uuid: string): Promise<NilveraAnswer> {
      return call("PUT", `/earchive/Invoices/${uuid}/Cancel`);
    },
  };
}
