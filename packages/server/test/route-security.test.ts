import { SCOPES, scopeAllows } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withSystemAccess } from "../src/db/access.js";
import {
  BODIES,
  FIXTURES,
  type FixtureParams,
  fixtureFor,
  member,
  PUBLIC_ROUTES,
  TENANT_WIDE_PREFIXES,
} from "./fixtures.js";
import { type ApiClient, type ApiResult, client, createTestApp, createTestTenant, type TestTenant } from "./harness.js";

/*
 * The shared suite of STYLE.md ("runCommonRouteTests"): it reads the app's own /openapi.json and
 * runs the same authentication, tenant-resolution, permission and isolation cases against every
 * operation in it. A new route is covered the moment it is mounted; a route whose path parameters
 * have no fixture in test/fixtures.ts fails here until one is registered.
 */

interface Operation {
  method: string;
  path: string;
  permission: unknown;
  params: string[];
  hasBody: boolean;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const TENANT_PERMISSIONS = new Set<string>(SCOPES.filter((s) => s !== "*"));

// No access unless the pipeline grants it (as in the server): on Postgres every route below runs
// under row-level security in its key's scope.
const ctx = await createTestApp({}, {}, { kind: "none" });
const docResponse = await ctx.app.request("/openapi.json");
const doc = (await docResponse.json()) as {
  paths?: Record<string, Record<string, { "x-permission"?: unknown; requestBody?: unknown }>>;
};
const operations: Operation[] = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({
      // Upper case: fetch normalises GET/POST/… but not PATCH, and Hono matches case-sensitively.
      method: method.toUpperCase(),
      path,
      permission: op["x-permission"],
      params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      hasBody: op.requestBody !== undefined,
    })),
);
const label = (op: Operation) => `${op.method} ${op.path}`;
const tenantOps = operations.filter((op) => typeof op.permission === "string" && TENANT_PERMISSIONS.has(op.permission));
const platformOps = operations.filter((op) => op.permission === "platform");
const publicOps = operations.filter((op) => op.permission === "public");
const sessionOps = operations.filter((op) => op.permission === "session");

let alpha: TestTenant;
let bravo: TestTenant;
let charlie: TestTenant;
let platformSecret: string;
let revokedKey: string;
/** Keys of alpha holding every permission except one, and keys of charlie holding only that one. */
const withoutPermission = new Map<string, string>();
const onlyPermission = new Map<string, string>();
/** Alpha's fixture params by prefix, or the error its fixture threw. */
const alphaFixtures = new Map<string, FixtureParams | Error>();
/** Every id alpha's fixtures created: none may show up in anything bravo reads. */
const alphaIds = new Set<string>();
/** The ids alpha's development fixtures created that belong to that environment (not tenant-wide). */
const alphaEnvIds = new Set<string>();
const tenantWide = (path: string) => TENANT_WIDE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
let alphaSnapshot: Map<string, unknown>;

function collectIds(value: unknown, into: Set<string>) {
  if (Array.isArray(value)) for (const v of value) collectIds(v, into);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "id" && typeof v === "string") into.add(v);
      else collectIds(v, into);
    }
  }
}

/** Alpha's client, recording the ids of everything it creates. */
function recording(api: ApiClient): ApiClient {
  return async (method, path, body, headers) => {
    const res = await api(method, path, body, headers);
    if (res.status < 300) {
      collectIds(res.body, alphaIds);
      // Accepting an invitation answers with the (tenant-wide) user.
      if (!tenantWide(path) && !path.startsWith("/v1/auth/")) collectIds(res.body, alphaEnvIds);
    }
    return res;
  };
}

function alphaParams(op: Operation): FixtureParams {
  const fixture = fixtureFor(op.path);
  if (!fixture) {
    throw new Error(
      `${label(op)} has path parameters {${op.params.join(", ")}} but no fixture: register one in ` +
        "packages/server/test/fixtures.ts (FIXTURES) that creates an object through the API and returns its ids",
    );
  }
  const params = alphaFixtures.get(fixture.prefix);
  if (params instanceof Error) throw new Error(`the fixture for ${fixture.prefix} failed: ${params.message}`);
  const missing = op.params.filter((p) => !params?.[p]);
  if (missing.length) {
    throw new Error(`the fixture for ${fixture.prefix} returns no value for {${missing.join(", ")}} of ${label(op)}`);
  }
  return params!;
}

