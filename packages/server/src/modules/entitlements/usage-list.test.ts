import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { created, customerWithGrants, setupCatalog } from "./test-setup.js";

interface Listed {
  id: string;
  entitlement: string;
  quantity: number;
  source: string;
  timestamp: string;
  customer: string;
  used: number;
  limit: number | null;
}
interface ListPage {
  object: string;
  data: Listed[];
  has_more: boolean;
  next_cursor: string | null;
}

describe("GET /v1/customers/{id}/usage", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let storefrontId: string;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    storefrontId = (await setupCatalog(acme.api)).storefront.id;
  });
  afterAll(() => ctx.close());
  beforeEach(() => ctx.clock.set("2026-01-14T10:00:00.000Z"));

  const customerWith = (...grants: object[]) => customerWithGrants(acme.api, storefrontId, grants);
  const record = async (customer: string, body: object) => {
    const res = await acme.api<{ id: string }>("POST", `/v1/customers/${customer}/usage`, body);
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const list = (customer: string, query = "") =>
    acme.api<ListPage>("GET", `/v1/customers/${customer}/usage${query ? `?${query}` : ""}`);

  it("lists recorded use and what consuming checks took, newest first, with their source", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 }, { entitlement: "renders", limit: 5 });
    const first = await record(c, { entitlement: "api-calls", quantity: 3 });
    const check = await acme.api("POST", `/v1/customers/${c}/entitlements/check`, {
      entitlement: "renders",
      quantity: 2,
      consume: true,
    });
    expect(check.body).toMatchObject({ allowed: true, consumed: 2 });
    // A refused check takes nothing, so it leaves no record.
    const refused = await acme.api("POST", `/v1/customers/${c}/entitlements/check`, {
      entitlement: "renders",
      quantity: 10,
      consume: true,
    });
    expect(refused.body).toMatchObject({ allowed: false, code: "QUOTA_EXCEEDED" });
    // A check without consume is a question, not a use.
    await acme.api("POST", `/v1/customers/${c}/entitlements/check`, { entitlement: "api-calls", quantity: 1 });
    const last = await record(c, { entitlement: "api-calls", quantity: 4, idempotency_key: "job-1" });

    const res = await list(c);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: "list", has_more: false, next_cursor: null });
    expect(res.body.data.map((r) => [r.entitlement, r.quantity, r.source])).toEqual([
      ["api-calls", 4, "usage"],
      ["renders", 2, "check"],
      ["api-calls", 3, "usage"],
    ]);
    expect(res.body.data[0]).toMatchObject({
      id: last,
      object: "usage_record",
      customer: c,
      timestamp: "2026-01-14T10:00:00.000Z",
      window_start: "2026-01-01T00:00:00.000Z",
      window_end: "2026-02-01T00:00:00.000Z",
      idempotency_key: "job-1",
      duplicate: false,
      used: 7,
      limit: 100,
      remaining: 93,
    });
    expect(res.body.data[1]).toMatchObject({
      window_start: "2026-01-14T00:00:00.000Z",
      window_end: "2026-01-15T00:00:00.000Z",
      idempotency_key: null,
      used: 2,
      limit: 5,
      remaining: 3,
    });
    expect(res.body.data[2]!.id).toBe(first);
    // The record POST /usage answers names its source too.
    const replay = await acme.api("POST", `/v1/customers/${c}/usage`, {
      entitlement: "api-calls",
      quantity: 4,
      idempotency_key: "job-1",
    });
    expect(replay.body).toMatchObject({ id: last, source: "usage", duplicate: true });
    expect((await list(c)).body.data).toHaveLength(3);
  });

  it("pages with limit and next_cursor, each record once", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 });
    const ids: string[] = [];
    for (let q = 1; q <= 5; q++) ids.push(await record(c, { entitlement: "api-calls", quantity: q }));
    const seen: string[] = [];
    let query = "limit=2";
    for (let pages = 0; pages < 5; pages++) {
      const res = await list(c, query);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((r) => r.id));
      if (!res.body.has_more) break;
      query = `limit=2&starting_after=${res.body.next_cursor}`;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by entitlement (key or id) and by when the use occurred", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 }, { entitlement: "renders", limit: 50 });
    await record(c, { entitlement: "api-calls", quantity: 1, timestamp: "2026-01-02T08:00:00.000Z" });
    await record(c, { entitlement: "api-calls", quantity: 2, timestamp: "2026-01-10T08:00:00.000Z" });
    await record(c, { entitlement: "renders", quantity: 3, timestamp: "2026-01-10T09:00:00.000Z" });
    await record(c, { entitlement: "api-calls", quantity: 4 });

    const byKey = await list(c, "entitlement=renders");
    expect(byKey.body.data.map((r) => r.quantity)).toEqual([3]);
    const entitlementId = (await acme.api<{ id: string }>("GET", "/v1/entitlements/api-calls")).body.id;
    const byId = await list(c, `entitlement=${entitlementId}`);
    expect(byId.body.data.map((r) => r.quantity)).toEqual([4, 2, 1]);

    // from is inclusive, to exclusive, on the use's own time (not when it was recorded).
    const window = await list(c, "from=2026-01-10T08:00:00.000Z&to=2026-01-14T10:00:00.000Z");
    expect(window.body.data.map((r) => r.quantity)).toEqual([3, 2]);
    expect((await list(c, "from=2026-01-10T09:00:00.000Z")).body.data.map((r) => r.quantity)).toEqual([4, 3]);
    expect((await list(c, "to=2026-01-10T08:00:00Z")).body.data.map((r) => r.quantity)).toEqual([1]);
    // An offset is the same instant in UTC.
    expect((await list(c, "to=2026-01-10T09:00:00%2B01:00")).body.data.map((r) => r.quantity)).toEqual([1]);
    const both = await list(c, `entitlement=api-calls&from=2026-01-05T00:00:00Z&limit=1`);
    expect(both.body.data.map((r) => r.quantity)).toEqual([4]);
    expect(both.body.has_more).toBe(true);
    const next = await list(
      c,
      `entitlement=api-calls&from=2026-01-05T00:00:00Z&starting_after=${both.body.next_cursor}`,
    );
    expect(next.body.data.map((r) => r.quantity)).toEqual([2]);
    expect(next.body.has_more).toBe(false);
  });

  it("shows only this customer's records; another customer or tenant is a 404", async () => {
    const mine = await customerWith({ entitlement: "api-calls", limit: 100 });
    const theirs = await customerWith({ entitlement: "api-calls", limit: 100 });
    await record(theirs, { entitlement: "api-calls", quantity: 9 });
    await acme.api("POST", `/v1/customers/${theirs}/entitlements/check`, {
      entitlement: "api-calls",
      quantity: 1,
      consume: true,
    });
    const empty = await list(mine);
    expect(empty.status).toBe(200);
    expect(empty.body.data).toEqual([]);
    await record(mine, { entitlement: "api-calls", quantity: 2 });
    expect((await list(mine)).body.data.map((r) => [r.customer, r.quantity])).toEqual([[mine, 2]]);

    const unknown = await list("cus_01JZZZZZZZZZZZZZZZZZZZZZZZ");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect(unknown.body).toMatchObject({ code: "NOT_FOUND" });

    const globex = await createTestTenant(ctx, "globex-usage");
    const foreign = await globex.api("GET", `/v1/customers/${theirs}/usage`);
    expect(foreign.status).toBe(404);
    // Another environment of the same tenant does not see them either.
    const live = await acme.as("production")("GET", `/v1/customers/${theirs}/usage`);
    expect(live.status).toBe(404);
  });

  it("refuses bad filters with 400 VALIDATION_FAILED naming the field", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 });
    const cases: Array<[string, string]> = [
      ["entitlement=no-such-thing", "query.entitlement"],
      ["from=2026-01-10T00:00:00Z&to=2026-01-10T00:00:00Z", "query.to"],
      ["from=2026-01-11T00:00:00Z&to=2026-01-10T00:00:00Z", "query.to"],
      ["from=yesterday", "query.from"],
      ["to=2026-13-01T00:00:00Z", "query.to"],
      ["limit=0", "query.limit"],
      ["limit=101", "query.limit"],
      ["starting_after=not-a-cursor", "query.starting_after"],
    ];
    for (const [query, path] of cases) {
      const res = await acme.api("GET", `/v1/customers/${c}/usage?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type"), query).toContain("application/problem+json");
      expect(res.body.code, query).toBe("VALIDATION_FAILED");
      expect(
        res.body.errors.map((e: { path: string }) => e.path),
        query,
      ).toContain(path);
    }
  });

  it("needs entitlements:read", async () => {
    const c = await customerWith({ entitlement: "api-calls", limit: 100 });
    const keyWith = async (scope: string) =>
      client(
        ctx,
        (await created<{ secret: string }>(acme.api, "/v1/api-keys", { name: scope, scopes: [scope] })).secret,
        acme.slug,
      );
    const refused = await (await keyWith("customers:read"))("GET", `/v1/customers/${c}/usage`);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("FORBIDDEN");
    expect((await (await keyWith("entitlements:read"))("GET", `/v1/customers/${c}/usage`)).status).toBe(200);
  });
});
