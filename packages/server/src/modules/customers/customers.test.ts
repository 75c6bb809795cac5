import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "../../../test/harness.js";
import {
  type ApiResult,
  createTestApp,
  createTestTenant,
  type TestContext,
  type TestTenant,
} from "../../../test/harness.js";

const paths = (res: ApiResult) => (res.body.errors ?? []).map((e: { path: string }) => e.path);

describe("customers API", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let web: string;
  let app: string;
  let alice: Json;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    web = (await acme.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" })).body.id;
    app = (await acme.api("POST", "/v1/storefronts", { key: "app", name: "App", type: "app" })).body.id;
  });
  afterAll(() => ctx.close());

  it("creates a customer of a storefront named by key, and reads it by id", async () => {
    const res = await acme.api("POST", "/v1/customers", {
      storefront: "web",
      external_id: "user-42",
      email: "alice@example.com",
      name: "Alice",
      country: "DE",
      metadata: { plan: "trial" },
    });
    expect(res.status).toBe(201);
    alice = res.body;
    expect(alice).toEqual({
      id: expect.stringMatching(/^cus_/),
      object: "customer",
      storefront: web,
      external_id: "user-42",
      email: "alice@example.com",
      name: "Alice",
      country: "DE",
      metadata: { plan: "trial" },
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
    });
    // A single customer read also shows the current consents (none yet).
    expect((await acme.api("GET", `/v1/customers/${alice.id}`)).body).toEqual({ ...alice, consents: {} });
    const byId = await acme.api("POST", "/v1/customers", { storefront: app, external_id: "bob" });
    expect(byId.body).toMatchObject({ storefront: app, email: null, name: null, country: null, metadata: {} });
  });

  it("rejects bad input with field errors", async () => {
    const res = await acme.api("POST", "/v1/customers", { storefront: "web", email: "nope", country: "de" });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(expect.arrayContaining(["external_id", "email", "country"]));
    const unknown = await acme.api("POST", "/v1/customers", { storefront: "shop", external_id: "x" });
    expect(unknown.status).toBe(400);
    expect(paths(unknown)).toEqual(["storefront"]);
    expect((await acme.api("POST", "/v1/customers", { external_id: "x" })).status).toBe(400);
  });

  it("keeps external_id unique per storefront", async () => {
    const dup = await acme.api("POST", "/v1/customers", { storefront: web, external_id: "user-42" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("ALREADY_EXISTS");
    const otherStorefront = await acme.api("POST", "/v1/customers", { storefront: "app", external_id: "user-42" });
    expect(otherStorefront.status).toBe(201);
  });

  it("finds a customer by external id, through the list filter and the storefront route", async () => {
    const filtered = await acme.api("GET", "/v1/customers?storefront=web&external_id=user-42");
    expect(filtered.body.data).toEqual([alice]);
    const everywhere = await acme.api("GET", "/v1/customers?external_id=user-42");
    expect(everywhere.body.data.map((c: Json) => c.storefront)).toEqual([app, web]);
    expect((await acme.api("GET", "/v1/customers?storefront=web&external_id=nobody")).body.data).toEqual([]);
    const unknown = await acme.api("GET", "/v1/customers?storefront=shop");
    expect(unknown.status).toBe(400);
    expect(paths(unknown)).toEqual(["query.storefront"]);

    expect((await acme.api("GET", "/v1/storefronts/web/customers/by-external-id/user-42")).body).toEqual(alice);
    expect((await acme.api("GET", `/v1/storefronts/${web}/customers/by-external-id/user-42`)).body).toEqual(alice);
    expect((await acme.api("GET", "/v1/storefronts/web/customers/by-external-id/nobody")).status).toBe(404);
    expect((await acme.api("GET", "/v1/storefronts/shop/customers/by-external-id/user-42")).status).toBe(404);

    const odd = "mail:carol@example.com/7 ü";
    const carol = await acme.api("POST", "/v1/customers", { storefront: "web", external_id: odd });
    const found = await acme.api("GET", `/v1/storefronts/web/customers/by-external-id/${encodeURIComponent(odd)}`);
    expect(found.body).toEqual(carol.body);
    const query = await acme.api("GET", `/v1/customers?storefront=web&external_id=${encodeURIComponent(odd)}`);
    expect(query.body.data).toEqual([carol.body]);
  });

  it("lists newest first with a cursor and filters by storefront", async () => {
    const first = await acme.api("GET", "/v1/customers?limit=2");
    expect(first.body).toMatchObject({ object: "list", has_more: true });
    const rest = await acme.api("GET", `/v1/customers?limit=2&starting_after=${first.body.next_cursor}`);
    const all = [...first.body.data, ...rest.body.data].map((c: Json) => c.external_id);
    expect(all).toEqual(["mail:carol@example.com/7 ü", "user-42", "bob", "user-42"]);
    expect(rest.body.has_more).toBe(false);
    const ofApp = await acme.api("GET", "/v1/customers?storefront=app");
    expect(ofApp.body.data.map((c: Json) => c.external_id)).toEqual(["user-42", "bob"]);
  });

  it("updates contact fields; null clears; storefront and external_id are fixed", async () => {
    ctx.clock.advance(1000);
    const upd = await acme.api("PATCH", `/v1/customers/${alice.id}`, { name: null, email: "a@example.org" });
    expect(upd.status).toBe(200);
    expect(upd.body).toEqual({ ...alice, name: null, email: "a@example.org", updated_at: "2026-01-01T00:00:01.000Z" });
    expect((await acme.api("PATCH", `/v1/customers/${alice.id}`, { external_id: "x" })).status).toBe(400);
    expect((await acme.api("PATCH", `/v1/customers/${alice.id}`, { storefront: "app" })).status).toBe(400);
    expect((await acme.api("PATCH", `/v1/customers/${alice.id}`, { country: "Germany" })).status).toBe(400);
    expect((await acme.api("PATCH", "/v1/customers/cus_nope", { name: "x" })).status).toBe(404);
  });

  it("records customer events in the same transaction as the change", async () => {
    const events = await acme.api("GET", `/v1/events?object_id=${alice.id}`);
    expect(events.status).toBe(200);
    expect(events.body.data.map((e: Json) => e.type)).toEqual(["customer.updated", "customer.created"]);
    expect(events.body.data[0].data.object).toMatchObject({ id: alice.id, email: "a@example.org" });
  });

  it("takes no new customers on an archived storefront", async () => {
    await acme.api("PATCH", "/v1/storefronts/app", { status: "archived" });
    const res = await acme.api("POST", "/v1/customers", { storefront: "app", external_id: "late" });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("OBJECT_ARCHIVED");
    expect(paths(res)).toEqual(["storefront"]);
  });

  it("deletes a customer; a storefront without customers can then be deleted", async () => {
    const only = await acme.api("POST", "/v1/storefronts", { key: "kiosk", name: "Kiosk", type: "partner" });
    const customer = await acme.api("POST", "/v1/customers", { storefront: "kiosk", external_id: "k1" });
    expect((await acme.api("DELETE", "/v1/storefronts/kiosk")).body).toMatchObject({ archived: true });
    const del = await acme.api("DELETE", `/v1/customers/${customer.body.id}`);
    expect(del.body).toEqual({ id: customer.body.id, object: "customer", deleted: true, archived: false });
    expect((await acme.api("GET", `/v1/customers/${customer.body.id}`)).status).toBe(404);
    expect((await acme.api("DELETE", `/v1/customers/${customer.body.id}`)).status).toBe(404);
    const deleted = await acme.api("GET", `/v1/events?object_id=${customer.body.id}&type=customer.deleted`);
    expect(deleted.body.data).toHaveLength(1);
    expect((await acme.api("DELETE", `/v1/storefronts/${only.body.id}`)).body).toMatchObject({ deleted: true });
  });

  it("gives later modules the customer or a 404", async () => {
    const scope = acme.scopes.development!;
    expect(await ctx.services.customers.requireCustomer(scope, alice.id)).toMatchObject({ id: alice.id });
    await expect(ctx.services.customers.requireCustomer(acme.scopes.production!, alice.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("keeps environments apart", async () => {
    const prod = acme.as("production");
    expect((await prod("GET", `/v1/customers/${alice.id}`)).status).toBe(404);
    expect((await prod("PATCH", `/v1/customers/${alice.id}`, { name: "x" })).status).toBe(404);
    expect((await prod("DELETE", `/v1/customers/${alice.id}`)).status).toBe(404);
    expect((await prod("GET", "/v1/customers")).body.data).toEqual([]);
    const res = await prod("POST", "/v1/customers", { storefront: "web", external_id: "user-42" });
    expect(paths(res)).toEqual(["storefront"]);
  });
});
