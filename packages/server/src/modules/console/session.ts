import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { withSystemAccess } from "../../db/access.js";
import type { UserRow } from "../../db/types.js";
import type { AppEnv } from "../../http/env.js";
import { clientAddress } from "../../http/rate-limit.js";
import { constantTimeEqual, randomSecret } from "../../lib/crypto.js";

/*
 * The console's cookie session: the API's own session tokens (EdDSA access token + one-use
 * refresh token from POST /v1/auth/login), kept in HttpOnly, SameSite=Strict cookies scoped to
 * /console, Secure when the server is reached over https. CSRF: a random token in a third cookie
 * that every form repeats (double submit), plus an Origin check; SameSite=Strict already keeps the
 * session cookies off cross-site requests.
 */

const ACCESS = "tessera_console_at";
const REFRESH = "tessera_console_rt";
const CSRF = "tessera_console_csrf";
const PATH = "/console";
const REFRESH_MAX_AGE = 30 * 24 * 3600;

export interface Viewer {
  user: UserRow;
  session: string;
  accessToken: string;
  csrf: string;
}

export interface ConsoleEnv {
  Variables: AppEnv["Variables"] & { viewer: Viewer };
}

function secure(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.get("deps")?.baseUrl?.startsWith("https:");
}

const options = (c: Context, maxAge: number) =>
  ({ httpOnly: true, sameSite: "Strict", path: PATH, secure: secure(c), maxAge }) as const;

export function requestMeta(c: { env: unknown; req: { header(name: string): string | undefined } }) {
  return { ip: clientAddress(c) ?? null, userAgent: c.req.header("user-agent") ?? null };
}

/** Stores a new session's tokens (sign-in, refresh) and, on sign-in, a new CSRF token. */
export function startSession(c: Context, tokens: { access_token: string; refresh_token: string }) {
  setCookie(c, ACCESS, tokens.access_token, options(c, REFRESH_MAX_AGE));
  setCookie(c, REFRESH, tokens.refresh_token, options(c, REFRESH_MAX_AGE));
  setCookie(c, CSRF, randomSecret(24), options(c, REFRESH_MAX_AGE));
}

/** A sign-in or setup form needs a CSRF token before there is a session (login CSRF). */
export function preSessionCsrf(c: Context): string {
  const known = getCookie(c, CSRF);
  if (known) return known;
  const token = randomSecret(24);
  setCookie(c, CSRF, token, options(c, REFRESH_MAX_AGE));
  return token;
}

export function endSession(c: Context) {
  for (const name of [ACCESS, REFRESH, CSRF]) deleteCookie(c, name, { path: PATH, secure: secure(c) });
}

/** The session id of the cookie's access token, for sign-out (the token may have expired). */
export function refreshCookie(c: Context): string | undefined {
  return getCookie(c, REFRESH);
}

/**
 * A signed-in viewer or a redirect to the sign-in page. An expired access token is traded for a
 * new one with the refresh token (once: a refresh token used twice ends the session by design).
 */
export function requireViewer(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const users = c.get("services").users;
    let token = getCookie(c, ACCESS);
    let access = token ? await withSystemAccess(() => users.authenticate(token!)) : undefined;
    const refresh = getCookie(c, REFRESH);
    if (!access && refresh) {
      const renewed = await withSystemAccess(() => users.refresh(refresh, requestMeta(c))).catch(() => undefined);
      if (renewed) {
        setCookie(c, ACCESS, renewed.access_token, options(c, REFRESH_MAX_AGE));
        setCookie(c, REFRESH, renewed.refresh_token, options(c, REFRESH_MAX_AGE));
        token = renewed.access_token;
        access = await withSystemAccess(() => users.authenticate(renewed.access_token));
      }
    }
    const csrf = getCookie(c, CSRF);
    if (!access || !token || !csrf) {
      endSession(c);
      const next = encodeURIComponent(c.req.path + (new URL(c.req.url).search || ""));
      return c.redirect(`/console/login?next=${next}`, 303);
    }
    c.set("viewer", { user: access.user, session: access.session, accessToken: token, csrf });
    await next();
  };
}

/** Same-origin check of a state-changing request: Origin (or, without it, Sec-Fetch-Site). */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  // "null": the browser hid the origin (a no-referrer policy); Sec-Fetch-Site still says where from.
  if (origin === "null") return c.req.header("sec-fetch-site") === "same-origin";
  if (origin) {
    // The request URL's host is the Host header under @hono/node-server.
    try {
      return new URL(origin).host === new URL(c.req.url).host;
    } catch {
      return false;
    }
  }
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin";
}

/** Every console POST: the form's `_csrf` must equal the cookie's, and the request be same-origin. */
export function checkCsrf(c: Context, form: Record<string, unknown>): boolean {
  const cookie = getCookie(c, CSRF);
  const sent = typeof form._csrf === "string" ? form._csrf : "";
  return Boolean(cookie) && constantTimeEqual(cookie!, sent) && sameOrigin(c);
}