function fill(path: string, params: FixtureParams): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? "missing"));
}

function bodyFor(op: Operation): unknown {
  if (op.method === "GET" || op.method === "DELETE") return undefined;
  const make = BODIES[label(op)];
  if (!make) return {};
  return make((prefix) => {
    const params = alphaFixtures.get(prefix);
    if (!params || params instanceof Error) throw new Error(`BODIES for ${label(op)} needs the ${prefix} fixture`);
    return params;
  });
}

const summary = (res: ApiResult) => ({ status: res.status, code: res.body?.code });

/** What alpha sees through every GET route: compared after each of bravo's mutations. */
async function snapshotAlpha(): Promise<Map<string, unknown>> {
  const seen = new Map<string, unknown>();
  for (const op of tenantOps.filter((o) => o.method === "GET")) {
    let url = op.path;
    if (op.params.length) {
      try {
        url = fill(op.path, alphaParams(op));
      } catch {
        continue; // reported by that route's own test
      }
    }
    const res = await alpha.api("GET", url);
    // A problem's request_id differs on every read (the export archive route answers 410 once taken).
    const body = res.status >= 400 && res.body ? { ...res.body, request_id: "(any)" } : res.body;
    seen.set(`GET ${url}`, { status: res.status, body });
  }
  return seen;
}

beforeAll(async () => {
  await withSystemAccess(async () => {
    alpha = await createTestTenant(ctx, "alpha");
    bravo = await createTestTenant(ctx, "bravo");
    charlie = await createTestTenant(ctx, "charlie");
    platformSecret = (await ctx.services.auth.createPlatformKey("route-suite")).secret;
  });

  // The fixtures routes need for their path params, and those that BODIES refer to.
  const needed = new Set<string>();
  for (const op of tenantOps) {
    const prefix = op.params.length ? fixtureFor(op.path)?.prefix : undefined;
    if (prefix) needed.add(prefix);
    BODIES[label(op)]?.((p) => {
      needed.add(p);
      return {};
    });
  }
  const alphaApi = recording(alpha.api);
  for (const prefix of needed) {
    const create = FIXTURES[prefix];
    const result = create
      ? await create(alphaApi, () => ctx.services.worker.drain()).catch((error: Error) => error)
      : new Error("not in FIXTURES");
    alphaFixtures.set(prefix, result);
  }

  for (const permission of new Set(tenantOps.map((op) => op.permission as string))) {
    const without = SCOPES.filter((s) => s !== "*" && !scopeAllows([s], permission));
    const a = await alpha.api("POST", "/v1/api-keys", { name: `without ${permission}`, scopes: without });
    const c = await charlie.api("POST", "/v1/api-keys", { name: `only ${permission}`, scopes: [permission] });
    withoutPermission.set(permission, a.body.secret);
    onlyPermission.set(permission, c.body.secret);
    // First use stamps last_used_at; do it now so that the suite's own requests change nothing later.
    await client(ctx, a.body.secret, alpha.slug)("GET", "/v1/api-keys");
  }
  const revoked = await alpha.api("POST", "/v1/api-keys", { name: "revoked" });
  await alpha.api("DELETE", `/v1/api-keys/${revoked.body.id}`);
  revokedKey = revoked.body.secret;

  alphaSnapshot = await snapshotAlpha();
}, 60_000);
afterAll(() => ctx.close());

