import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  AcceptInvitation,
  ChangePassword,
  DisableTotp,
  EnableTotp,
  ForgotPassword,
  Login,
  Refresh,
  ResetPassword,
  Session,
  SessionTokens,
  TotpSetup,
  User,
} from "@tessera/core";
import type { Context } from "hono";
import { ApiError } from "../../errors.js";
import type { AppEnv } from "../../http/env.js";
import { clientAddress } from "../../http/rate-limit.js";
import { IdParam, json, jsonBody, problem, publicRoute, sessionRoute } from "../../http/route.js";

export const tags = ["Users and sessions"];
/** Sign-in, refresh, invitations and password reset: the tighter per-address budget. */
const AUTH = { rateLimitClass: "auth" } as const;

export const list = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      object: z.literal("list"),
      data: z.array(item),
      has_more: z.boolean(),
      next_cursor: z.string().nullable(),
    })
    .meta({ id: `${name}List` });
export const Ok = z.object({ ok: z.literal(true) }).meta({ id: "Ok" });

function meta(c: Context<AppEnv>) {
  return {
    ip: clientAddress(c) ?? null,
    userAgent: c.req.header("user-agent") ?? null,
    requestId: c.get("requestId"),
  };
}

function signedIn(c: Context<AppEnv>) {
  const principal = c.get("principal");
  if (principal.kind !== "user") throw new ApiError("UNAUTHENTICATED");
  return principal;
}

export const userRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    publicRoute(
      {
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
      },
      AUTH,
    ),
    async (c) => c.json(await c.get("services").users.login(c.req.valid("json"), meta(c)), 200),
  )
  .openapi(
    publicRoute(
      {
        method: "post",
        path: "/v1/auth/refresh",
        tags,
        summary: "Trade a refresh token for new tokens (each refresh token works once)",
        security: [],
        request: { body: jsonBody(Refresh) },
        responses: { 200: json(SessionTokens, "New tokens"), 401: problem("Invalid, used or expired") },
      },
      AUTH,
    ),
    async (c) => c.json(await c.get("services").users.refresh(c.req.valid("json").refresh_token, meta(c)), 200),
  )
  .openapi(
    publicRoute(
      {
        method: "post",
        path: "/v1/auth/invitations/accept",
        tags,
        summary: "Accept an invitation: creates the account (or joins an existing one) and signs in",
        security: [],
        request: { body: jsonBody(AcceptInvitation) },
        responses: { 200: json(SessionTokens, "Signed in"), 404: problem("Invalid, used or expired") },
      },
      AUTH,
    ),
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
      await c.get("services").users.revokeSession(signedIn(c).userId, c.req.valid("param").id, meta(c));
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
    async (c) =>
      c.json(await c.get("services").users.enableTotp(signedIn(c).userId, c.req.valid("json"), meta(c)), 200),
  )
  .openapi(
    sessionRoute({
      method: "post",
      path: "/v1/auth/totp/disable",
      tags,
      summary: "Turn two-factor off (needs the password and a current code)",
      request: { body: jsonBody(DisableTotp) },
      responses: { 200: json(User, "The user, totp_enabled false"), 409: problem("Two-factor is not on") },
    }),
    async (c) =>
      c.json(await c.get("services").users.disableTotp(signedIn(c).userId, c.req.valid("json"), meta(c)), 200),
  )
  .openapi(
    sessionRoute({
      method: "post",
      path: "/v1/auth/password",
      tags,
      summary: "Change the password (needs the current one); every other session ends",
      request: { body: jsonBody(ChangePassword) },
      responses: {
        200: json(Ok, "Changed"),
        401: problem("The current password is not right"),
        429: problem("Locked after failed attempts"),
      },
    }),
    async (c) => {
      const p = signedIn(c);
      return c.json(await c.get("services").users.changePassword(p.userId, p.keyId, c.req.valid("json"), meta(c)), 200);
    },
  )
  .openapi(
    publicRoute(
      {
        method: "post",
        path: "/v1/auth/password/forgot",
        tags,
        summary: "Ask for a password reset token by e-mail; the answer is the same whether or not the email exists",
        security: [],
        request: { body: jsonBody(ForgotPassword) },
        responses: { 202: json(Ok, "If the email has an account, a reset token is on its way") },
      },
      AUTH,
    ),
    async (c) => {
      await c.get("services").users.requestPasswordReset(c.req.valid("json").email, meta(c));
      return c.json({ ok: true as const }, 202);
    },
  )
  .openapi(
    publicRoute(
      {
        method: "post",
        path: "/v1/auth/password/reset",
        tags,
        summary: "Set a new password with a one-time reset token; every session of the user ends",
        security: [],
        request: { body: jsonBody(ResetPassword) },
        responses: { 200: json(Ok, "Changed"), 404: problem("Invalid, used or expired token") },
      },
      AUTH,
    ),
    async (c) => c.json(await c.get("services").users.resetPassword(c.req.valid("json"), meta(c)), 200),
  );
