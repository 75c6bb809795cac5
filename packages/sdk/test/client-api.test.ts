import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePayPal } from "../../server/src/modules/channels/paypal/fake-paypal.js";
import { startFakeAggregator } from "../../server/src/modules/channels/telecom/fake-aggregator.js";
import { startFakeNilvera } from "../../server/src/modules/invoicing/fiscal/tr-earsiv/fake-nilvera.js";
import { signSandboxWebhook } from "../../server/src/modules/payments/providers/sandbox-webhooks.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../server/test/harness.js";
import { memoryChannel, signMemory } from "../../server/test/memory-channel.js";
import { type Receiver, startReceiver } from "../../server/test/webhook-receiver.js";
import {
  createVerifier,
  isTesseraApiError,
  type Page,
  Tessera,
  type TesseraApiError,
  TesseraAuth,
  type TesseraOptions,
  TesseraPlatform,
  TesseraSession,
  verifyWebhook,
} from "../src/index.js";

/*
 * The API client against the server's own OpenAPI document and the real app over real HTTP:
 *  1. every operation of /openapi.json has a client method (and every method calls a documented
 *     operation, with the credentials that operation asks for), so a new endpoint without a
 *     method fails here;
 *  2. a merchant's flow, step by step, and then every remaining operation, each answered 2xx by
 *     the real server.
 */

interface OpenApiOperation {
  security?: Array<Record<string, string[]>>;
  /** Who calls it when not our clients: `payment-provider` / `channel-vendor` for vendors' pushes (no client method). */
  "x-caller"?: string;
}
interface OpenApiDocument {
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, OpenApiOperation>>;
}
type Auth = "apiKey" | "platformKey" | "session" | "none";
interface Operation {
  /** `GET /v1/customers/{id}` */
  name: string;
  method: string;
  pattern: RegExp;
  params: number;
  auth: Auth;
}

const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete"]);

function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      // Called by payment providers or channel vendors, never by an API client: no SDK method.
      if (op["x-caller"] === "payment-provider" || op["x-caller"] === "channel-vendor") continue;
      const literal = path.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"));
      const schemes = (op.security ?? doc.security ?? []).flatMap((s) => Object.keys(s));
      ops.push({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        pattern: new RegExp(`^${literal.join("[^/]+")}$`),
        params: literal.length - 1,
        auth: schemes.includes("platformKey")
          ? "platformKey"
          : schemes.includes("apiKey")
            ? "apiKey"
            : schemes.includes("session")
              ? "session"
              : "none",
      });
    }
  }
  return ops;
}

/**
 * The operation a request is, preferring literal segments (`/v1/test-clocks/current` over `{id}`),
 * then the longer literal (`/v1/invoices/{id}.xml` over `/v1/invoices/{id}`).
 */
function operationOf(ops: Operation[], method: string, path: string): Operation | undefined {
  const literal = (op: Operation) => op.name.replace(/\{[^}]+\}/g, "").length;
  return ops
    .filter((op) => op.method === method && op.pattern.test(path))
    .sort((a, b) => a.params - b.params || literal(b) - literal(a))[0];
}

/** Every public method of a client, its namespaces' and their nested namespaces', by dotted name. */
function methodsOf(target: object, name: string): Array<{ name: string; fn: (...args: unknown[]) => unknown }> {
  const found: Array<{ name: string; fn: (...args: unknown[]) => unknown }> = [];
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(target))) {
    const value = (target as Record<string, unknown>)[key];
    if (key !== "constructor" && typeof value === "function") {
      found.push({ name: `${name}.${key}`, fn: (value as (...args: unknown[]) => unknown).bind(target) });
    }
  }
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === "object" && value !== null) found.push(...methodsOf(value, `${name}.${key}`));
  }
  return found;
}

