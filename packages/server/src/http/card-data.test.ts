import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../test/harness.js";
import { containsCardNumber, findCardNumber, luhnValid } from "./card-data.js";

describe("card number detection", () => {
  it("finds Luhn-valid 13–19 digit numbers, whole or grouped by spaces or dashes", () => {
    for (const pan of [
      "4242424242424242",
      "4242 4242 4242 4242",
      "4242-4242-4242-4242",
      "3782 822463 10005",
      "6011000990139424",
      "4222222222222",
      "card: 5555 5555 5555 4444 exp 12/30",
    ]) {
      expect(containsCardNumber(pan), pan).toBe(true);
    }
  });

  it("sees through the separators and look-alike characters a person would type or paste", () => {
    for (const pan of [
      "4242.4242.4242.4242",
      "4242/4242/4242/4242",
      "4242_4242_4242_4242",
      "4242  4242   4242 4242",
      "4242\t4242\t4242\t4242",
      "4242\u00a04242\u00a04242\u00a04242",
      "4242\u200b4242\u200b4242\u200c4242",
      "\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12",
      "4242 - 4242 - 4242 - 4242",
    ]) {
      expect(containsCardNumber(pan), JSON.stringify(pan)).toBe(true);
    }
  });

  it("finds Luhn-valid numbers of every length from 13 to 19 digits", () => {
    for (let length = 13; length <= 19; length++) {
      const body = "4".padEnd(length - 1, "1");
      const check = [...Array(10).keys()].find((d) => luhnValid(`${body}${d}`));
      expect(containsCardNumber(`${body}${check}`), `${length} digits`).toBe(true);
    }
  });

  it("leaves alone what is not one", () => {
    for (const text of [
      "4242424242424241", // Luhn fails
      "424242424242", // 12 digits
      "42424242424242424242", // 20 digits
      "2026-01-01T00:00:00.000Z",
      "2026-01-01 2026-02-01",
      "+49 151 2345 6789",
      "cus_01JABCDEFGHJKMNPQRSTVWXYZ0",
      "999",
      "pm_sandbox_ok",
    ]) {
      expect(containsCardNumber(text), text).toBe(false);
    }
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });

  it("reports the path of the field, in keys, values, arrays and numbers", () => {
    expect(findCardNumber({ a: { b: ["x", "4242 4242 4242 4242"] } })).toBe("a.b.1");
    expect(findCardNumber({ metadata: { "4242424242424242": "x" } })).toBe("metadata.(key)");
    expect(findCardNumber({ amount: 4242424242424242 })).toBe("amount");
    expect(findCardNumber({ amount: 999, when: "2026-01-01" })).toBeUndefined();
  });
});

