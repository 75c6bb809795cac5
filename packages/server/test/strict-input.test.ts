import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../src/modules/docs/routes.js";
import { createTestApp, type TestContext } from "./harness.js";

/*
 * Unknown fields are refused on every endpoint (a typo such as `trial_dayz` must not be dropped
 * silently, and a field the API does not take must not look accepted). Read from the app's own
 * OpenAPI document, so a new route with a lenient body fails here.
 */

type Schema = Record<string, unknown>;

function lenientObjects(schema: unknown, doc: Schema, path: string, seen = new Set<unknown>()): string[] {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return [];
  seen.add(schema);
  const s = schema as Schema;
  if (typeof s.$ref === "string") {
    const name = s.$ref.replace("#/components/schemas/", "");
    const target = ((doc.components as Schema).schemas as Schema)[name];
    return lenientObjects(target, doc, `${path}→${name}`, seen);
  }
  const found: string[] = [];
  const isObject = s.type === "object" || s.properties !== undefined;
  // A record (additionalProperties: schema) is an open map on purpose, e.g. metadata.
  if (isObject && s.properties && s.additionalProperties !== false) found.push(path);
  for (const key of ["properties"] as const) {
    for (const [name, sub] of Object.entries((s[key] as Schema | undefined) ?? {})) {
      found.push(...lenientObjects(sub, doc, `${path}.${name}`, seen));
    }
  }
  for (const key of ["items", "additionalProperties"] as const) found.push(...lenientObjects(s[key], doc, path, seen));
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    for (const sub of (s[key] as unknown[] | undefined) ?? []) found.push(...lenientObjects(sub, doc, path, seen));
  }
  return found;
}

describe("request bodies refuse unknown fields", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("declares additionalProperties: false on every object of every request body", () => {
    const doc = openApiDocument(ctx.app) as unknown as Schema;
    const lenient: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
      for (const [method, op] of Object.entries(item)) {
        const body = ((op as Schema).requestBody as Schema | undefined)?.content as Schema | undefined;
        const schema = (body?.["application/json"] as Schema | undefined)?.schema;
        if (schema) lenient.push(...lenientObjects(schema, doc, `${method.toUpperCase()} ${path}`));
      }
    }
    expect(lenient).toEqual([]);
  });

  it("answers 400 naming the unknown field, e.g. on API-key creation", async () => {
    const { createTestTenant } = await import("./harness.js");
    const acme = await createTestTenant(ctx);
    const res = await acme.api("POST", "/v1/api-keys", { name: "ci", admin: true });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(res.body.errors)).toContain("admin");
  });
});