// The tests share one server and run in order: the later ones build on the flow's catalog,
// customer and webhook endpoint, and the last one sums up what reached the server.
describe("Tessera API client: every endpoint of the server", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let platformKey: string;
  let server: ReturnType<typeof serve>;
  let baseUrl: string;
  let ops: Operation[];
  let receiver: Receiver;
  /** What reached the real app over HTTP in the live tests, and what it answered. */
  const answered: Array<{ method: string; path: string; status: number; credentials: boolean }> = [];

  beforeAll(async () => {
    // The webhook receiver listens on 127.0.0.1, which the server refuses by default.
    ctx = await createTestApp(
      {},
      {
        webhooks: { allowPrivateAddresses: true },
        channels: [
          memoryChannel("telecom", {
            status: () => ({ event: "external_renewed", observedAt: "2026-01-02T00:00:00.000Z" }),
          }),
        ],
      },
    );
    acme = await createTestTenant(ctx);
    platformKey = (await ctx.services.auth.createPlatformKey("sdk tests")).secret;
    server = serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req: Request) => {
        const res = await ctx.app.fetch(req);
        const credentials = req.headers.has("authorization") || req.headers.has("x-tn");
        answered.push({ method: req.method, path: new URL(req.url).pathname, status: res.status, credentials });
        return res;
      },
    });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    ops = operationsOf((await res.json()) as OpenApiDocument);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await ctx?.close();
  });

  const client = (overrides: Partial<TesseraOptions> = {}) =>
    new Tessera({
      apiKey: acme.keys.development!,
      tenant: acme.slug,
      baseUrl,
      retry: { baseDelay: 5, maxDelay: 20 },
      ...overrides,
    });
  const platformClient = () => new TesseraPlatform({ apiKey: platformKey, baseUrl, retry: 0 });

  async function failure(promise: Promise<unknown>): Promise<TesseraApiError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isTesseraApiError(error)) throw new Error(`expected a TesseraApiError, got ${String(error)}`);
    return error;
  }

  it("has a method for every operation of /openapi.json, and calls only documented operations", async () => {
    expect(ops.length).toBeGreaterThan(60);
    // Each method is called with placeholder arguments through a fetch that records the request
    // and answers an empty page: what is checked is which operation each method reaches.
    const sent: Array<{ method: string; path: string; authorization: string | null; tenant: string | null }> = [];
    const recording: typeof fetch = async (input, init) => {
      const req = input instanceof Request ? input : new Request(input, init);
      sent.push({
        method: req.method,
        path: new URL(req.url).pathname,
        authorization: req.headers.get("authorization"),
        tenant: req.headers.get("x-tn"),
      });
      return Response.json({ object: "list", data: [], has_more: false, next_cursor: null });
    };
    const clients = {
      tessera: new Tessera({ apiKey: "tsk_test", tenant: "acme", baseUrl: "http://sdk.test", fetch: recording }),
      platform: new TesseraPlatform({ apiKey: "tpk_test", baseUrl: "http://sdk.test", fetch: recording }),
      session: new TesseraSession({ accessToken: "eyJtest", baseUrl: "http://sdk.test", fetch: recording }),
      auth: new TesseraAuth({ baseUrl: "http://sdk.test", fetch: recording }),
    };
    const methods = Object.entries(clients)
      .flatMap(([name, c]) => methodsOf(c, name))
      // The untyped escape hatch covers nothing by itself.
      .filter((m) => m.name !== "tessera.request" && m.name !== "platform.request");

    const covered = new Map<string, string[]>();
    const problems: string[] = [];
    const silent: string[] = [];
    for (const method of methods) {
      const before = sent.length;
      const args = Array.from({ length: method.fn.length }, (_, i) => `arg${i + 1}`);
      const result = method.fn(...args) as unknown;
      if (typeof result === "object" && result !== null && Symbol.asyncIterator in result) {
        await (result as AsyncGenerator<unknown>).next();
      } else {
        await result;
      }
      const requests = sent.slice(before);
      if (requests.length === 0) silent.push(method.name);
      if (requests.length > 1) problems.push(`${method.name} sent ${requests.length} requests`);
      for (const req of requests) {
        const op = operationOf(ops, req.method, req.path);
        if (!op) {
          problems.push(`${method.name} calls ${req.method} ${req.path}, which /openapi.json does not document`);
          continue;
        }
        covered.set(op.name, [...(covered.get(op.name) ?? []), method.name]);
        const auth: Auth = !req.authorization
          ? "none"
          : req.tenant
            ? "apiKey"
            : req.authorization.startsWith("Bearer eyJ")
              ? "session"
              : "platformKey";
        if (auth !== op.auth) problems.push(`${method.name} sends ${auth} credentials to ${op.name} (${op.auth})`);
      }
    }

    const uncovered = ops.filter((op) => !covered.has(op.name)).map((op) => op.name);
    expect(
      { uncovered, problems },
      `operations of /openapi.json without a client method:\n  ${uncovered.join("\n  ")}`,
    ).toEqual({ uncovered: [], problems: [] });
    // Helpers that build a value without calling the API.
    expect(silent).toEqual(["tessera.jwks.url"]);
    expect(covered.size).toBe(ops.length);
  });

  it("walks a merchant's flow over real HTTP: catalog → subscription → clock → entitlements → token → webhooks", async () => {
    const tessera = client();

    // Catalog: what can be granted, and a bundle that sells it.
    await tessera.entitlements.create({ key: "export-pdf", name: "Export PDF", kind: "flag" });
    await tessera.entitlements.create({ key: "support", name: "Support", kind: "tier", levels: ["basic", "priority"] });
    await tessera.entitlements.create({ key: "api-calls", name: "API calls", kind: "quota", period: "month" });
    const pro = await tessera.bundles.create({
      key: "pro",
      name: "Pro",
      entitlements: [{ key: "export-pdf" }, { key: "api-calls", limit: 1000 }, { key: "support", level: "basic" }],
      prices: [{ currency: "EUR", amount: 999, interval: "month" }],
    });
    const monthly = pro.prices[0]!;
    expect(monthly).toMatchObject({ object: "price", amount: 999, currency: "EUR", interval: "month" });

    // Storefront and customer.
    const web = await tessera.storefronts.create({
      key: "web",
      name: "Web shop",
      type: "web",
      bundles: ["pro"],
      payment_providers: [{ name: "sandbox" }],
    });
    const customer = await tessera.customers.create({ storefront: "web", external_id: "user-42", email: "ada@x.test" });
    expect(customer).toMatchObject({ object: "customer", storefront: web.id, external_id: "user-42" });

    // Subscribe: the first period is charged now.
    const sub = await tessera.subscriptions.create({
      customer: customer.id,
      price: monthly.id,
      payment_method: "pm_sandbox_ok",
    });
    expect(sub).toMatchObject({
      object: "subscription",
      status: "active",
      period_index: 1,
      customer: customer.id,
      bundle: pro.id,
      latest_payment: { status: "succeeded", amount: 999, kind: "subscription_create" },
    });
    expect((await tessera.subscriptions.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([sub.id]);

    // Events of the subscription.
    const events = await tessera.events.list({ object_id: sub.id, type: "subscription.*" });
    expect(events.data.map((e) => e.type)).toEqual(expect.arrayContaining(["subscription.created"]));
    expect(events.data.every((e) => e.type.startsWith("subscription."))).toBe(true);
    const created = events.data.find((e) => e.type === "subscription.created")!;
    expect(await tessera.events.retrieve(created.id)).toMatchObject({
      id: created.id,
      data: { object: { id: sub.id } },
    });

    // A month later on the test clock: renewed, and charged once more.
    const clock = await tessera.testClocks.advance({ by: "P1M" });
    expect(clock).toMatchObject({ object: "test_clock", frozen: true, environment: "development" });
    expect(clock.jobs_run).toBeGreaterThanOrEqual(1);
    expect(await tessera.testClocks.current()).toMatchObject({ frozen: true, now: clock.now });

    expect(await tessera.subscriptions.retrieve(sub.id)).toMatchObject({ status: "active", period_index: 2 });
    const payments = await tessera.payments.list({ subscription: sub.id });
    expect(payments.data.map((p) => [p.kind, p.period_index, p.status]).sort()).toEqual([
      ["renewal", 2, "succeeded"],
      ["subscription_create", 1, "succeeded"],
    ]);

    // A manual grant on top of the subscription, and the merged result.
    const grant = await tessera.grants.create(customer.id, {
      entitlement: "support",
      level: "priority",
      reason: "support case 42",
    });
    expect(grant).toMatchObject({ object: "grant", status: "active", level: "priority" });
    const effective = await tessera.customerEntitlements.retrieve(customer.id);
    const byKey = Object.fromEntries(effective.entitlements.map((e) => [e.key, e]));
    expect(byKey["export-pdf"]).toMatchObject({ kind: "flag", sources: [sub.id] });
    expect(byKey["api-calls"]).toMatchObject({ kind: "quota", limit: 1000, used: 0, remaining: 1000 });
    expect(byKey.support).toMatchObject({ kind: "tier", level: "priority" });
    expect(byKey.support?.sources.sort()).toEqual([grant.id, sub.id].sort());
    expect(effective.subscriptions.map((s) => s.id)).toEqual([sub.id]);

    // A token, verified offline by the SDK's own verifier against the server's JWKS URL.
    const issued = await tessera.customerEntitlements.issueToken(customer.id);
    expect(issued).toMatchObject({ object: "entitlement_token", alg: expect.any(String), kid: expect.any(String) });
    // Tokens live on wall time (the harness's manual clock), not on the environment's test clock.
    const now = () => Date.parse(issued.issued_at);
    const verifier = createVerifier({
      jwks: tessera.jwks.url("development"),
      tenant: acme.slug,
      storefront: web.id,
      issuer: "http://tessera.test", // the harness server's public base URL
      environment: "development",
      now,
    });
    const ent = await verifier.verify(issued.token);
    expect(ent.customerId).toBe(customer.id);
    expect(ent.has("export-pdf")).toBe(true);
    expect(ent.tier("support")).toBe("priority");
    expect(ent.quota("api-calls")).toMatchObject({ limit: 1000, remaining: 1000 });
    expect(ent.subscriptions.map((s) => [s.id, s.status])).toEqual([[sub.id, "active"]]);
    const elsewhere = createVerifier({
      jwks: tessera.jwks.url("development"),
      tenant: "globex",
      storefront: "any",
      issuer: "http://tessera.test",
      now,
    });
    expect(await elsewhere.check(issued.token)).toMatchObject({ valid: false, code: "TOKEN_TENANT_MISMATCH" });

    // A webhook endpoint: its secret once, then listed without it.
    const endpoint = await tessera.webhookEndpoints.create({ url: receiver.url, enabled_events: ["subscription.*"] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = await tessera.webhookEndpoints.list();
    expect(listed.data.map((e) => e.id)).toEqual([endpoint.id]);
    expect(listed.data[0]).not.toHaveProperty("secret");
  });

  it("calls every other operation against the real server", async () => {
    const tessera = client();
    const platform = platformClient();

    // Catalog leftovers.
    await tessera.entitlements.create({ key: "seats", name: "Seats", kind: "flag" });
    expect((await tessera.entitlements.update("seats", { name: "Team seats" })).name).toBe("Team seats");
    expect((await tessera.entitlements.retrieve("seats")).name).toBe("Team seats");
    expect((await tessera.entitlements.list({ limit: 2 })).data).toHaveLength(2);
    const keys: string[] = [];
    for await (const e of tessera.entitlements.all({ limit: 2 })) keys.push(e.key);
    expect(keys.sort()).toEqual(["api-calls", "export-pdf", "seats", "support"]);
    const team = await tessera.bundles.create({
      key: "team",
      name: "Team",
      entitlements: [{ key: "export-pdf" }, { key: "seats" }],
      prices: [{ currency: "EUR", amount: 1999, interval: "month" }],
    });
    expect((await tessera.bundles.update("team", { name: "Team plan" })).name).toBe("Team plan");
    expect((await tessera.bundles.retrieve(team.id)).key).toBe("team");
    expect((await tessera.bundles.list()).data.map((b) => b.key).sort()).toEqual(["pro", "team"]);
    const teamMonthly = team.prices[0]!;
    const spare = await tessera.prices.create("team", { currency: "EUR", amount: 19990, interval: "year" });
    expect(await tessera.prices.retrieve(spare.id)).toMatchObject({ bundle: team.id, amount: 19990 });
    expect((await tessera.prices.update("team", spare.id, { status: "archived" })).status).toBe("archived");
    await tessera.entitlements.create({ key: "doomed", name: "Doomed", kind: "flag" });
    expect(await tessera.entitlements.delete("doomed")).toMatchObject({ deleted: true });
    await tessera.bundles.create({ key: "doomed", name: "Doomed", entitlements: [] });
    expect(await tessera.bundles.delete("doomed")).toMatchObject({ deleted: true });

    // Storefronts and customers.
    const web = await tessera.storefronts.update("web", { bundles: ["pro", "team"] });
    expect(web.bundles.sort()).toEqual([team.id, (await tessera.bundles.retrieve("pro")).id].sort());
    expect((await tessera.storefronts.retrieve("web")).id).toBe(web.id);
    expect((await tessera.storefronts.list()).data.map((s) => s.key)).toEqual(["web"]);
    await tessera.storefronts.create({ key: "kiosk", name: "Kiosk", type: "partner" });
    expect(await tessera.storefronts.delete("kiosk")).toMatchObject({ deleted: true });
    const ada = await tessera.customers.retrieveByExternalId("web", "user-42");
    expect((await tessera.customers.retrieve(ada.id)).external_id).toBe("user-42");
    expect((await tessera.customers.list({ storefront: "web" })).data.map((c) => c.id)).toEqual([ada.id]);
    const bob = await tessera.customers.create({ storefront: "web", external_id: "user-43" });
    expect((await tessera.customers.update(bob.id, { name: "Bob" })).name).toBe("Bob");

    // Access: checks that consume, metered usage recorded once, grants.
    const check = await tessera.customerEntitlements.check(ada.id, {
      entitlement: "api-calls",
      quantity: 5,
      consume: true,
    });
    expect(check).toMatchObject({ allowed: true, code: "OK", consumed: 5 });
    expect(await tessera.customerEntitlements.check(ada.id, { entitlement: "nope" })).toMatchObject({ allowed: false });
    const usage = { entitlement: "api-calls", quantity: 3, idempotency_key: "render-1" };
    expect(await tessera.customerEntitlements.recordUsage(ada.id, usage)).toMatchObject({ duplicate: false, used: 8 });
    expect(await tessera.customerEntitlements.recordUsage(ada.id, usage)).toMatchObject({ duplicate: true, used: 8 });
    const listed = await tessera.customerEntitlements.listUsage(ada.id, { entitlement: "api-calls", limit: 1 });
    expect(listed.data.map((r) => [r.quantity, r.source])).toEqual([[3, "usage"]]);
    expect(listed.has_more).toBe(true);
    const everyUse = [];
    for await (const r of tessera.customerEntitlements.allUsage(ada.id, { limit: 1 })) everyUse.push(r.source);
    expect(everyUse).toEqual(["usage", "check"]);
    const grants: Page<{ id: string; status: string }> = await tessera.grants.list(ada.id);
    const [grant] = grants.data;
    expect(await tessera.grants.retrieve(ada.id, grant!.id)).toMatchObject({ id: grant!.id, status: "active" });
    expect((await tessera.grants.revoke(ada.id, grant!.id)).status).toBe("revoked");

    // A receiver for this environment's webhooks, from the flow above.
    const [endpoint] = (await tessera.webhookEndpoints.list()).data;
    expect(endpoint).toBeDefined();
    const hook = await tessera.webhookEndpoints.update(endpoint!.id, { enabled_events: ["*"], description: "all" });
    expect(hook).toMatchObject({ enabled_events: ["*"], description: "all" });
    const { secret } = await tessera.webhookEndpoints.rotateSecret(endpoint!.id, { expires_in_hours: 0 });
    expect((await tessera.webhookEndpoints.retrieve(endpoint!.id)).id).toBe(endpoint!.id);

    // Subscription changes: decline, cancel, resume, change plan, refund.
    const declined = await failure(
      tessera.subscriptions.create({ customer: bob.id, price: teamMonthly.id, payment_method: "pm_sandbox_declined" }),
    );
    expect(declined).toMatchObject({ status: 402, code: "PAYMENT_FAILED" });
    const [sub] = (await tessera.subscriptions.list({ customer: ada.id, status: "active" })).data;
    expect(sub).toBeDefined();
    expect((await tessera.subscriptions.cancel(sub!.id, { at_period_end: true })).cancel_at_period_end).toBe(true);
    expect((await tessera.subscriptions.resume(sub!.id)).cancel_at_period_end).toBe(false);
    const upgraded = await tessera.subscriptions.changePlan(sub!.id, { price: teamMonthly.id, proration: "now" });
    expect(upgraded).toMatchObject({ price: teamMonthly.id, bundle: team.id, status: "active" });
    expect(upgraded.latest_payment).toMatchObject({ kind: "proration", status: "succeeded" });
    // Invoicing: with a legal entity on the storefront, the refund's event issues the charge's
    // invoice and the refund's credit note (through the worker).
    const seller = await tessera.legalEntities.set("web", {
      legal_name: "Acme GmbH",
      address: { line1: "Weg 1", city: "Berlin", country: "DE" },
      vat_id: "DE123456789",
    });
    expect((await tessera.legalEntities.retrieve("web")).legal_name).toBe(seller.legal_name);
    await tessera.billingDetails.set(ada.id, {
      name: "Ada",
      address: { line1: "Rue 1", city: "Paris", country: "FR" },
    });
    expect((await tessera.billingDetails.retrieve(ada.id)).address.country).toBe("FR");
    const proration = await tessera.payments.retrieve(upgraded.latest_payment!.id);
    const refunded = await tessera.payments.refund(proration.id, { amount: 1, reason: "goodwill" });
    expect(refunded.refunded_amount).toBe(1);
    await ctx.services.worker.drain();
    const [invoice] = (await tessera.invoices.list({ payment: proration.id })).data;
    expect(invoice).toMatchObject({ total: proration.amount, lines: [{ tax: { rule: "oss_b2c" } }] });
    expect((await tessera.invoices.retrieve(invoice!.id)).number).toBe(invoice!.number);
    expect(await tessera.invoices.retrieveXml(invoice!.id)).toContain(invoice!.number);
    expect(new TextDecoder().decode((await tessera.invoices.retrievePdf(invoice!.id)).slice(0, 5))).toBe("%PDF-");
    const notes: string[] = [];
    for await (const n of tessera.creditNotes.all({ payment: proration.id })) notes.push(n.id);
    const note = await tessera.creditNotes.retrieve(notes[0]!);
    expect(note).toMatchObject({ total: 1, invoice: invoice!.id });
    expect((await tessera.creditNotes.list({ customer: ada.id })).data.map((n) => n.id)).toEqual(notes);
    expect(await tessera.creditNotes.retrieveXml(note.id)).toContain(
      "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>",
    );
    expect((await tessera.creditNotes.retrievePdf(note.id)).length).toBeGreaterThan(1000);
    const all: string[] = [];
    for await (const i of tessera.invoices.all({ customer: ada.id })) all.push(i.id);
    expect(all).toContain(invoice!.id);
    expect(await tessera.invoices.retrieveHtml(invoice!.id)).toContain(invoice!.number);
    expect(await tessera.creditNotes.retrieveHtml(note.id)).toContain(note.number);
    // Charges from before the legal entity: the worker had not fed Ada's to invoicing before it was
    // set, so all are invoiced already and a backfill finds nothing (server: backfill.test.ts).
    const preview = await tessera.invoices.backfill({ storefront: "web", dry_run: true });
    expect(preview).toMatchObject({ object: "invoice_backfill", dry_run: true, payments: [], has_more: false });
    expect((await tessera.invoices.backfill({ storefront: "web" })).invoices).toEqual([]);
    const paid: string[] = [];
    for await (const p of tessera.payments.all({ customer: ada.id, status: "succeeded", limit: 1 })) paid.push(p.kind);
    expect(paid.length).toBeGreaterThanOrEqual(3);

    // Dunning: a renewal declines, the customer fixes the card, the unpaid period is paid now.
    const carol = await tessera.customers.create({ storefront: "web", external_id: "user-44" });
    const shaky = await tessera.subscriptions.create({
      customer: carol.id,
      price: teamMonthly.id,
      payment_method: "pm_sandbox_ok_then_decline",
    });
    await tessera.testClocks.advance({ by: "P1M" });
    expect((await tessera.subscriptions.retrieve(shaky.id)).status).toBe("grace");
    await tessera.subscriptions.updatePaymentMethod(shaky.id, { payment_method: "pm_sandbox_ok" });
    const recovered = await tessera.subscriptions.retry(shaky.id);
    expect(recovered).toMatchObject({ status: "active", payment_method: "pm_sandbox_ok" });
    const subs: string[] = [];
    for await (const s of tessera.subscriptions.all({ limit: 1 })) subs.push(s.id);
    expect(subs.sort()).toEqual([sub!.id, shaky.id].sort());

    // Subscription channels (a memory vendor stands in as the carrier): settings, product map, a
    // link, a vendor's notification, the subscription's inbox and a repair from the vendor's status.
    const settings = await tessera.channels.setSettings("web", "telecom", {
      config: { aggregator: "memory" },
      credentials: { secret: "s3cret" },
    });
    expect(settings).toMatchObject({ channel: "telecom", credential_names: ["secret"] });
    expect((await tessera.channels.retrieveSettings("web", "telecom")).config).toEqual({ aggregator: "memory" });
    await tessera.channels.mapProduct("web", "telecom", "gold", { price: teamMonthly.id });
    expect((await tessera.channels.listProducts("web", "telecom")).data.map((p) => p.price)).toEqual([teamMonthly.id]);
    expect(
      await tessera.channels.link("web", "telecom", { vendor_subscription_id: "v-sdk", customer: bob.id }),
    ).toMatchObject({ retried: 0 });
    const scope = acme.scopes.development!;
    await ctx.services.channels.receive(scope, {
      channel: "telecom",
      storefrontId: web.id,
      request: signMemory("s3cret", [
        {
          id: "sdk-1",
          subscription: "v-sdk",
          at: "2026-01-01T00:00:00Z",
          type: "SUBSCRIBED",
          subtype: "INITIAL_BUY",
          product: "gold",
        },
      ]),
      settings: await ctx.services.channelSettings.load(scope, web.id, "telecom"),
    });
    await ctx.services.worker.drain({ environmentId: scope.environmentId });
    const storeSub = (await tessera.subscriptions.list({ customer: bob.id })).data.find(
      (s) => s.channel === "telecom",
    )!;
    expect((await tessera.subscriptions.notifications(storeSub.id)).data.map((n) => n.vendor_event_id)).toEqual([
      "sdk-1",
    ]);
    expect(await tessera.subscriptions.refetch(storeSub.id)).toMatchObject({
      vendor_type: "REFETCH",
      status: "applied",
    });
    expect(await tessera.channels.unmapProduct("web", "telecom", "gold")).toMatchObject({ deleted: true });

    // Flows started from the API at a local PayPal and a local carrier-billing aggregator.
    const paypal = await startFakePayPal({ clock: ctx.clock });
    const aggregator = await startFakeAggregator({ clock: ctx.clock });
    try {
      await tessera.channels.setSettings("web", "paypal", {
        config: { api_base_url: paypal.url },
        credentials: { client_id: paypal.clientId, client_secret: paypal.clientSecret, webhook_id: paypal.webhookId },
      });
      const started = await tessera.channels.startPayPalSubscription("web", {
        customer: bob.id,
        plan_id: "P-5ML4271244454362WXNWU5NQ",
        return_url: "https://example.com/paypal/return",
        cancel_url: "https://example.com/paypal/cancel",
      });
      expect(started).toMatchObject({ status: "APPROVAL_PENDING", approval_url: expect.stringContaining("ba_token=") });
      paypal.approve(started.vendor_subscription_id);
      expect(
        await tessera.channels.cancelPayPalSubscription("web", started.vendor_subscription_id, { reason: "sdk test" }),
      ).toMatchObject({ status: "requested" });

      // The carrier: its own storefront (the memory vendor stands in for telecom on "web").
      await tessera.storefronts.create({ key: "mobile", name: "Mobile", type: "carrier" });
      const caller = await tessera.customers.create({ storefront: "mobile", external_id: "caller-1" });
      await tessera.channels.setSettings("mobile", "telecom", {
        config: { aggregator: "fortumo", api_base_url: aggregator.url, merchant_id: aggregator.merchantId },
        credentials: {
          private_key: aggregator.merchantPrivateKey,
          aggregator_public_key: aggregator.aggregatorPublicKey,
        },
      });
      const auth = await tessera.channels.startTelecomAuthorisation("mobile", {
        customer: caller.id,
        product: "premium-weekly",
        flow: "pin",
        msisdn: "+37251234567",
        country: "EE",
        channel_code: "sandbox-ee",
      });
      expect(auth).toMatchObject({ state: "pending", msisdn: "+37*******67" });
      const pin = aggregator.authorisations.get(auth.charging_token!)!.pin;
      expect(await tessera.channels.confirmTelecomPin("mobile", auth.charging_token!, { pin })).toMatchObject({
        state: "verified",
      });
      aggregator.subscriptions.set(auth.operation_reference, {
        subscription_uuid: "fbc53c9a-0040-4303-9b91-eb3d305be0d7",
        operation_reference: auth.operation_reference,
        subscription_status: "active",
      });
      expect(
        await tessera.channels.cancelTelecomSubscription("mobile", "fbc53c9a-0040-4303-9b91-eb3d305be0d7"),
      ).toMatchObject({ channel: "telecom", status: "requested" });
    } finally {
      await paypal.close();
      await aggregator.close();
    }
    const evts: string[] = [];
    for await (const e of tessera.events.all({ object_id: shaky.id, limit: 2 })) evts.push(e.type);
    expect(evts).toEqual(expect.arrayContaining(["subscription.grace_started", "subscription.recovered"]));
    expect(await failure(tessera.customers.delete(carol.id))).toMatchObject({ code: "IN_USE" });
    const dave = await tessera.customers.create({ storefront: "web", external_id: "user-45" });
    expect(await tessera.customers.delete(dave.id)).toMatchObject({ deleted: true });
    expect(await failure(tessera.customers.retrieve(dave.id))).toMatchObject({ status: 404, code: "NOT_FOUND" });

    // Webhook deliveries: the worker sends them; the receiver verifies them with the SDK.
    await ctx.services.worker.drain();
    const deliveries = await tessera.webhookEndpoints.deliveries.list(endpoint!.id, { limit: 100 });
    expect(deliveries.data.length).toBeGreaterThan(0);
    expect(deliveries.data.every((d) => d.status === "succeeded")).toBe(true);
    const last = receiver.received.at(-1)!;
    const event = await verifyWebhook(secret, last.headers, last.body, { now: () => Number(last.timestamp) * 1000 });
    expect(event).toMatchObject({ id: last.id });
    const delivery = deliveries.data.find((d) => d.event_id === last.id)!;
    expect((await tessera.webhookEndpoints.deliveries.retrieve(endpoint!.id, delivery.id)).attempts).toHaveLength(1);
    const again = await tessera.webhookEndpoints.deliveries.retry(endpoint!.id, delivery.id);
    expect(again.attempts.map((a) => a.trigger)).toEqual(["automatic", "manual"]);
    const failed: string[] = [];
    for await (const d of tessera.webhookEndpoints.deliveries.all(endpoint!.id, { status: "failed" }))
      failed.push(d.id);
    expect(failed).toEqual([]);

    // Signing keys and the public key sets (sent without credentials).
    const before = await tessera.signingKeys.list();
    const rotation = await tessera.signingKeys.rotate();
    expect(rotation.previous.map((k) => k.id)).toEqual(
      before.data.filter((k) => k.status === "active").map((k) => k.id),
    );
    // Published at once, signing after the lead time.
    expect((await tessera.signingKeys.list()).data.find((k) => k.id === rotation.key.id)).toMatchObject({
      status: "pending",
      activates_at: expect.any(String),
    });
    const jwks = await tessera.jwks.retrieve("development");
    expect(jwks.keys.map((k) => k.kid)).toContain(rotation.key.id);
    expect(await tessera.jwks.retrieveWellKnown("development", { tenant: acme.id })).toEqual(jwks);
    const stranger = new Tessera({ apiKey: "tsk_not_a_key", tenant: acme.slug, baseUrl, retry: 0 });
    expect(await stranger.jwks.retrieve("development")).toEqual(jwks);

    // API keys.
    const ci = await tessera.apiKeys.create({ name: "ci", scopes: ["catalog:read"] });
    expect(await tessera.apiKeys.retrieve(ci.id)).toMatchObject({ id: ci.id, name: "ci" });
    expect((await tessera.apiKeys.list()).data.map((k) => k.id)).toContain(ci.id);
    expect((await tessera.apiKeys.revoke(ci.id)).id).toBe(ci.id);

    // Disputes: a chargeback the sandbox PSP reports through its signed webhook.
    const shop = await tessera.storefronts.create({
      key: "disputed-shop",
      name: "Disputed shop",
      type: "web",
      bundles: ["team"],
      payment_providers: [{ name: "sandbox", credentials: { webhook_secret: "whsec_sdk_disputes" } }],
    });
    const disputer = await tessera.customers.create({ storefront: shop.id, external_id: "user-disputes" });
    const charged = (
      await tessera.subscriptions.create({
        customer: disputer.id,
        price: teamMonthly.id,
        payment_method: "pm_sandbox_ok",
      })
    ).latest_payment!;
    const chargeback = signSandboxWebhook(
      "whsec_sdk_disputes",
      {
        id: "evt_sdk_dispute_1",
        type: "charge.dispute.created",
        created: charged.created_at,
        data: { charge: charged.provider_reference!, amount: 700, reason: "fraudulent" },
      },
      new Date(charged.created_at),
    );
    const pushed = await fetch(`${baseUrl}/v1/providers/sandbox/webhooks/${shop.id}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...chargeback.headers },
      body: chargeback.body,
    });
    expect(pushed.status).toBe(200);
    await ctx.services.worker.drain();
    const [dispute] = (await tessera.disputes.list({ customer: disputer.id })).data;
    expect(dispute).toMatchObject({ payment: charged.id, status: "open", amount: 700, reason: "fraudulent" });
    expect(await tessera.disputes.retrieve(dispute!.id)).toEqual(dispute);
    const open: string[] = [];
    for await (const d of tessera.disputes.all({ status: "open" })) open.push(d.id);
    expect(open).toContain(dispute!.id);

    // The platform client: tenants and environments.
    const globex = await platform.tenants.create({ slug: "globex", name: "Globex", environments: ["development"] });
    expect(globex.api_keys.map((k) => k.environment)).toEqual(["development"]);
    const qa = await platform.environments.create("globex", { name: "qa" });
    expect(qa.environments.map((e) => e.name).sort()).toEqual(["development", "qa"]);
    expect(qa.api_keys.map((k) => k.environment)).toEqual(["qa"]);
    expect((await platform.tenants.retrieve(globex.id)).slug).toBe("globex");
    expect(await platform.tenants.setPlan("globex", "pro")).toMatchObject({ tenant: globex.id, plan: "pro" });
    expect((await platform.tenants.list()).data.map((t) => t.slug).sort()).toEqual(["acme", "globex"]);
    const tenants: string[] = [];
    for await (const t of platform.tenants.all({ limit: 1 })) tenants.push(t.slug);
    expect(tenants.sort()).toEqual(["acme", "globex"]);
    const globexQa = client({ apiKey: qa.api_keys[0]!.secret, tenant: "globex" });
    expect((await globexQa.entitlements.list()).data).toEqual([]);
    expect(await failure(platform.tenants.retrieve("initech"))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    // The platform's own audit chain (platform users, invitations): a page, newest first.
    expect(await platform.audit.list({ limit: 5 })).toMatchObject({ object: "list" });

    // The test clock starts over; the events tell the story oldest first.
    expect(await tessera.testClocks.reset()).toMatchObject({ object: "test_clock", frozen: false });
    expect(await tessera.testClocks.current()).toMatchObject({ frozen: false });
    const clockEvents = await tessera.events.list({ order: "asc", type: "test_clock.*", limit: 100 });
    expect(clockEvents.data.map((e) => e.type).at(-1)).toBe("test_clock.reset");
    const ids = clockEvents.data.map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
    const newest = await tessera.events.list({ type: "test_clock.*", limit: 100 });
    expect(newest.data.map((e) => e.id)).toEqual([...ids].reverse());

    // Last: the webhook endpoint goes, with its log.
    expect(await tessera.webhookEndpoints.delete(endpoint!.id)).toMatchObject({ id: endpoint!.id, deleted: true });
  });

  it("signs in, manages users and sessions over real HTTP", async () => {
    const tessera = client();
    const auth = new TesseraAuth({ baseUrl, retry: 0 });
    const invitation = await tessera.users.invite({ email: "ada@sdk.test", role: "finance" });
    expect(invitation.token).toMatch(/^tiv_/);
    const password = "correct horse battery staple";
    const accepted = await auth.acceptInvitation({ token: invitation.token!, password });
    expect(accepted.user.memberships).toEqual([
      expect.objectContaining({ tenant_slug: acme.slug, role: "finance", environments: "all" }),
    ]);
    const tokens = await auth.login({ email: "ada@sdk.test", password });
    const refreshed = await auth.refresh(tokens.refresh_token);
    expect(refreshed.session).toBe(tokens.session);
    const session = new TesseraSession({ accessToken: refreshed.access_token, baseUrl, retry: 0 });
    expect((await session.me()).email).toBe("ada@sdk.test");
    expect((await session.sessions.list()).data.map((s) => s.id)).toEqual(
      expect.arrayContaining([accepted.session, tokens.session]),
    );
    await session.sessions.revoke(accepted.session);
    const setup = await session.totp.setup();
    expect(setup.otpauth_url).toMatch(/^otpauth:/);
    const code = new TOTP({ secret: Secret.fromBase32(setup.secret) }).generate({
      timestamp: ctx.clock.now().getTime(),
    });
    expect((await session.totp.enable(code)).totp_enabled).toBe(true);
    // A signed-in user calls tenant routes through the same client, with the access token.
    const asUser = client({ apiKey: refreshed.access_token });
    expect((await asUser.customers.list()).object).toBe("list");
    expect((await session.totp.disable({ password, code })).totp_enabled).toBe(false);
    const newPassword = "another long passphrase";
    expect(await session.changePassword({ current_password: password, new_password: newPassword })).toEqual({
      ok: true,
    });
    const member = (await tessera.users.list()).data.find((m) => m.email === "ada@sdk.test")!;
    const reset = await tessera.users.issuePasswordReset(member.id);
    expect(reset.token).toMatch(/^tpr_/);
    await auth.resetPassword({ token: reset.token, new_password: "a third long passphrase" });
    expect(await failure(session.me())).toMatchObject({ status: 401 });
    expect(await auth.forgotPassword("ada@sdk.test")).toEqual({ ok: true });
    // Custom roles.
    const role = await tessera.roles.create({ name: "sdk-reader", permissions: ["catalog:read"] });
    expect((await tessera.roles.list()).data.map((r) => r.id)).toContain(role.id);
    expect((await tessera.roles.retrieve("viewer")).built_in).toBe(true);
    expect((await tessera.roles.update(role.id, { permissions: ["events:read"] })).permissions).toEqual([
      "events:read",
    ]);
    await tessera.users.update(member.id, { role: role.id });
    expect((await tessera.users.list()).data.find((m) => m.id === member.id)?.role).toBe(role.id);
    await tessera.users.update(member.id, { role: "viewer" });
    expect((await tessera.roles.delete(role.id)).id).toBe(role.id);
    expect((await tessera.users.list()).data.find((m) => m.id === member.id)?.role).toBe("viewer");
    await tessera.users.remove(member.id);
    expect((await tessera.users.list()).data.map((m) => m.id)).not.toContain(member.id);
  });

  it("reads the audit trail and one request's lineage over real HTTP", async () => {
    const tessera = client();
    const created = await tessera.entitlements.create({ key: "audited", name: "Audited", kind: "flag" });
    // Records are written from committed events by the worker.
    await ctx.services.worker.drain();
    const page = await tessera.audit.list({ object_id: created.id });
    expect(page.data.map((r) => r.action)).toContain("entitlement.created");
    const record = page.data.find((r) => r.action === "entitlement.created")!;
    const lineage = await tessera.audit.lineage(record.correlation_id!);
    expect(lineage.data.map((r) => r.id)).toContain(record.id);
    const all: string[] = [];
    for await (const r of tessera.audit.all({ object_id: created.id, limit: 1 })) all.push(r.id);
    expect(all).toContain(record.id);
  });

  it("reads the subscription metrics over real HTTP", async () => {
    const tessera = client();
    const summary = await tessera.metrics.summary();
    expect(summary.object).toBe("metrics_summary");
    expect(summary.active_subscriptions).toBeGreaterThanOrEqual(0);
    const history = await tessera.metrics.history({ weeks: 4 });
    expect(history.points).toHaveLength(5);
    expect(history.points.at(-1)?.at).toBe(summary.as_of);
  });

  it("stores payment methods, routes payments, exports, erases and keeps consents over real HTTP", async () => {
    const tessera = client();
    const web = await tessera.storefronts.retrieve("web");
    const ada = await tessera.customers.retrieveByExternalId("web", "user-42");

    // Payment methods and routing.
    const method = await tessera.paymentMethods.create(ada.id, {
      providers: [{ name: "sandbox", token: "tok_sandbox_ok" }],
    });
    expect((await tessera.paymentMethods.list(ada.id)).data.map((m) => m.id)).toContain(method.id);
    expect((await tessera.paymentMethods.retrieve(ada.id, method.id)).id).toBe(method.id);
    expect((await tessera.paymentMethods.setDefault(ada.id, method.id)).id).toBe(method.id);
    // One-off payments charge the default method when they name none.
    const authorized = await tessera.payments.create({
      customer: ada.id,
      amount: 4000,
      currency: "EUR",
      capture: false,
    });
    expect(authorized).toMatchObject({ status: "authorized", amount_capturable: 4000, payment_method: method.id });
    expect(await tessera.payments.capture(authorized.id, { amount: 2500 })).toMatchObject({ amount_captured: 2500 });
    const released = await tessera.payments.create({ customer: ada.id, amount: 100, currency: "EUR", capture: false });
    expect((await tessera.payments.void(released.id)).status).toBe("voided");
    expect((await tessera.paymentMethods.detach(ada.id, method.id)).id).toBe(method.id);
    const routing = await tessera.paymentRouting.retrieve(web.id);
    expect(routing).toBeDefined();
    await tessera.paymentRouting.update(web.id, {});
    const decision = await tessera.paymentRouting.preview({ storefront: web.id, amount: 999, currency: "EUR" });
    expect(decision).toBeDefined();

    // Consents, exports, erasure and retention.
    await tessera.consents.record(ada.id, {
      purpose: "marketing_email",
      status: "granted",
      method: "web_form",
      text_version: "v1",
    });
    expect(await tessera.consents.current(ada.id)).toBeDefined();
    expect((await tessera.consents.history(ada.id, { purpose: "marketing_email" })).data).toHaveLength(1);
    const exported = await tessera.privacy.export(ada.id);
    await ctx.services.worker.drain();
    expect((await tessera.privacy.retrieveRequest(exported.id)).status).toBe("ready");
    expect(await tessera.privacy.downloadArchive(exported.id)).toBeDefined();
    expect((await tessera.privacy.listRequests(ada.id)).data.map((r) => r.id)).toContain(exported.id);
    const gone = await tessera.customers.create({ storefront: "web", external_id: "user-erased" });
    expect((await tessera.privacy.erase(gone.id, { active_subscriptions: "refuse" })).id).toBeDefined();
    expect((await tessera.retention.updatePolicy({ event_days: 3650 })).object).toBeDefined();
    expect(await tessera.retention.retrievePolicy()).toBeDefined();
    const run = await tessera.retention.run();
    expect((await tessera.retention.listRuns()).data.map((r) => r.id)).toContain(run.id);

    // Trial eligibility and safe mode.
    const policy = await tessera.trials.updatePolicy(web.id, { one_per: ["customer"], lookback_days: 365 });
    expect(policy.one_per).toEqual(["customer"]);
    expect((await tessera.trials.retrievePolicy(web.id)).lookback_days).toBe(365);
    const [price] = (await tessera.bundles.retrieve("pro")).prices;
    expect(typeof (await tessera.trials.eligibility(ada.id, { price: price!.id })).eligible).toBe("boolean");
    // e-Arşiv cancellation, on a Turkish storefront sending through a local Nilvera.
    const nilvera = await startFakeNilvera();
    try {
      await tessera.storefronts.create({
        key: "tr",
        name: "TR shop",
        type: "web",
        bundles: ["pro"],
        payment_providers: [{ name: "sandbox" }],
        fiscal_provider: {
          name: "tr-earsiv",
          config: { base_url: nilvera.url },
          credentials: { api_key: nilvera.apiKey },
        },
      });
      await tessera.legalEntities.set("tr", {
        legal_name: "Tessera Yazılım A.Ş.",
        address: { line1: "Büyükdere Cd. 1", city: "İstanbul", country: "TR" },
        tax_number: "1234567890",
        tax_office: "Zincirlikuyu",
        invoice_series: "TES",
        credit_note_series: "TSI",
      });
      const ayse = await tessera.customers.create({ storefront: "tr", external_id: "user-tr-1" });
      const trSub = await tessera.subscriptions.create({
        customer: ayse.id,
        price: (await tessera.bundles.retrieve("pro")).prices[0]!.id,
        payment_method: "pm_sandbox_ok",
      });
      await ctx.services.worker.drain();
      const [arsiv] = (await tessera.invoices.list({ subscription: trSub.id })).data;
      nilvera.decide(arsiv!.uuid, "succeed");
      ctx.clock.advance(61_000);
      await ctx.services.worker.drain();
      expect((await tessera.invoices.cancel(arsiv!.id)).fiscal.status).toBe("cancelled");
    } finally {
      await nilvera.close();
    }
    const hold = await tessera.safeMode.enter({ provider: "sandbox", reason: "SDK test" });
    expect((await tessera.safeMode.list()).data.map((h) => h.id)).toContain(hold.id);
    await tessera.safeMode.exit(hold.id);
  });

  it("changes the price of current subscribers, with the customer's consent, over real HTTP", async () => {
    const tessera = client();
    const [monthly] = (await tessera.bundles.retrieve("pro")).prices;
    const raised = await tessera.prices.create("pro", { currency: "EUR", amount: 1299, interval: "month" });
    const eve = await tessera.customers.create({ storefront: "web", external_id: "user-price-change" });
    const sub = await tessera.subscriptions.create({
      customer: eve.id,
      price: monthly!.id,
      payment_method: "pm_sandbox_ok",
    });
    const input = {
      to_price: raised.id,
      strategy: "require_consent" as const,
      notice_days: 0,
      text_version: "price-2026",
      on_no_consent: "keep" as const,
    };
    const preview = await tessera.priceChanges.preview(monthly!.id, input);
    expect(preview.affected.map((a) => a.subscription)).toContain(sub.id);
    const migration = await tessera.priceChanges.create(monthly!.id, input);
    await ctx.services.worker.drain();
    expect((await tessera.priceChanges.retrieve(migration.id)).status).toBe("completed");
    expect((await tessera.priceChanges.list()).data.map((m) => m.id)).toContain(migration.id);
    const changes = await tessera.priceChanges.changes(migration.id, { status: "awaiting_consent" });
    expect(changes.data.map((c) => c.subscription)).toContain(sub.id);
    const yes = await tessera.priceChanges.consent(sub.id, { text_version: "price-2026", method: "app" });
    expect(yes.pending_price_change).toMatchObject({ price: raised.id, consent: "given" });
    const no = await tessera.priceChanges.decline(sub.id, { text_version: "price-2026", method: "app" });
    expect(no.pending_price_change?.consent).toBe("declined");
  });

  it("runs coupons, promotion codes, discounts, offers and the ledger over real HTTP", async () => {
    const tessera = client();
    const [price] = (await tessera.bundles.retrieve("pro")).prices;
    const spring = await tessera.campaigns.createCoupon({ name: "Spring", percent_off: 25, duration: "once" });
    expect((await tessera.campaigns.listCoupons()).data.map((c) => c.id)).toContain(spring.id);
    expect((await tessera.campaigns.updateCoupon(spring.id, { max_redemptions: 10 })).max_redemptions).toBe(10);
    const code = await tessera.campaigns.createPromotionCode({ coupon: spring.id, code: "SDK-SPRING" });
    expect((await tessera.campaigns.retrievePromotionCode(code.id)).code).toBe("SDK-SPRING");
    expect((await tessera.campaigns.listPromotionCodes({ code: "sdk-spring" })).data).toHaveLength(1);
    const buyer = await tessera.customers.create({ storefront: "web", external_id: "user-campaign" });
    const sub = await tessera.subscriptions.create({
      customer: buyer.id,
      price: price!.id,
      payment_method: "pm_sandbox_ok",
      promotion_code: "sdk-spring",
    });
    expect(sub.latest_payment?.amount).toBe(749);
    expect((await tessera.campaigns.retrieveCoupon(spring.id)).times_redeemed).toBe(1);
    expect((await tessera.campaigns.listRedemptions({ customer: buyer.id })).data[0]?.outcome).toBe("redeemed");
    const forever = await tessera.campaigns.createCoupon({
      name: "Loyal",
      amounts_off: { EUR: 100 },
      duration: "forever",
    });
    expect((await tessera.campaigns.applyDiscount(sub.id, { coupon: forever.id })).first_period).toBe(2);
    expect((await tessera.campaigns.retrieveDiscount(sub.id)).coupon).toBe(forever.id);
    expect((await tessera.campaigns.removeDiscount(sub.id)).status).toBe("ended");
    const vip = await tessera.campaigns.createCoupon({
      name: "VIP",
      percent_off: 50,
      duration: "once",
      trigger: { type: "api", offer_valid_days: 7, max_offers_per_customer: 1, window_days: 365 },
    });
    expect((await tessera.campaigns.offer(buyer.id, { coupon: vip.id })).trigger).toBe("api");
    expect((await tessera.campaigns.listOffers(buyer.id)).data).toHaveLength(1);
    expect((await tessera.campaigns.archivePromotionCode(code.id)).status).toBe("archived");
    const unused = await tessera.campaigns.createCoupon({ name: "Unused", percent_off: 5, duration: "once" });
    expect(await tessera.campaigns.deleteCoupon(unused.id)).toMatchObject({ deleted: true });
  });

  it("got a 2xx answer from the real server for every operation of /openapi.json in the tests above", () => {
    const ok = new Set(
      answered
        .filter((a) => a.status >= 200 && a.status < 300)
        .map((a) => operationOf(ops, a.method, a.path)?.name)
        .filter((name) => name !== undefined),
    );
    const missing = ops.map((op) => op.name).filter((name) => !ok.has(name));
    expect(missing, `operations no live test got a 2xx answer from:\n  ${missing.join("\n  ")}`).toEqual([]);
    // The public key sets were fetched without the API key, also by the client holding a bad one.
    const leaked = answered.filter((a) => a.credentials && operationOf(ops, a.method, a.path)?.auth === "none");
    expect(leaked).toEqual([]);
  });
});