describe("every route is covered", () => {
  it("reads the app's /openapi.json", () => {
    expect(docResponse.status, `GET /openapi.json failed: ${JSON.stringify(doc)}`).toBe(200);
  });

  it("classifies every operation exactly once: tenant permission, platform, or a listed public route", () => {
    const unclassified = operations.filter(
      (op) =>
        !tenantOps.includes(op) && !platformOps.includes(op) && !publicOps.includes(op) && !sessionOps.includes(op),
    );
    expect(
      unclassified.map((op) => `${label(op)}: x-permission ${JSON.stringify(op.permission)}`),
      "declare routes with tenantRoute(permission from SCOPES), platformRoute or publicRoute",
    ).toEqual([]);
    expect(tenantOps.length + platformOps.length + publicOps.length + sessionOps.length).toBe(operations.length);
    expect(tenantOps.length).toBeGreaterThan(0);
    expect(platformOps.length).toBeGreaterThan(0);
  });

  it("has every /v1 route of the app in the OpenAPI document", () => {
    const documented = new Set(operations.map(label));
    const mounted = ctx.app.routes
      .filter((r) => r.path.startsWith("/v1/") && r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
    expect(
      [...new Set(mounted)].filter((r) => !documented.has(r)),
      "mount routes with app.openapi(tenantRoute(…)) so that auth and this suite apply",
    ).toEqual([]);
  });
});

describe.each(tenantOps.map((op) => [label(op), op] as const))("%s", (_, op) => {
  const permission = op.permission as string;

  it("refuses a missing, revoked or platform credential (401), a missing x-tn (400), another tenant's x-tn (403)", async () => {
    const params = op.params.length ? alphaParams(op) : {};
    const url = fill(op.path, params);
    const body = bodyFor(op);
    const send = (key: string | undefined, tn: string | undefined) => client(ctx, key, tn)(op.method, url, body);
    expect(summary(await send(undefined, alpha.slug)), "no Authorization").toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(summary(await send(revokedKey, alpha.slug)), "revoked key").toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(summary(await send(platformSecret, alpha.slug)), "platform key").toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(summary(await send(alpha.keys.development, undefined)), "no x-tn").toEqual({
      status: 400,
      code: "TENANT_HEADER_REQUIRED",
    });
    expect(summary(await send(alpha.keys.development, bravo.slug)), "x-tn of another tenant").toEqual({
      status: 403,
      code: "TENANT_MISMATCH",
    });
  });

  it(`needs "${permission}": 403 without it, admitted with only it`, async () => {
    const url = fill(op.path, op.params.length ? alphaParams(op) : {});
    const denied = await client(ctx, withoutPermission.get(permission), alpha.slug)(op.method, url, bodyFor(op));
    expect(summary(denied), `a key with every scope that does not grant ${permission}`).toEqual({
      status: 403,
      code: "FORBIDDEN",
    });
    // In a throwaway tenant, on an id that does not exist: whatever it answers, it is not a refusal.
    const unknownIds = Object.fromEntries(op.params.map((p) => [p, "does-not-exist"]));
    const admitted = await client(ctx, onlyPermission.get(permission), charlie.slug)(
      op.method,
      fill(op.path, unknownIds),
      op.hasBody ? "[" : undefined,
    );
    expect([401, 403], `a key holding only ${permission} was refused: ${JSON.stringify(admitted.body)}`).not.toContain(
      admitted.status,
    );
  });

  it("isolates tenants: another tenant's full-access key cannot read, list, change or delete alpha's objects", async () => {
    const intruder = bravo.api;
    if (op.params.length) {
      const res = await intruder(op.method, fill(op.path, alphaParams(op)), bodyFor(op));
      const hint =
        res.status === 400
          ? ` (400 means the body failed validation before the lookup: register a valid body for "${label(op)}" in BODIES of test/fixtures.ts)`
          : "";
      expect(summary(res), `bravo's key on alpha's ids${hint}: ${JSON.stringify(res.body)}`).toEqual({
        status: 404,
        code: "NOT_FOUND",
      });
    } else if (op.method === "GET") {
      const res = await intruder("GET", `${op.path}${op.path.includes("?") ? "&" : "?"}limit=100`);
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      expect(
        [...alphaIds].filter((id) => text.includes(id)),
        "alpha's ids in bravo's list",
      ).toEqual([]);
    } else {
      const res = await intruder(op.method, op.path, bodyFor(op));
      if (BODIES[label(op)]) {
        expect(
          res.status,
          `bravo created something referring to alpha's objects: ${JSON.stringify(res.body)}`,
        ).toBeGreaterThanOrEqual(400);
        expect([401, 403, 500]).not.toContain(res.status);
      }
      expect(JSON.stringify(res.body ?? "")).not.toContain(alpha.id);
    }
    if (op.method !== "GET") {
      const after = await snapshotAlpha();
      for (const [key, before] of alphaSnapshot)
        expect(after.get(key), `${key} after bravo's ${label(op)}`).toEqual(before);
    }
  });
});

/*
 * The same isolation between two environments of one tenant: alpha's production key (full access)
 * on alpha's development objects. What is tenant-wide (TENANT_WIDE_PREFIXES) is exempt by design.
 */
describe.each(tenantOps.filter((op) => !tenantWide(op.path)).map((op) => [label(op), op] as const))(
  "%s (across environments)",
  (_, op) => {
    it("isolates environments: the tenant's production key cannot read, list, change or delete development's objects", async () => {
      const intruder = alpha.as("production");
      if (op.params.length) {
        const res = await intruder(op.method, fill(op.path, alphaParams(op)), bodyFor(op));
        expect(summary(res), `production's key on development's ids: ${JSON.stringify(res.body)}`).toEqual({
          status: 404,
          code: "NOT_FOUND",
        });
      } else if (op.method === "GET") {
        const res = await intruder("GET", `${op.path}${op.path.includes("?") ? "&" : "?"}limit=100`);
        expect(res.status).toBe(200);
        // Items about the tenant as a whole (`environment: null`, e.g. audit records of its members)
        // are seen from every environment by design.
        const items = Array.isArray(res.body?.data)
          ? res.body.data.filter((item: { environment?: unknown }) => item?.environment !== null)
          : res.body;
        const text = JSON.stringify(items);
        expect(
          [...alphaEnvIds].filter((id) => text.includes(id)),
          "development's ids in production's list",
        ).toEqual([]);
      } else {
        const res = await intruder(op.method, op.path, bodyFor(op));
        if (BODIES[label(op)]) {
          expect(
            res.status,
            `production created something referring to development's objects: ${JSON.stringify(res.body)}`,
          ).toBeGreaterThanOrEqual(400);
          expect([401, 403, 500]).not.toContain(res.status);
        }
      }
      if (op.method !== "GET") {
        const after = await snapshotAlpha();
        for (const [key, before] of alphaSnapshot) {
          if (tenantWide(key.slice(4))) continue;
          expect(after.get(key), `${key} after production's ${label(op)}`).toEqual(before);
        }
      }
    });
  },
);

describe.each(platformOps.map((op) => [label(op), op] as const))("%s (platform)", (_, op) => {
  it("needs a platform key: none or a tenant key is 401", async () => {
    const url = fill(op.path, Object.fromEntries(op.params.map((p) => [p, "does-not-exist"])));
    const body = op.hasBody ? {} : undefined;
    expect(summary(await client(ctx, undefined, undefined)(op.method, url, body))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(summary(await client(ctx, alpha.keys.development, alpha.slug)(op.method, url, body))).toEqual({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    const admitted = await client(ctx, platformSecret, undefined)(op.method, url, op.hasBody ? "[" : undefined);
    expect([401, 403]).not.toContain(admitted.status);
  });
});

describe.each(sessionOps.map((op) => [label(op), op] as const))("%s (session)", (_, op) => {
  it("needs a signed-in user's access token: none, an API key or a platform key is 401", async () => {
    const url = fill(op.path, Object.fromEntries(op.params.map((p) => [p, "does-not-exist"])));
    const body = op.hasBody ? {} : undefined;
    for (const key of [undefined, alpha.keys.development, platformSecret]) {
      expect(summary(await client(ctx, key, alpha.slug)(op.method, url, body)), String(key)).toEqual({
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
    const session = (await member(alpha.api)).access_token as string;
    const admitted = await client(ctx, session, undefined)(op.method, url, op.hasBody ? "[" : undefined);
    expect([401, 403], JSON.stringify(admitted.body)).not.toContain(admitted.status);
  });
});

describe.each(publicOps.map((op) => [label(op), op] as const))("%s (public)", (_, op) => {
  it("is listed as deliberately public", () => {
    expect(
      PUBLIC_ROUTES.has(label(op)),
      `add "${label(op)}" to PUBLIC_ROUTES in test/fixtures.ts if it is meant to be public`,
    ).toBe(true);
  });
});
