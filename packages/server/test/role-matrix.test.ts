import { PLATFORM_ROLES, ROLE_PERMISSIONS, roleAllows, SCOPES, scopeAllows, TENANT_ROLES } from "@tessera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { member } from "./fixtures.js";
import { client, createTestApp, createTestTenant, type TestTenant } from "./harness.js";

/*
 * Every tenant route × every built-in role (tenant and platform): a signed-in user is admitted
 * exactly when the role's permissions allow the route's declared permission, read from the app's
 * own OpenAPI document. Admission is judged the way the route-security suite judges it: on ids that
 * do not exist in a throwaway tenant, anything but 401/403 means the credential got through.
 */

const METHODS = ["get", "post", "put", "patch", "delete"];
const TENANT_PERMISSIONS = new Set<string>(SCOPES.filter((s) => s !== "*"));

const ctx = await createTestApp();
const doc = (await (await ctx.app.request("/openapi.json")).json()) as {
  paths: Record<string, Record<string, { "x-permission"?: string }>>;
};
const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method, op]) => METHODS.includes(method) && TENANT_PERMISSIONS.has(op["x-permission"] ?? ""))
    .map(([method, op]) => ({ method: method.toUpperCase(), path, permission: op["x-permission"]! })),
);

let sandbox: TestTenant;
const tokens = new Map<string, string>();

beforeAll(async () => {
  sandbox = await createTestTenant(ctx, "matrix");
  for (const role of TENANT_ROLES) tokens.set(role, (await member(sandbox.api, role)).access_token);
  for (const role of PLATFORM_ROLES) {
    const email = `${role}@example.com`;
    await ctx.services.users.createUser({ email, password: "correct horse battery staple", platformRole: role });
    const login = await client(ctx, undefined, undefined)("POST", "/v1/auth/login", {
      email,
      password: "correct horse battery staple",
    });
    tokens.set(role, login.body.access_token);
  }
});
afterAll(() => ctx.close());

describe("the role × route matrix", () => {
  it("covers every tenant route", () => {
    expect(routes.length).toBeGreaterThan(50);
  });

  it.each([...TENANT_ROLES, ...PLATFORM_ROLES])("%s is admitted exactly where its permissions allow", async (role) => {
    const mismatches: string[] = [];
    for (const route of routes) {
      const url = route.path.replace(/\{[^}]+\}/g, "does-not-exist");
      const body = route.method === "GET" || route.method === "DELETE" ? undefined : "[";
      const res = await client(ctx, tokens.get(role), sandbox.slug)(route.method, url, body);
      const admitted = res.status !== 401 && res.status !== 403;
      const expected = roleAllows(role, route.permission);
      if (admitted !== expected) {
        mismatches.push(`${route.method} ${route.path} (${route.permission}): ${res.status} ${res.body?.code}`);
      }
    }
    expect(mismatches, `role ${role} with ${ROLE_PERMISSIONS[role].join(", ")}`).toEqual([]);
  });

  it("admits a custom role exactly where its permissions allow, per environment", async () => {
    const permissions = ["catalog:write", "payments:refund", "audit:read", "users:manage"];
    const production = ["events:read", "customers:read"];
    const role = await sandbox.api("POST", "/v1/roles", {
      name: "matrix-custom",
      permissions,
      environment_permissions: { production },
    });
    expect(role.status).toBe(201);
    const token = (await member(sandbox.api, role.body.id)).access_token;
    const mismatches: string[] = [];
    for (const [env, granted] of [
      ["development", permissions],
      ["production", production],
    ] as const) {
      for (const route of routes) {
        const url = route.path.replace(/\{[^}]+\}/g, "does-not-exist");
        const body = route.method === "GET" || route.method === "DELETE" ? undefined : "[";
        const res = await client(ctx, token, sandbox.slug)(route.method, url, body, { "x-env": env });
        const admitted = res.status !== 401 && res.status !== 403;
        if (admitted !== scopeAllows(granted, route.permission)) {
          mismatches.push(
            `${env}: ${route.method} ${route.path} (${route.permission}): ${res.status} ${res.body?.code}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("keeps the vocabulary closed: every role's permissions are known permissions", () => {
    for (const permissions of Object.values(ROLE_PERMISSIONS)) {
      for (const p of permissions) expect(SCOPES).toContain(p);
    }
  });
});
