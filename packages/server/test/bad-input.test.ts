import { SCOPES } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withSystemAccess } from "../src/db/access.js";
import { luhnValid } from "../src/http/card-data.js";
import { BODIES, FIXTURES, type FixtureParams, fixtureFor, member } from "./fixtures.js";
import { type ApiResult, client, createTestApp, createTestTenant, type TestTenant } from "./harness.js";

/*
 * Bad input over every operation of the app's own OpenAPI document, on each dialect: malformed
 * and mistyped bodies, unknown fields, NUL bytes, huge strings, deep JSON, bad path ids and bad
 * query values. Whatever is sent, the answer is never a 5xx, and every refusal is problem+json.
 * One app and one tenant per run, objects made once per fixture prefix: it stays fast.
 */

type Schema = {
  $ref?: string;
  required?: string[];
  enum?: unknown[];
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
interface Operation {
  method: string;
  path: string;
  permission: string;
  params: string[];
  query: string[];
  body?: Schema;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const TENANT_PERMISSIONS = new Set<string>(SCOPES.filter((s) => s !== "*"));

const ctx = await createTestApp({}, {}, { kind: "none" });
const doc = (await (await ctx.app.request("/openapi.json")).json()) as {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, Schema> };
};
const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      permission: String(op["x-permission"]),
      params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      query: ((op.parameters ?? []) as Array<{ in: string; name: string }>)
        .filter((p) => p.in === "query")
        .map((p) => p.name),
      body: op.requestBody?.content?.["application/json"]?.schema,
    })),
);
const label = (op: Operation) => `${op.method} ${op.path}`;

function resolve(schema: Schema | undefined, depth = 0): Schema {
  if (!schema || depth > 10) return {};
  if (schema.$ref) return resolve(doc.components?.schemas?.[schema.$ref.split("/").at(-1)!], depth + 1);
  const first = schema.allOf?.[0] ?? schema.anyOf?.[0] ?? schema.oneOf?.[0];
  return first && !schema.properties ? resolve(first, depth + 1) : schema;
}

/** A value of the wrong type for `schema`. */
function wrongType(schema: Schema): unknown {
  const type = [resolve(schema).type].flat()[0];
  switch (type) {
    case "string":
      return 12345;
    case "integer":
    case "number":
      return "twelve";
    case "boolean":
      return "yes";
    case "array":
      return { not: "an array" };
    case "object":
      return ["not", "an", "object"];
    default:
      return { unexpected: [null] };
  }
}

function propertiesOf(op: Operation): Record<string, Schema> {
  return resolve(op.body).properties ?? {};
}

/** A plausible value for a schema: what gets past validation often enough to reach handlers. */
function plausible(schema: Schema): unknown {
  const r = resolve(schema);
  if (r.enum?.length) return r.enum[0];
  switch ([r.type].flat()[0]) {
    case "string":
      return "plausible-value";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return {};
  }
}

/** The route suite's body for the operation, or one made of its required fields. */
function validBody(op: Operation): Record<string, unknown> {
  const make = BODIES[label(op)];
  if (make) {
    try {
      const body = make((prefix) => {
        const params = fixtures.get(prefix);
        if (!params || params instanceof Error) throw new Error("no fixture");
        return params;
      });
      if (body && typeof body === "object") return body as Record<string, unknown>;
    } catch {}
  }
  const r = resolve(op.body);
  return Object.fromEntries((r.required ?? []).map((k) => [k, plausible(r.properties?.[k] ?? {})]));
}

const HUGE = "x".repeat(200_000);
const DEEP = `${"[".repeat(5000)}${"]".repeat(5000)}`;

/** Bodies no operation should choke on, for an operation with a JSON body. */
function badBodies(op: Operation): Array<[string, string]> {
  const props = propertiesOf(op);
  const all = (value: (s: Schema) => unknown) =>
    JSON.stringify(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, value(s)])));
  return [
    ["invalid JSON", "{"],
    ["null", "null"],
    ["an array", "[]"],
    ["a string", '"text"'],
    ["a huge number", "1e999"],
    ["an empty object", "{}"],
    ["an unknown field", JSON.stringify({ __unknown__: true })],
    ["every field of the wrong type", all(wrongType)],
    ["every field null", all(() => null)],
    ["NUL bytes in every field", all(() => "a\u0000b")],
    ["escaped NUL bytes", JSON.stringify({ text: "a\\u0000b" }).replace("\\\\u0000", "\\u0000")],
    ["huge strings in every field", all(() => HUGE)],
    ["nested objects in every field", all(() => ({ a: { b: { c: [1, { d: "e" }] } } }))],
    ["JSON nested 5000 deep", DEEP],
    ["a deep object in a field", `{"${Object.keys(props)[0] ?? "x"}":${DEEP}}`],
    ["prototype keys", '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
    // One bad field at a time in an otherwise plausible body, so the handler and the database see it.
    ...Object.keys(props).flatMap((key): Array<[string, string]> => {
      const base = validBody(op);
      return [
        [`NUL in ${key}`, JSON.stringify({ ...base, [key]: "a\u0000b" })],
        [`huge ${key}`, JSON.stringify({ ...base, [key]: HUGE })],
        [`wrong type in ${key}`, JSON.stringify({ ...base, [key]: wrongType(props[key]!) })],
      ];
    }),
  ];
}

const BAD_IDS: Array<[string, string]> = [
  ["an unknown id", "does-not-exist"],
  ["a 300-character id", "i".repeat(300)],
  ["a NUL byte", "a%00b"],
  ["a broken escape", "%E0%A4%A"],
  ["dots and slashes", "..%2F..%2Fetc"],
  ["SQL", "'%20OR%201%3D1%20--"],
  ["an emoji", "%F0%9F%98%80"],
  ["a well-formed id of another type", "cus_01HZZZZZZZZZZZZZZZZZZZZZZZ"],
];

