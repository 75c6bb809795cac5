import { OpenAPIHono } from "@hono/zod-openapi";
import {
  CreateInvitation,
  CreateRole,
  Invitation,
  Member,
  PasswordReset,
  Role,
  UpdateMembership,
  UpdateRole,
} from "@tessera/core";
import type { Context } from "hono";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { IdParam, json, jsonBody, problem, tenantRoute } from "../../http/route.js";
import type { MemberCaller } from "./members.js";
import { list, Ok, tags } from "./routes.js";

const roleTags = ["Roles"];

/** Owners, platform admins and keys holding every permission may hand out the owner role. */
function ownerLevel(c: Context<AppEnv>): boolean {
  const principal = c.get("principal");
  if (principal.kind !== "tenant") return false;
  return principal.user ? ["owner", "platform_admin"].includes(principal.user.role) : principal.scopes.includes("*");
}

/** The caller of a tenant route, as the members and roles services judge it. */
function caller(c: Context<AppEnv>): MemberCaller & { id: string } {
  const principal = c.get("principal");
  const scope = scopeOf(c);
  const p = principal.kind === "tenant" ? principal : undefined;
  return {
    id: p?.user?.id ?? principal.keyId,
    permissions: p?.scopes ?? [],
    ownerLevel: ownerLevel(c),
    actor: scope.actor ?? { type: "api_key", id: principal.keyId },
    requestId: scope.requestId,
  };
}

/** A tenant's members and custom roles: users:manage, in the tenant's own access. */
export const memberRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    tenantRoute("users:manage", {
      method: "post",
      path: "/v1/users/invitations",
      tags,
      summary: "Invite someone to this tenant with a role (the token is shown once)",
      request: { body: jsonBody(CreateInvitation) },
      responses: { 201: json(Invitation, "The invitation with its one-time token") },
    }),
    async (c) => c.json(await c.get("services").users.invite(scopeOf(c).tenantId, c.req.valid("json"), caller(c)), 201),
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "get",
      path: "/v1/users",
      tags,
      summary: "The tenant's users and their roles",
      responses: { 200: json(list(Member, "Member"), "Members") },
    }),
    async (c) => c.json(await c.get("services").users.members.list(scopeOf(c).tenantId), 200),
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "patch",
      path: "/v1/users/{id}",
      tags,
      summary: "Change a user's role or environments in this tenant",
      request: { params: IdParam, body: jsonBody(UpdateMembership) },
      responses: { 200: json(Ok, "Changed") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await c.get("services").users.members.update(scopeOf(c).tenantId, id, c.req.valid("json"), caller(c));
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "delete",
      path: "/v1/users/{id}",
      tags,
      summary: "Remove a user from this tenant",
      request: { params: IdParam },
      responses: { 200: json(Ok, "Removed") },
    }),
    async (c) => {
      await c.get("services").users.members.remove(scopeOf(c).tenantId, c.req.valid("param").id, caller(c));
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "post",
      path: "/v1/users/{id}/password-reset",
      tags,
      summary: "Issue a one-time password reset token for a user of this tenant only (shown once)",
      request: { params: IdParam },
      responses: { 201: json(PasswordReset, "The token, valid 30 minutes") },
    }),
    async (c) =>
      c.json(
        await c.get("services").users.issuePasswordReset(scopeOf(c).tenantId, c.req.valid("param").id, caller(c)),
        201,
      ),
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "get",
      path: "/v1/roles",
      tags: roleTags,
      summary: "The built-in roles and this tenant's custom roles",
      responses: { 200: json(list(Role, "Role"), "Roles") },
    }),
    async (c) => c.json(await c.get("services").users.roles.list(scopeOf(c).tenantId), 200),
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "post",
      path: "/v1/roles",
      tags: roleTags,
      summary: "Create a custom role (no permission the caller does not hold)",
      request: { body: jsonBody(CreateRole) },
      responses: { 201: json(Role, "The role") },
    }),
    async (c) => {
      const role = await c.get("services").users.roles.create(scopeOf(c).tenantId, c.req.valid("json"), caller(c));
      return c.json(role, 201);
    },
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "get",
      path: "/v1/roles/{id}",
      tags: roleTags,
      summary: "A role: a custom role's id or a built-in role's name",
      request: { params: IdParam },
      responses: { 200: json(Role, "The role") },
    }),
    async (c) => c.json(await c.get("services").users.roles.get(scopeOf(c).tenantId, c.req.valid("param").id), 200),
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "patch",
      path: "/v1/roles/{id}",
      tags: roleTags,
      summary: "Change a custom role; built-in roles are immutable (409 ROLE_IMMUTABLE)",
      request: { params: IdParam, body: jsonBody(UpdateRole) },
      responses: { 200: json(Role, "The role"), 409: problem("A built-in role, or the name is taken") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const role = await c.get("services").users.roles.update(scopeOf(c).tenantId, id, c.req.valid("json"), caller(c));
      return c.json(role, 200);
    },
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "delete",
      path: "/v1/roles/{id}",
      tags: roleTags,
      summary: "Delete a custom role nobody holds (409 IN_USE otherwise)",
      request: { params: IdParam },
      responses: { 200: json(Role, "The deleted role"), 409: problem("Built-in, or held by members") },
    }),
    async (c) =>
      c.json(await c.get("services").users.roles.remove(scopeOf(c).tenantId, c.req.valid("param").id, caller(c)), 200),
  );
