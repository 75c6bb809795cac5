import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, type FixtureParams, fixtureFor } from "./fixtures.js";
import {
  type ApiClient,
  type ApiResult,
  client,
  createTestApp,
  createTestTenant,
  type TestContext,
} from "./harness.js";

/*
 * Real responses against the document that describes them. The route-security fixtures create one
 * of every object through the API (their create responses are recorded), then every GET route is
 * read with those objects. Each answer's status must be documented for its operation and its body
 * must validate against the documented schema: OpenAPI 3.1 schemas are JSON Schema 2020-12, so
 * ajv (with ajv-formats for date-time, uri, …) checks them as any client's validator would.
 */

interface Op {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

interface Seen {
  method: string;
  url: string;
  res: ApiResult;
}

const METHODS = ["get", "post", "put", "patch", "delete"];

describe("responses match the OpenAPI document", () => {
  let ctx: TestContext;
  let doc: { paths: Record<string, Record<string, { responses: Op["responses"]; "x-permission"?: string }>> };
  const seen: Seen[] = [];

  const recording =
    (api: ApiClient): ApiClient =>
    async (method, url, body, headers) => {
      const res = await api(method, url, body, headers);
      seen.push({ method, url, res });
      return res;
    };

  beforeAll(async () => {
    ctx = await createTestApp();
    doc = await (await ctx.app.request("/openapi.json")).json();
    const tenant = await createTestTenant(ctx);
    const api = recording(tenant.api);
    const params = new Map<string, FixtureParams>();
    for (const [prefix, fixture] of Object.entries(FIXTURES))
      params.set(prefix, await fixture(api, () => ctx.services.worker.drain()));
    const platform = recording(client(ctx, (await ctx.services.auth.createPlatformKey("openapi")).secret, undefined));
    for (const [template, item] of Object.entries(doc.paths)) {
      const get = item.get;
      if (!get) continue;
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
      const values: FixtureParams = names.length ? (params.get(fixtureFor(template)?.prefix ?? "") ?? {}) : {};
      if (template.includes("/jwks/")) Object.assign(values, { tenant: tenant.slug, environment: "development" });
      const url = template.replace(/\{([^}]+)\}/g, (_, n: string) => encodeURIComponent(values[n] ?? "missing"));
      await (get["x-permission"] === "platform" ? platform : api)("GET", url);
    }
  });
  afterAll(() => ctx.close());

  it("answers only documented statuses, with bodies that validate", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema(doc, "openapi.json");
    const ops: Op[] = Object.entries(doc.paths).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
          responses: op.responses,
        })),
    );
    const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
    const problems: string[] = [];
    const covered = new Set<string>();
    for (const { method, url, res } of seen) {
      const path = url.split("?")[0] as string;
      // The most specific template wins: `…/{id}.xml` over `…/{id}`, which also matches it.
      const literal = (o: Op) => o.template.replace(/\{[^}]+\}/g, "").length;
      const op = ops
        .filter((o) => o.method === method && o.pattern.test(path))
        .sort((a, b) => literal(b) - literal(a))[0];
      if (!op) {
        problems.push(`${method} ${url}: no such operation in the document`);
        continue;
      }
      const label = `${method} ${op.template} → ${res.status}`;
      covered.add(`${method} ${op.template}`);
      const response = op.responses[String(res.status)];
      if (!response) {
        problems.push(`${label}: status not documented (${JSON.stringify(res.body).slice(0, 200)})`);
        continue;
      }
      const type = res.headers.get("content-type")?.split(";")[0] ?? "";
      if (!response.content) continue;
      if (!response.content[type]) {
        problems.push(`${label}: content type ${type} not documented`);
        continue;
      }
      const ref = `openapi.json#/${pointer("paths", op.template, op.method.toLowerCase(), "responses", String(res.status), "content", type, "schema")}`;
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
      if (!validate(res.body)) {
        problems.push(`${label}: ${ajv.errorsText(validate.errors, { dataVar: "body" })}`);
      }
    }
    expect(seen.length).toBeGreaterThan(50);
    expect([...covered].filter((c) => c.startsWith("GET")).length).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });
});
