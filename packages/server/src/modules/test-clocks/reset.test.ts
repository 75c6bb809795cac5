import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

describe("test clock reset and the events timeline", () => {
  let ctx: TestContext;
  let acme: TestTenant;

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  it("unfreezes a development environment's clock and records it", async () => {
    expect((await acme.api("POST", "/v1/test-clocks/advance", { by: "P8D" })).body).toMatchObject({
      frozen: true,
      now: "2026-01-09T00:00:00.000Z",
    });
    const reset = await acme.api("POST", "/v1/test-clocks/reset");
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ object: "test_clock", frozen: false, now: "2026-01-01T00:00:00.000Z" });
    // The harness's wall clock moves; the environment follows it again.
    ctx.clock.advance(60_000);
    expect((await acme.api("GET", "/v1/test-clocks/current")).body).toMatchObject({
      frozen: false,
      now: "2026-01-01T00:01:00.000Z",
    });
    // Resetting a clock that is not frozen changes nothing and records nothing.
    expect((await acme.api("POST", "/v1/test-clocks/reset")).body).toMatchObject({ frozen: false });
    const events = await acme.api("GET", "/v1/events?type=test_clock.*&order=asc");
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(["test_clock.advanced", "test_clock.reset"]);
    expect(events.body.data[1].data.object).toMatchObject({ from: "2026-01-09T00:00:00.000Z" });
  });

  it("is refused in production, like advancing", async () => {
    const res = await acme.as("production")("POST", "/v1/test-clocks/reset");
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("TEST_CLOCK_FORBIDDEN");
  });

  it("lists events newest first by default, oldest first with order=asc, and pages both ways", async () => {
    for (let i = 0; i < 5; i++) await acme.api("POST", "/v1/test-clocks/advance", { by: "PT1H" });
    const all = async (order?: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=2${order ? `&order=${order}` : ""}${cursor ? `&starting_after=${cursor}` : ""}`;
        const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await acme.api(
          "GET",
          `/v1/events?${query}`,
        );
        ids.push(...page.body.data.map((e) => e.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      return ids;
    };
    const newest = await all();
    const oldest = await all("asc");
    expect(newest.length).toBeGreaterThanOrEqual(7);
    expect(await all("desc")).toEqual(newest);
    expect(oldest).toEqual([...newest].reverse());
    expect(oldest).toEqual([...oldest].sort());
    expect((await acme.api("GET", "/v1/events?order=sideways")).status).toBe(400);
  });
});
