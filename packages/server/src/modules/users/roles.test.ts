import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { member } from "../../../test/fixtures.js";
import { client, createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";

const PASSWORD = "correct horse battery staple";

describe("custom tenant roles", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let globex: TestTenant;
  const anon = () => client(ctx, undefined, undefined);

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx, "acme");
    globex = await createTestTenant(ctx, "globex");
  });
  afterAll(() => ctx.close());

  /** A user holding `role` in acme, signed in; `as(env)` speaks for them in that environment. */
  async function holder(role: string, environments: "all" | string[] = "all") {
    const email = `holder-${Math.random().toString(36).slice(2)}@example.com`;
    const inv = await acme.api("POST", "/v1/users/invitations", { email, role, environments });
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    const accepted = await anon()("POST", "/v1/auth/invitations/accept", { token: inv.body.token, password: PASSWORD });
    expect(accepted.status).toBe(200);
    const token = accepted.body.access_token as string;
    return {
      id: accepted.body.user.id as string,
      as: (env: string) => (method: string, path: string, body?: unknown) =>
        client(ctx, token, acme.slug)(method, path, body, { "x-env": env }),
    };
  }

  it("creates, lists, reads, changes and deletes a custom role; built-in roles are listed and immutable", async () => {
    const created = await acme.api("POST", "/v1/roles", {
      name: "catalog-editor",
      description: "Edits the catalog",
      permissions: ["catalog:write", "events:read"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: "role",
      built_in: false,
      permissions: ["catalog:write", "events:read"],
    });
    expect(created.body.id).toMatch(/^role_/);

    const listed = await acme.api("GET", "/v1/roles");
    expect(listed.body.data.map((r: { name: string }) => r.name)).toEqual([
      "owner",
      "admin",
      "developer",
      "finance",
      "support",
      "viewer",
      "catalog-editor",
    ]);
    expect((await acme.api("GET", "/v1/roles/viewer")).body).toMatchObject({ built_in: true, id: "viewer" });

    const changed = await acme.api("PATCH", `/v1/roles/${created.body.id}`, { permissions: ["catalog:read"] });
    expect(changed.body.permissions).toEqual(["catalog:read"]);
    expect((await acme.api("GET", `/v1/roles/${created.body.id}`)).body.permissions).toEqual(["catalog:read"]);

    for (const [method, body] of [
      ["PATCH", { permissions: ["catalog:read"] }],
      ["DELETE", undefined],
    ] as const) {
      const res = await acme.api(method, "/v1/roles/viewer", body);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe("ROLE_IMMUTABLE");
    }
    expect((await acme.api("POST", "/v1/roles", { name: "viewer", permissions: ["catalog:read"] })).status).toBe(409);
    expect(
      (await acme.api("POST", "/v1/roles", { name: "catalog-editor", permissions: ["catalog:read"] })).body.code,
    ).toBe("ALREADY_EXISTS");

    expect((await acme.api("DELETE", `/v1/roles/${created.body.id}`)).status).toBe(200);
    expect((await acme.api("GET", `/v1/roles/${created.body.id}`)).status).toBe(404);
  });

  it("validates permissions against the one vocabulary and refuses unknown fields", async () => {
    for (const body of [
      { name: "x", permissions: ["catalog:fly"] },
      { name: "x", permissions: ["*"] },
      { name: "x", permissions: [] },
      { name: "x", permissions: ["catalog:read"], superpowers: true },
      { name: "Has Spaces", permissions: ["catalog:read"] },
      { name: "x", permissions: ["catalog:read"], environment_permissions: { production: ["nope"] } },
    ]) {
      const res = await acme.api("POST", "/v1/roles", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("grants exactly its permissions to the members holding it, per environment", async () => {
    const role = await acme.api("POST", "/v1/roles", {
      name: "catalog-dev-prod-readonly",
      permissions: ["catalog:write"],
      environment_permissions: { production: ["catalog:read"] },
    });
    const user = await holder(role.body.id);
    const entitlement = { key: "ent-role-test", name: "Role test", kind: "flag" };
    expect((await user.as("development")("POST", "/v1/entitlements", entitlement)).status).toBe(201);
    expect((await user.as("development")("GET", "/v1/entitlements")).status).toBe(200);
    // Production: read-only.
    expect((await user.as("production")("GET", "/v1/entitlements")).status).toBe(200);
    const refused = await user.as("production")("POST", "/v1/entitlements", entitlement);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("FORBIDDEN");
    // Nothing beyond the role.
    expect((await user.as("development")("GET", "/v1/customers")).status).toBe(403);

    // A change of the role applies at once; a role in use cannot be deleted.
    await acme.api("PATCH", `/v1/roles/${role.body.id}`, { permissions: ["catalog:write", "customers:read"] });
    expect((await user.as("development")("GET", "/v1/customers")).status).toBe(200);
    const inUse = await acme.api("DELETE", `/v1/roles/${role.body.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe("IN_USE");
    // Assigned to an existing member with PATCH /v1/users/{id}, then taken away.
    await acme.api("PATCH", `/v1/users/${user.id}`, { role: "viewer" });
    expect((await user.as("development")("POST", "/v1/entitlements", { ...entitlement, key: "ent-2" })).status).toBe(
      403,
    );
    expect((await acme.api("DELETE", `/v1/roles/${role.body.id}`)).status).toBe(200);
  });

  it("cannot exceed the creator's own permissions, nor be handed out by someone who lacks them", async () => {
    const managers = await acme.api("POST", "/v1/roles", {
      name: "people-manager",
      permissions: ["users:manage", "catalog:read"],
    });
    const manager = await holder(managers.body.id);
    const dev = manager.as("development");
    const beyond = await dev("POST", "/v1/roles", { name: "escalate", permissions: ["payments:refund"] });
    expect(beyond.status).toBe(403);
    expect(beyond.body.detail).toContain("payments:refund");
    const envBeyond = await dev("POST", "/v1/roles", {
      name: "escalate-prod",
      permissions: ["catalog:read"],
      environment_permissions: { production: ["keys:manage"] },
    });
    expect(envBeyond.status).toBe(403);
    const within = await dev("POST", "/v1/roles", { name: "reader", permissions: ["catalog:read"] });
    expect(within.status).toBe(201);
    // Handing out a built-in role that holds more than the manager: refused; the smaller one: fine.
    const email = `x-${Math.random().toString(36).slice(2)}@example.com`;
    expect((await dev("POST", "/v1/users/invitations", { email, role: "admin" })).status).toBe(403);
    expect((await dev("POST", "/v1/users/invitations", { email, role: within.body.id })).status).toBe(201);
    // Nor change someone whose role holds more than the manager, nor raise their own role.
    const admin = await holder("admin");
    expect((await dev("PATCH", `/v1/users/${admin.id}`, { role: "viewer" })).status).toBe(403);
    expect((await dev("PATCH", `/v1/users/${manager.id}`, { role: "admin" })).status).toBe(403);
    expect((await dev("PATCH", `/v1/roles/${managers.body.id}`, { permissions: ["*"] })).status).toBe(400);
    expect(
      (await dev("PATCH", `/v1/roles/${managers.body.id}`, { permissions: ["users:manage", "payments:write"] })).status,
    ).toBe(403);
  });

  it("keeps roles to their tenant: another tenant's role is unknown, and cannot be assigned", async () => {
    const role = await acme.api("POST", "/v1/roles", { name: "acme-only", permissions: ["catalog:read"] });
    expect((await globex.api("GET", `/v1/roles/${role.body.id}`)).status).toBe(404);
    expect((await globex.api("PATCH", `/v1/roles/${role.body.id}`, { description: "x" })).status).toBe(404);
    expect((await globex.api("DELETE", `/v1/roles/${role.body.id}`)).status).toBe(404);
    const listed = await globex.api("GET", "/v1/roles");
    expect(JSON.stringify(listed.body)).not.toContain(role.body.id);
    const invite = await globex.api("POST", "/v1/users/invitations", {
      email: "cross@example.com",
      role: role.body.id,
    });
    expect(invite.status).toBe(400);
    const someone = await member(globex.api);
    expect((await globex.api("PATCH", `/v1/users/${someone.user.id}`, { role: role.body.id })).status).toBe(400);
  });
});