describe("no card data reaches a handler, the idempotency store or a log", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  const logged: string[] = [];
  // Ids (req_…, evt_…) are random, and a four-digit run turns up in one now and then. What must not
  // show is the card's digits, so ids (a prefix, then 16+ characters with a letter among them) are
  // taken out before looking; pino's time and pid are left out for the same reason.
  const withoutIds = (text: string) => text.replace(/\b[a-z]{2,5}_(?=[0-9A-Za-z]*[A-Za-z])[0-9A-Za-z]{16,}\b/g, "");
  const logText = () => withoutIds(logged.join(""));

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged.push(String(chunk));
        done();
      },
    });
    ctx = await createTestApp({ logger: pino({ level: "trace", base: null, timestamp: false }, sink) });
    acme = await createTestTenant(ctx);
  });
  afterAll(() => ctx.close());

  it("refuses a PAN anywhere in a JSON body with 400 PAYMENT_DATA_FORBIDDEN, naming the field not the value", async () => {
    const res = await acme.api(
      "POST",
      "/v1/entitlements",
      { key: "x", name: "x", kind: "flag", metadata: { note: "card 4000-0566-5566-5556" } },
      { "idempotency-key": "pan-1" },
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "PAYMENT_DATA_FORBIDDEN", errors: [{ path: "metadata.note" }] });
    expect(withoutIds(JSON.stringify(res.body))).not.toContain("4000");
    expect((await acme.api("GET", "/v1/entitlements")).body.data).toEqual([]);
    const stored = await ctx.deps.db.selectFrom("idempotency_keys").selectAll().where("key", "=", "pan-1").execute();
    expect(stored).toEqual([]);
    expect(logText()).not.toMatch(/4000.?0566.?5566.?5556/);
  });

  it("refuses it before authentication, in numbers, in a query string, and in bodies that are not JSON", async () => {
    const anonymous = await ctx.app.request("/v1/customers", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"external_id": 4111111111111111}',
    });
    expect(anonymous.status).toBe(400);
    expect((await anonymous.json()).code).toBe("PAYMENT_DATA_FORBIDDEN");
    const query = await acme.api("GET", "/v1/customers?external_id=4111-1111-1111-1111");
    expect(query.body).toMatchObject({ code: "PAYMENT_DATA_FORBIDDEN", errors: [{ path: "query.external_id" }] });
    const text = await acme.api("POST", "/v1/entitlements", "pan=4111111111111111", { "content-type": "text/plain" });
    expect(text.body.code).toBe("PAYMENT_DATA_FORBIDDEN");
    expect(logText()).not.toContain("4111");
  });

  it("refuses it in PATCH, PUT and DELETE bodies, path segments and headers, and logs none of it", async () => {
    for (const method of ["PATCH", "PUT", "DELETE"]) {
      const res = await acme.api(method, "/v1/entitlements/x", { name: "5555 5555 5555 4444" });
      expect(res.status, method).toBe(400);
      expect(res.body.code).toBe("PAYMENT_DATA_FORBIDDEN");
    }
    const path = await acme.api("GET", "/v1/customers/5105.1051.0510.5100");
    expect(path.body).toMatchObject({ code: "PAYMENT_DATA_FORBIDDEN", errors: [{ path: "path" }] });
    const header = await acme.api(
      "POST",
      "/v1/entitlements",
      { key: "h", name: "h", kind: "flag" },
      { "idempotency-key": "6011_0009_9013_9424" },
    );
    expect(header.body).toMatchObject({ code: "PAYMENT_DATA_FORBIDDEN", errors: [{ path: "header.idempotency-key" }] });
    expect(await ctx.deps.db.selectFrom("idempotency_keys").selectAll().execute()).toEqual([]);
    const key = await acme.api("POST", "/v1/entitlements", {
      key: "k",
      name: "k",
      kind: "flag",
      metadata: { "3782 822463 10005": "x" },
    });
    expect(key.body).toMatchObject({ errors: [{ path: "metadata.(key)" }] });
    expect(withoutIds(JSON.stringify(key.body))).not.toContain("3782");
    const all = logText();
    for (const digits of ["5555", "5105", "6011", "3782"]) expect(all, digits).not.toContain(digits);
  });

  it("lets ordinary bodies through", async () => {
    const res = await acme.api("POST", "/v1/entitlements", {
      key: "ok",
      name: "Created 2026-01-01, call +49 151 2345 6789",
      kind: "flag",
    });
    expect(res.status).toBe(201);
  });
});

describe("no false alarms on identifiers", () => {
  it("leaves UUIDs and digits glued to letters alone, even when their digits pass Luhn", () => {
    // Digit groups of a UUID that add up to a Luhn-valid 16 digits: "8123" + "456789012349".
    const digits = "8123456789012349";
    expect(luhnValid(digits) || luhnValid(`${digits.slice(0, -1)}${(Number(digits.at(-1)) + 1) % 10}`)).toBe(true);
    for (let d = 0; d < 10; d++) {
      const uuid = `4f1c2a9e-3b7d-4e2a-8123-45678901234${d}`;
      expect(containsCardNumber(uuid), uuid).toBe(false);
      expect(containsCardNumber(`a456-4266141740${d}${d}`), "glued to a letter").toBe(false);
    }
    // The same digits standing alone are still a card number.
    expect(containsCardNumber("4242-4242-4242-4242")).toBe(true);
    expect(containsCardNumber("card:4242424242424242.")).toBe(true);
  });
});
