import type { CancelOutcome, FiscalContext, FiscalDocument, FiscalOutcome, FiscalProvider } from "../port.js";
import { type Channel, type NilveraAnswer, nilveraClient } from "./nilvera.js";
import { type Profile, toUblTr, trNumber } from "./ubl-tr.js";

/** `earchive:<ETTN>` or `einvoice:<ETTN>`: where the document went, so its status is asked there. */
function parseReference(reference: string): { channel: Channel; uuid: string } {
  const [channel, uuid] = reference.split(":") as [Channel, string];
  return { channel: channel === "einvoice" ? "einvoice" : "earchive", uuid: uuid ?? reference };
}

const profileOf = (channel: Channel): Profile => (channel === "einvoice" ? "TEMELFATURA" : "EARSIVFATURA");

function notDone(answer: Exclude<NilveraAnswer, { kind: "ok" }>): FiscalOutcome {
  if (answer.kind === "unavailable") return { status: "retry", reason: answer.reason };
  // A key without the right is the merchant's to fix; the document is not at fault, so it waits.
  if (answer.status === 401 || answer.status === 403)
    return { status: "retry", reason: `Nilvera refused the API key (${answer.status}): ${answer.reason}` };
  return { status: "rejected", code: answer.code, reason: answer.reason };
}

/**
 * Turkey: e-Arşiv (consumers, and taxpayers outside e-Fatura) and e-Fatura (registered taxpayers,
 * TEMELFATURA), in UBL-TR 1.2 through Nilvera (a GİB special integrator). Numbers are
 * `SSSYYYYNNNNNNNNN` and restart every year; refunds are IADE return invoices. Settings on the
 * storefront's fiscal_provider: `config.base_url`, `credentials.api_key`.
 */
export function trEarsivProvider(deps: { fetch: typeof fetch }): FiscalProvider {
  async function channelFor(client: ReturnType<typeof nilveraClient>, doc: FiscalDocument) {
    const vkn = (doc.buyer.tax_number ?? "").replace(/\D/g, "");
    if (!doc.buyer.business || vkn.length !== 10) return { channel: "earchive" as const };
    const found = await client.einvoiceAlias(vkn);
    if (found.kind !== "ok") return { answer: found };
    return found.alias ? { channel: "einvoice" as const, alias: found.alias } : { channel: "earchive" as const };
  }

  return {
    name: "tr-earsiv",
    numbering: { yearly: true, format: trNumber },
    render(document) {
      const channel = document.fiscal.reference ? parseReference(document.fiscal.reference).channel : "earchive";
      return { contentType: "application/xml", body: toUblTr(document, profileOf(channel)) };
    },

    async submit(ctx: FiscalContext, doc: FiscalDocument): Promise<FiscalOutcome> {
      const client = nilveraClient(deps.fetch, ctx);
      const route = await channelFor(client, doc);
      if ("answer" in route) return notDone(route.answer as Exclude<NilveraAnswer, { kind: "ok" }>);
      const xml = toUblTr(doc, profileOf(route.channel));
      const sent = await client.send(route.channel, xml, `${doc.number}.xml`, route.alias);
      const reference = `${route.channel}:${doc.uuid}`;
      // Sent before (a retry after a lost answer): the ETTN is ours, so ask about it.
      if (sent.kind === "refused" && sent.status === 409) return { status: "submitted", reference };
      if (sent.kind !== "ok") return notDone(sent);
      const uuid = (sent.body as { UUID?: string })?.UUID ?? doc.uuid;
      return { status: "submitted", reference: `${route.channel}:${uuid}` };
    },

    async check(ctx, _doc, reference): Promise<FiscalOutcome> {
      const { channel, uuid } = parseReference(reference);
      const answer = await nilveraClient(deps.fetch, ctx).status(channel, uuid);
      if (answer.kind !== "ok") return notDone(answer);
      const body = answer.body as {
        StatusCode?: string;
        StatusDetail?: string;
        InvoiceStatus?: { Code?: string; Description?: string; DetailDescription?: string };
      };
      const code = body?.InvoiceStatus?.Code ?? body?.StatusCode ?? "unknown";
      if (code === "succeed") return { status: "accepted", reference };
      if (code === "error") {
        const reason =
          [body.InvoiceStatus?.Description, body.InvoiceStatus?.DetailDescription, body.StatusDetail]
            .filter(Boolean)
            .join(": ") || "rejected";
        return { status: "rejected", code: "error", reason };
      }
      return { status: "submitted", reference };
    },

    // GİB lets an e-Arşiv invoice be cancelled for 7 days after it is issued; later it is
    // returned (IADE). The integrator's own refusal, if stricter, is passed on as it comes.
    cancelWithinDays: 7,

    async cancel(ctx, _doc, reference): Promise<CancelOutcome> {
      const { channel, uuid } = parseReference(reference);
      if (channel !== "earchive")
        return {
          status: "rejected",
          code: "not_earchive",
          reason: "only e-Arşiv invoices are cancelled; return it with IADE",
        };
      const answer = await nilveraClient(deps.fetch, ctx).cancel(uuid);
      if (answer.kind === "ok") return { status: "cancelled" };
      if (answer.kind === "unavailable") return { status: "retry", reason: answer.reason };
      return { status: "rejected", code: answer.code, reason: answer.reason };
    },
  };
}
