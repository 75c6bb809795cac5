import type { Entitlements } from "./entitlements.js";
import { isTesseraTokenError } from "./errors.js";
import { authenticate, decide, denialResponse, findToken, type Requirement, type TokenSource } from "./gate.js";

export type { Denial, ProblemBody, Requirement, TokenSource } from "./gate.js";

/**
 * Next.js App Router helpers. Everything here speaks Fetch `Request`/`Response` and imports
 * nothing from node:, so it runs in edge middleware; `next` itself is loaded only by
 * `getEntitlements`, on demand.
 */

/**
 * Options of {@link withEntitlement}: where the token is, and what the route needs.
 *
 * @example
 * const options: WithEntitlementOptions = { verifier, cookie: "tessera_ent", level: "priority" };
 */
export interface WithEntitlementOptions extends TokenSource, Requirement {}

/**
 * A route handler that also receives the verified entitlements.
 *
 * @example
 * const handler: EntitledHandler<unknown> = (_req, _ctx, ent) => Response.json({ tier: ent.tier("support") });
 */
export type EntitledHandler<Context> = (
  request: Request,
  context: Context,
  entitlements: Entitlements,
) => Response | Promise<Response>;

/**
 * Wraps an App Router route handler so it runs only when the request's token grants `key`;
 * otherwise answers 401/403 `application/problem+json`.
 *
 * @example
 * // app/api/reports/route.ts
 * import { withEntitlement } from "@tessera/sdk/next";
 * import { verifier } from "@/lib/tessera";
 *
 * export const GET = withEntitlement(
 *   async (request, context, entitlements) => Response.json({ customer: entitlements.customerId }),
 *   "export-pdf",
 *   { verifier, cookie: "tessera_ent" },
 * );
 */
export function withEntitlement<Context = unknown>(
  handler: EntitledHandler<Context>,
  key: string,
  options: WithEntitlementOptions,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    const read = (name: string) => request.headers.get(name);
    const { entitlements, denial } = await authenticate(read, options);
    if (denial) return denialResponse(denial);
    const refusal = decide(entitlements, key, options);
    if (refusal) return denialResponse(refusal);
    return handler(request, context, entitlements as Entitlements);
  };
}

/**
 * Options of {@link getEntitlements}.
 *
 * @example
 * const ent = await getEntitlements({ verifier, cookie: "tessera_ent", onInvalid: "throw" });
 */
export interface GetEntitlementsOptions extends TokenSource {
  /** What to do with an invalid token: treat it as absent (default) or throw its TesseraTokenError. */
  onInvalid?: "ignore" | "throw";
  /** Read these headers instead of the current request's (`next/headers`): for tests and scripts. */
  requestHeaders?: Headers;
}

/**
 * The current request's entitlements in a server component or server action, or undefined
 * when it carries no (valid) token. Reads `headers()`/`cookies()` from `next/headers`.
 *
 * @example
 * // app/reports/page.tsx
 * import { getEntitlements } from "@tessera/sdk/next";
 *
 * export default async function Page() {
 *   const ent = await getEntitlements({ verifier, cookie: "tessera_ent" });
 *   return ent?.has("export-pdf") ? <ExportButton /> : <UpgradeLink />;
 * }
 */
export async function getEntitlements(options: GetEntitlementsOptions): Promise<Entitlements | undefined> {
  const headers = options.requestHeaders ?? (await currentRequestHeaders());
  const token = findToken((name) => headers.get(name), options);
  if (token === undefined) return undefined;
  try {
    return await options.verifier.verify(token);
  } catch (error) {
    if (options.onInvalid === "throw" || !isTesseraTokenError(error) || error.code === "JWKS_UNAVAILABLE") throw error;
    return undefined;
  }
}

async function currentRequestHeaders(): Promise<Headers> {
  let mod: { headers(): unknown; cookies(): unknown };
  try {
    mod = (await import("next/headers")) as typeof mod;
  } catch (error) {
    throw new Error("getEntitlements() needs Next.js (next/headers); pass `requestHeaders` elsewhere", {
      cause: error,
    });
  }
  // Next 15 returns promises here, Next 14 plain objects: await handles both.
  const headers = (await mod.headers()) as Headers;
  // headers() already includes the Cookie header; cookies() is not needed.
  return headers;
}

/**
 * One rule of {@link entitlementMiddleware}.
 *
 * @example
 * const rule: MiddlewareRule = { matcher: /^\/courses\/\w+$/, key: "courses", redirectTo: "/pricing" };
 */
export interface MiddlewareRule extends Requirement {
  /** A path prefix (`/pro` matches `/pro` and `/pro/x`), a RegExp, or a predicate. */
  matcher: string | RegExp | ((pathname: string) => boolean);
  /** The entitlement the matched paths need. */
  key: string;
  /** Send refused page visits here (307) instead of answering with a problem document. */
  redirectTo?: string;
}

/**
 * Options of {@link entitlementMiddleware}.
 *
 * @example
 * const options: EntitlementMiddlewareOptions = { verifier, cookie: "tessera_ent", rules: [{ matcher: "/pro", key: "pro" }] };
 */
export interface EntitlementMiddlewareOptions extends TokenSource {
  /** Checked in order; the first matching rule decides. Paths no rule matches go through. */
  rules: MiddlewareRule[];
}

/**
 * Next.js middleware (edge runtime) that guards paths by entitlement. Returns a Response for a
 * refused request and undefined to let Next continue. Create the verifier from `@tessera/sdk` in
 * the middleware file: on the edge that resolves to the jose/WebCrypto build.
 *
 * @example
 * // middleware.ts
 * import { createVerifier } from "@tessera/sdk";
 * import { entitlementMiddleware } from "@tessera/sdk/next";
 *
 * const verifier = createVerifier({ jwks: process.env.TESSERA_JWKS_URL!, tenant: "acme" });
 * export const middleware = entitlementMiddleware({
 *   verifier,
 *   cookie: "tessera_ent",
 *   rules: [{ matcher: "/pro", key: "pro-features", redirectTo: "/pricing" }],
 * });
 */
export function entitlementMiddleware(
  options: EntitlementMiddlewareOptions,
): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const rule = options.rules.find((r) => matches(r.matcher, url.pathname));
    if (!rule) return undefined;
    const { entitlements, denial } = await authenticate((name) => request.headers.get(name), options);
    const refusal = denial ?? decide(entitlements, rule.key, rule);
    if (!refusal) return undefined;
    if (rule.redirectTo && refusal.status !== 503) {
      const target = new URL(rule.redirectTo, url);
      target.searchParams.set("reason", refusal.body.code);
      return Response.redirect(target, 307);
    }
    return denialResponse(refusal);
  };
}

function matches(matcher: MiddlewareRule["matcher"], pathname: string): boolean {
  if (typeof matcher === "function") return matcher(pathname);
  if (matcher instanceof RegExp) return matcher.test(pathname);
  const prefix = matcher.endsWith("/") ? matcher.slice(0, -1) : matcher;
  return pathname === prefix || pathname.startsWith(`${prefix}/`) || prefix === "";
}
