import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../server/test/harness.js";
import { isTesseraApiError, Tessera, type TesseraApiError } from "../src/index.js";

// The real server over real HTTP. A thin front lets tests inject transient failures and see
// which Idempotency-Keys arrive; everything else goes to the app unchanged.
describe("Tessera API client against the real server", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let server: ReturnType<typeof serve>;
  let baseUrl: string;
  const front = { failures: 0, seen: [] as Array<{ method: string; path: string; key: string | null }> };

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    server = serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req: Request) => {
        front.seen.push({
          method: req.method,
          path: new URL(req.url).pathname,
          key: req.headers.get("idempotency-key"),
        });
        if (front.failures > 0) {
          front.failures--;
          return Response.json({ code: "UNAVAILABLE", status: 503 }, { status: 503 });
        }
        return ctx.app.fetch(req);
      },
    });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ctx.close();
  });

  const client = (overrides: Partial<ConstructorParameters<typeof Tessera>[0]> = {}) =>
    new Tessera({
      apiKey: acme.keys.development!,
      tenant: acme.slug,
      baseUrl,
      retry: { baseDelay: 5, maxDelay: 20 },
      ...overrides,
    });

  async function failure(promise: Promise<unknown>): Promise<TesseraApiError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isTesseraApiError(error)) throw new Error(`expected a TesseraApiError, got ${String(error)}`);
    return error;
  }

  it("manages the catalog: entitlements, bundles and prices", async () => {
    const tessera = client();
    const flag = await tessera.entitlements.create({ key: "export-pdf", name: "Export PDF", kind: "flag" });
    expect(flag).toMatchObject({ object: "entitlement", key: "export-pdf", kind: "flag" });
    await tessera.entitlements.create({ key: "support", name: "Support", kind: "tier", levels: ["basic", "vip"] });
    expect((await tessera.entitlements.retrieve("export-pdf")).id).toBe(flag.id);
    expect((await tessera.entitlements.update("support", { name: "Support plan" })).name).toBe("Support plan");

    const bundle = await tessera.bundles.create({
      key: "pro",
      name: "Pro",
      entitlements: [{ key: "export-pdf" }, { key: "support", level: "vip" }],
      prices: [{ currency: "EUR", amount: 999, interval: "month" }],
    });
    expect(bundle.entitlements.map((e) => e.key).sort()).toEqual(["export-pdf", "support"]);
    const yearly = await tessera.prices.create(bundle.id, { currency: "EUR", amount: 9990, interval: "year" });
    expect(await tessera.prices.retrieve(yearly.id)).toMatchObject({ amount: 9990, bundle: bundle.id });
    expect((await tessera.prices.update(bundle.id, yearly.id, { status: "archived" })).status).toBe("archived");
    expect((await tessera.bundles.list({ limit: 10 })).data.map((b) => b.key)).toEqual(["pro"]);
  });

  it("manages storefronts and customers", async () => {
    const tessera = client();
    const web = await tessera.storefronts.create({ key: "web", name: "Web shop", type: "web", bundles: ["pro"] });
    expect(web).toMatchObject({ object: "storefront", key: "web", channels: ["direct"] });
    const customer = await tessera.customers.create({ storefront: "web", external_id: "user-42", email: "a@b.test" });
    expect(await tessera.customers.retrieveByExternalId("web", "user-42")).toMatchObject({ id: customer.id });
    expect((await tessera.customers.list({ external_id: "user-42" })).data).toHaveLength(1);
    expect((await tessera.customers.update(customer.id, { name: "Ada" })).name).toBe("Ada");
  });

  it("pages through a list with all()", async () => {
    const tessera = client();
    for (const key of ["a1", "a2", "a3", "a4"]) await tessera.entitlements.create({ key, name: key, kind: "flag" });
    const keys: string[] = [];
    for await (const e of tessera.entitlements.all({ limit: 2 })) keys.push(e.key);
    expect(keys).toEqual(expect.arrayContaining(["a1", "a2", "a3", "a4", "export-pdf", "support"]));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("creates, lists and revokes API keys; a revoked key gets a typed 401", async () => {
    const tessera = client();
    const created = await tessera.apiKeys.create({ name: "ci", scopes: ["catalog:read"] });
    expect(created.secret).toMatch(/^tsk_/);
    expect((await tessera.apiKeys.list()).data.some((k) => k.id === created.id)).toBe(true);
    const narrow = client({ apiKey: created.secret });
    expect((await narrow.entitlements.list()).object).toBe("list");
    const forbidden = await failure(narrow.entitlements.create({ key: "x", name: "x", kind: "flag" }));
    expect(forbidden).toMatchObject({ status: 403, code: "FORBIDDEN" });
    await tessera.apiKeys.revoke(created.id);
    expect(await failure(narrow.entitlements.list())).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
  });

  it("throws TesseraApiError with code, request id and field errors", async () => {
    const tessera = client();
    const invalid = await failure(tessera.entitlements.create({ key: "Bad Key", name: "", kind: "flag" }));
    expect(invalid).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    expect(invalid.requestId).toBeTruthy();
    expect(invalid.errors.map((e) => e.path)).toEqual(expect.arrayContaining(["key", "name"]));
    expect(await failure(tessera.customers.retrieve("cus_missing"))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    const otherTenant = client({ tenant: "globex" });
    expect(await failure(otherTenant.entitlements.list())).toMatchObject({ status: 403, code: "TENANT_MISMATCH" });
  });

  it("retries 5xx answers, keeping the POST's Idempotency-Key, so the work is done once", async () => {
    const tessera = client();
    front.seen = [];
    front.failures = 2;
    const created = await tessera.entitlements.create({ key: "retried", name: "Retried", kind: "flag" });
    const posts = front.seen.filter((s) => s.method === "POST");
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.key)).size).toBe(1);
    expect(posts[0]?.key).toBeTruthy();

    // The same explicit key replays the first answer instead of creating a duplicate.
    const again = await tessera.entitlements.create(
      { key: "retried", name: "Retried", kind: "flag" },
      { idempotencyKey: posts[0]?.key ?? "" },
    );
    expect(again.id).toBe(created.id);

    front.failures = 5;
    const gaveUp = await failure(client({ retry: { limit: 1, baseDelay: 1 } }).entitlements.list());
    expect(gaveUp).toMatchObject({ status: 503, code: "UNAVAILABLE" });
    front.failures = 0;
  });

  it("reports a connection failure as CONNECTION_FAILED", async () => {
    const offline = client({ baseUrl: "http://127.0.0.1:9", retry: 0 });
    expect(await failure(offline.bundles.list())).toMatchObject({ status: 0, code: "CONNECTION_FAILED" });
  });
});
