import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  AcceptInvitation,
  CreateInvitation,
  EnableTotp,
  Invitation,
  Login,
  Member,
  Refresh,
  Session,
  SessionTokens,
  TotpSetup,
  UpdateMembership,
  User,
} from "@tessera/core";
import type { Context } from "hono";
import { ApiError } from "../../errors.js";
import { scopeOf } from "../../http/auth.js";
import type { AppEnv } from "../../http/env.js";
import { clientAddress } from "../../http/rate-limit.js";
import { IdParam, json, jsonBody, problem, publicRoute, sessionRoute, tenantRoute } from "../../http/route.js";

const tags = ["Users and sessions"];

const list = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      object: z.literal("list"),
      data: z.array(item),
      has_more: z.boolean(),
      next_cursor: z.string().nullable(),
    })
    .meta({ id: `${name}List` });
const Ok = z.object({ ok: z.literal(true) }).meta({ id: "Ok" });

function meta(c: Context<AppEnv>) {
  return { ip: clientAddress(c) ?? null, userAgent: c.req.header("user-agent") ?? null };
}

function signedIn(c: Context<AppEnv>) {
  const principal = c.get("principal");
  if (principal.kind !== "user") throw new ApiError("UNAUTHENTICATED");
  return principal;
}

/** Owners, platform admins and keys holding every permission may hand out the owner role. */
function ownerLevel(c: Context<AppEnv>): boolean {
  const principal = c.get("principal");
  if (principal.kind !== "tenant") return false;
  return principal.user ? ["owner", "platform_admin"].includes(principal.user.role) : principal.scopes.includes("*");
}

export const userRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    publicRoute({
      method: "post",
      path: "/v1/auth/login",
      tags,
      summary: "Sign in with email, password (and a TOTP code when two-factor is on)",
      security: [],
      request: { body: jsonBody(Login) },
      responses: {
        200: json(SessionTokens, "An access token and a refresh token"),
        400: problem("Invalid input"),
        401: problem("Wrong email, password or code; 429 when locked"),
      },
    }),
    async (c) => c.json(await c.get("services").users.login(c.req.valid("json"), meta(c)), 200),
  )
  .openapi(
    publicRoute({
      method: "post",
      path: "/v1/auth/refresh",
      tags,
      summary: "Trade a refresh token for new tokens (each refresh token works once)",
      security: [],
      request: { body: jsonBody(Refresh) },
      responses: { 200: json(SessionTokens, "New tokens"), 401: problem("Invalid, used or expired") },
    }),
    async (c) => c.json(await c.get("services").users.refresh(c.req.valid("json").refresh_token, meta(c)), 200),
  )
  .openapi(
    publicRoute({
      method: "post",
      path: "/v1/auth/invitations/accept",
      tags,
      summary: "Accept an invitation: creates the account (or joins an existing one) and signs in",
      security: [],
      request: { body: jsonBody(AcceptInvitation) },
      responses: { 200: json(SessionTokens, "Signed in"), 404: problem("Invalid, used or expired") },
    }),
    async (c) => c.json(await c.get("services").users.acceptInvitation(c.req.valid("json"), meta(c)), 200),
  )
  .openapi(
    sessionRoute({
      method: "get",
      path: "/v1/auth/me",
      tags,
      summary: "The signed-in user with their memberships",
      responses: { 200: json(User, "The user") },
    }),
    async (c) => c.json(await c.get("services").users.toUser(signedIn(c).user), 200),
  )
  .openapi(
    sessionRoute({
      method: "get",
      path: "/v1/auth/sessions",
      tags,
      summary: "The signed-in user's live sessions",
      responses: { 200: json(list(Session, "Session"), "Sessions") },
    }),
    async (c) => {
      const p = signedIn(c);
      return c.json(await c.get("services").users.listSessions(p.userId, p.keyId), 200);
    },
  )
  .openapi(
    sessionRoute({
      method: "delete",
      path: "/v1/auth/sessions/{id}",
      tags,
      summary: "End a session (sign out there)",
      request: { params: IdParam },
      responses: { 200: json(Ok, "Ended") },
    }),
    async (c) => {
      await c.get("services").users.revokeSession(signedIn(c).userId, c.req.valid("param").id);
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    sessionRoute({
      method: "post",
      path: "/v1/auth/totp",
      tags,
      summary: "Start two-factor set-up: a new TOTP secret for an authenticator app",
      responses: { 200: json(TotpSetup, "The secret and its otpauth:// URL") },
    }),
    async (c) => c.json(await c.get("services").users.setupTotp(signedIn(c).user), 200),
  )
  .openapi(
    sessionRoute({
      method: "post",
      path: "/v1/auth/totp/enable",
      tags,
      summary: "Turn two-factor on with one valid code",
      request: { body: jsonBody(EnableTotp) },
      responses: { 200: json(User, "The user, totp_enabled") },
    }),
    async (c) => c.json(await c.get("services").users.enableTotp(signedIn(c).userId, c.req.valid("json")), 200),
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "post",
      path: "/v1/users/invitations",
      tags,
      summary: "Invite someone to this tenant with a role (the token is shown once)",
      request: { body: jsonBody(CreateInvitation) },
      responses: { 201: json(Invitation, "The invitation with its one-time token") },
    }),
    async (c) => {
      const principal = c.get("principal");
      const inviter = principal.kind === "tenant" ? (principal.user?.id ?? principal.keyId) : principal.keyId;
      const scope = scopeOf(c);
      return c.json(
        await c
          .get("services")
          .users.invite(scope.tenantId, c.req.valid("json"), { id: inviter, ownerLevel: ownerLevel(c) }),
        201,
      );
    },
  )
  .openapi(
    tenantRoute("users:manage", {
      method: "get",
      path: "/v1/users",
      tags,
      summary: "The tenant's users and their roles",
      responses: { 200: json(list(Member, "Member"), "Members") },
    }),
    async (c) => c.json(await c.get("services").users.listMembers(scopeOf(c).tenantId), 200),
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
      await c.get("services").users.updateMember(scopeOf(c).tenantId, c.req.valid("param").id, c.req.valid("json"), {
        ownerLevel: ownerLevel(c),
      });
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
      await c
        .get("services")
        .users.removeMember(scopeOf(c).tenantId, c.req.valid("param").id, { ownerLevel: ownerLevel(c) });
      return c.json({ ok: true as const }, 200);
    },
  );
