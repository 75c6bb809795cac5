import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/*
 * A local Nilvera for the tr-earsiv tests, answering in the shapes of Nilvera's API
 * (developer.nilvera.com; see nilvera.ts): Bearer API key, multipart `file` uploads to
 * /earchive/Send/Xml and /einvoice/Send/Xml?Alias=…, { UUID, InvoiceNumber } on success,
 * { Errors: [{ Code, Description, Detail }] } on refusal, status per ETTN, e-Arşiv cancellation.
 */

export interface SentDocument {
  channel: "earchive" | "einvoice";
  alias: string | null;
  uuid: string;
  number: string;
  xml: string;
  status: "waiting" | "succeed" | "error" | "cancelled";
}

export interface FakeNilvera {
  url: string;
  apiKey: string;
  sent: SentDocument[];
  /** Registered e-Fatura users: VKN → alias. */
  einvoiceUsers: Map<string, string>;
  /** The next `count` requests answer 500. */
  failNext(count?: number): void;
  /** Documents whose XML contains this text are refused at upload (a GİB schematron error, say). */
  refuseWhenContains(text: string | null): void;
  /** GİB's later word on a document: `succeed` (default after upload: `waiting`) or `error`. */
  decide(uuid: string, status: "succeed" | "error"): void;
  close(): Promise<void>;
}

const tag = (xml: string, name: string) => new RegExp(`<cbc:${name}[^>]*>([^<]*)</cbc:${name}>`).exec(xml)?.[1] ?? "";

export async function startFakeNilvera(): Promise<FakeNilvera> {
  const apiKey = "9EE05B6564525810C86A32646DB46A26E20F4BCE32C0B13AB22AA78E70DC4F69";
  const sent: SentDocument[] = [];
  const einvoiceUsers = new Map<string, string>();
  let failures = 0;
  let refuse: string | null = null;
  const sockets = new Set<Socket>();

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(body === undefined ? "" : JSON.stringify(body));
  };
  const errors = (res: ServerResponse, status: number, code: number, description: string, detail = "") =>
    json(res, status, { Errors: [{ Code: code, Description: description, Detail: detail }] });

  async function read(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.headers.authorization !== `Bearer ${apiKey}`) return json(res, 401, { Message: "Unauthorized" });
    if (failures > 0) {
      failures--;
      return errors(res, 500, 500, "Internal Server Error");
    }
    const check = /^\/general\/GlobalCompany\/Check\/TaxNumber\/(\d+)$/.exec(url.pathname);
    if (req.method === "GET" && check) {
      const alias = einvoiceUsers.get(check[1]!);
      return json(
        res,
        200,
        alias ? [{ TaxNumber: check[1], Title: "Kayıtlı Mükellef A.Ş.", Name: alias, Type: "Invoice" }] : [],
      );
    }
    const send = /^\/(earchive|einvoice)\/Send\/Xml$/.exec(url.pathname);
    if (req.method === "POST" && send) {
      const channel = send[1] as SentDocument["channel"];
      const form = await new Response(new Uint8Array(await read(req)), {
        headers: { "content-type": req.headers["content-type"] ?? "" },
      }).formData();
      const file = form.get("file");
      if (!(file instanceof Blob))
        return errors(res, 400, 1000, "Dosya bulunamadı", "multipart field `file` is required");
      const xml = await file.text();
      const alias = url.searchParams.get("Alias");
      if (channel === "einvoice" && !alias) return errors(res, 422, 3001, "Alias zorunludur");
      if (tag(xml, "CustomizationID") !== "TR1.2")
        return errors(res, 422, 3002, "Geçersiz UBL-TR", "CustomizationID must be TR1.2");
      const number = tag(xml, "ID");
      if (!/^[A-Z0-9]{3}\d{13}$/.test(number)) return errors(res, 422, 3003, "Fatura numarası hatalı", number);
      const uuid = tag(xml, "UUID");
      if (sent.some((s) => s.uuid === uuid)) return errors(res, 409, 3010, "Bu ETTN ile belge mevcut", uuid);
      if (refuse && xml.includes(refuse)) return errors(res, 422, 3020, "Şematron hatası", `contains ${refuse}`);
      sent.push({ channel, alias, uuid, number, xml, status: "waiting" });
      return json(res, 200, { UUID: uuid, InvoiceNumber: number });
    }
    const status = /^\/(?:earchive\/Invoices|einvoice\/Sale)\/([0-9a-f-]+)\/Status$/.exec(url.pathname);
    if (req.method === "GET" && status) {
      const doc = sent.find((s) => s.uuid === status[1]);
      if (!doc) return errors(res, 404, 4004, "Belge bulunamadı");
      const code = doc.status === "cancelled" ? "succeed" : doc.status;
      if (doc.channel === "earchive")
        return json(res, 200, {
          StatusCode: code,
          StatusDetail: code === "error" ? "GİB: alıcı TCKN hatalı" : "",
          CancelStatus: doc.status === "cancelled",
        });
      return json(res, 200, {
        InvoiceStatus: {
          Code: code,
          Description: code === "error" ? "Alıcı reddetti" : "Başarılı",
          DetailDescription: code === "error" ? "Fatura alıcı tarafından reddedildi" : "",
        },
      });
    }
    const cancel = /^\/earchive\/Invoices\/([0-9a-f-]+)\/Cancel$/.exec(url.pathname);
    if (req.method === "PUT" && cancel) {
      const doc = sent.find((s) => s.uuid === cancel[1] && s.channel === "earchive");
      if (!doc) return errors(res, 404, 4004, "Belge bulunamadı");
      doc.status = "cancelled";
      return json(res, 200, undefined);
    }
    return errors(res, 404, 404, "Not found", `${req.method} ${url.pathname}`);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error) => json(res, 500, { Errors: [{ Code: 500, Description: String(error) }] }));
  });
  http.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    sent,
    einvoiceUsers,
    failNext: (count = 1) => {
      failures = count;
    },
    refuseWhenContains: (text) => {
      refuse = text;
    },
    decide: (uuid, status) => {
      const doc = sent.find((s) => s.uuid === uuid);
      if (doc) doc.status = status;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