const BAD_QUERY = ["", "x", "-1", "0", "1.5", "99999999999999999999999", "%00", "x".repeat(2000), "%E0%A4%A", "true"];

let alpha: TestTenant;
let platformSecret: string;
let sessionToken: string;
const fixtures = new Map<string, FixtureParams | Error>();

beforeAll(async () => {
  await withSystemAccess(async () => {
    alpha = await createTestTenant(ctx, "badinput");
    platformSecret = (await ctx.services.auth.createPlatformKey("bad-input")).secret;
  });
  sessionToken = (await member(alpha.api, "admin")).access_token;
  const prefixes = new Set(
    operations
      .filter((op) => TENANT_PERMISSIONS.has(op.permission) && op.params.length)
      .map((op) => fixtureFor(op.path)?.prefix)
      .filter((p): p is string => p !== undefined),
  );
  for (const prefix of prefixes) {
    fixtures.set(prefix, await FIXTURES[prefix]!(alpha.api, () => ctx.services.worker.drain()).catch((e: Error) => e));
  }
}, 120_000);
afterAll(() => ctx.close());

function send(op: Operation, path: string, body?: string, headers: Record<string, string> = {}) {
  if (TENANT_PERMISSIONS.has(op.permission)) return alpha.api(op.method, path, body, headers);
  const credential =
    op.permission === "platform" ? platformSecret : op.permission === "session" ? sessionToken : undefined;
  return client(ctx, credential, undefined)(op.method, path, body, headers);
}

/** The path with real ids where a fixture has them (so handlers run past their lookups). */
function realPath(op: Operation): string {
  const prefix = fixtureFor(op.path)?.prefix;
  const params = prefix ? fixtures.get(prefix) : undefined;
  const values = params instanceof Error ? {} : (params ?? {});
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? "does-not-exist"));
}

function judge(res: ApiResult, what: string, problems: string[]) {
  const type = res.headers.get("content-type") ?? "";
  if (res.status >= 500) problems.push(`${what}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`);
  else if (res.status >= 400 && !type.includes("application/problem+json"))
    problems.push(`${what}: ${res.status} answered as ${type || "no content type"}`);
}

describe.each(operations.map((op) => [label(op), op] as const))("%s", (_, op) => {
  it("answers every bad input with a 4xx problem+json, never a 5xx", async () => {
    const problems: string[] = [];
    const path = realPath(op);
    if (op.body || op.method !== "GET") {
      for (const [what, body] of op.body ? badBodies(op) : [["a stray body", '{"x":1}'] as [string, string]]) {
        judge(await send(op, path, body), `body: ${what}`, problems);
      }
      judge(await send(op, path, "{}", { "content-type": "text/plain" }), "body: text/plain", problems);
    }
    for (const [what, id] of op.params.length ? BAD_IDS : []) {
      judge(await send(op, op.path.replace(/\{[^}]+\}/g, id), op.body ? "{}" : undefined), `path: ${what}`, problems);
    }
    for (const value of op.query.length ? BAD_QUERY : []) {
      const query = op.query.map((name) => `${name}=${value}`).join("&");
      judge(await send(op, `${path}?${query}`), `query: all = ${value.slice(0, 20)}`, problems);
    }
    if (op.query.length) {
      const repeated = op.query.map((name) => `${name}=1&${name}=2`).join("&");
      judge(await send(op, `${path}?${repeated}`), "query: every parameter twice", problems);
    }
    expect(problems).toEqual([]);
  });
});

/** A Luhn-valid number of `length` digits (a test card number; never a real one). */
function cardNumber(length: number): string {
  const body = `4${"1".repeat(length - 2)}`;
  const check = [...Array(10).keys()].find((d) => luhnValid(`${body}${d}`))!;
  return `${body}${check}`;
}

describe("card numbers in request bodies", () => {
  const byMethod = (method: string) =>
    operations.find((op) => op.method === method && TENANT_PERMISSIONS.has(op.permission))!;

  it.each(["POST", "PATCH", "PUT", "DELETE"])(
    "are refused in %s bodies, 13 to 19 digits, whatever the field",
    async (method) => {
      const op = byMethod(method) ?? operations.find((o) => o.method === method);
      expect(op, `no ${method} operation in the document`).toBeDefined();
      const statuses: string[] = [];
      for (let length = 13; length <= 19; length++) {
        const card = cardNumber(length);
        // As a string, nested, and as a bare JSON number (17–19 digits are beyond a double's precision).
        for (const body of [`{"note":"${card}"}`, `{"nested":{"deep":["${card}"]}}`, `{"number":${card}}`]) {
          const res = await send(op!, realPath(op!), body);
          statuses.push(`${length}: ${res.status} ${res.body?.code}`);
          expect(JSON.stringify(res.body)).not.toContain(card);
        }
      }
      expect(
        statuses.every((s) => s.endsWith("400 PAYMENT_DATA_FORBIDDEN")),
        statuses.join("\n"),
      ).toBe(true);
    },
  );
});

describe("idempotency keys across endpoints", () => {
  it("does not replay a response on another endpoint for the same key and body", async () => {
    const body = { name: "same body" };
    const headers = { "idempotency-key": "shared-key-across-endpoints" };
    const first = await alpha.api("POST", "/v1/api-keys", body, headers);
    expect(first.status).toBe(201);
    const other = await alpha.api("POST", "/v1/webhook-endpoints", body, headers);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(JSON.stringify(other.body)).not.toContain(first.body.secret);
    // The original endpoint still replays it.
    const again = await alpha.api("POST", "/v1/api-keys", body, headers);
    expect(again.body.id).toBe(first.body.id);
  });
});
