/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Login, Password } from "@tessera/core";
import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { withSystemAccess } from "../../db/access.js";
import { ApiError } from "../../errors.js";
import type { AppEnv } from "../../http/env.js";
import { apiFor, rawApiFor } from "./api.js";
import { CONSOLE_CSS } from "./assets/console-css.js";
import { Bare, Shell } from "./layout.js";
import { CONSOLE_PAGES } from "./pages/index.js";
import type { ConsolePage, PageContext, PageResult } from "./pages/registry.js";
import {
  type ConsoleEnv,
  checkCsrf,
  endSession,
  preSessionCsrf,
  refreshCookie,
  requestMeta,
  requireViewer,
  startSession,
} from "./session.js";
import { consoleSetup } from "./setup.js";
import { Field } from "./ui.js";
import { openWorkspace, roleCan, tenantsOf } from "./workspace.js";

const require = createRequire(import.meta.url);

/**
 * Every console response: nothing but this origin's own files may load or run (no inline script,
 * no inline style), nothing may frame it, forms post only here, and no page is cached or leaks
 * its URL (which may hold a setup token) to another origin.
 */
const SECURITY_HEADERS = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // Never to another origin (a setup link's token is in its URL); same-origin keeps Origin on forms.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
  "cross-origin-opener-policy": "same-origin",
};

/** Only a path inside the console: never an absolute or protocol-relative URL (open redirect). */
function safeNext(next: string | undefined): string {
  return next && /^\/console(\/|$|\?)/.test(next) && !next.startsWith("//") ? next : "/console";
}

const formOf = async (c: Context) =>
  Object.fromEntries(
    Object.entries(await c.req.parseBody()).map(([k, v]) => [k, typeof v === "string" ? v : ""]),
  ) as Record<string, string>;

/** Matches "customers/:id" against ["customers", "cus_1"]. */
function match(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split("/");
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const seg = segments[i]!;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(seg);
    else if (part !== seg) return undefined;
  }
  return params;
}

function LoginForm(props: { csrf: string; next: string; email?: string }) {
  return (
    <form method="post" action="/console/login" class="stack">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="next" value={props.next} />
      <Field label="Email" name="email" type="email" required autocomplete="username" value={props.email} />
      <Field label="Password" name="password" type="password" required autocomplete="current-password" />
      <Field
        label="Authentication code"
        name="totp"
        inputmode="numeric"
        autocomplete="one-time-code"
        pattern="[0-9]{6}"
        hint="Only when two-factor authentication is on for your account."
      />
      <button type="submit">Sign in</button>
    </form>
  );
}

function SetupForm(props: { csrf: string; token: string }) {
  return (
    <form method="post" action="/console/setup" class="stack">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="token" value={props.token} />
      <Field label="Email" name="email" type="email" required autocomplete="username" />
      <Field label="Name" name="name" autocomplete="name" />
      <Field
        label="Password"
        name="password"
        type="password"
        required
        autocomplete="new-password"
        hint="At least 12 characters."
      />
      <button type="submit">Create the platform admin</button>
    </form>
  );
}

export function consoleRoutes(apiApp: Hono<AppEnv>) {
  const router = new Hono<ConsoleEnv>();
  router.use("/console", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
  });
  router.use("/console/*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
  });

  router.get("/console/assets/console.css", (c) =>
    c.body(CONSOLE_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
  );
  let htmx: Buffer | undefined;
  router.get("/console/assets/htmx.min.js", (c) => {
    htmx ??= readFileSync(require.resolve("htmx.org/dist/htmx.min.js"));
    return c.body(new Uint8Array(htmx), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600",
    });
  });

  const setupOf = (c: Context<ConsoleEnv>) => consoleSetup(c.get("deps"), c.get("services").users);

  router.get("/console/setup", async (c) => {
    const token = c.req.query("token") ?? "";
    if (!(await setupOf(c).linkValid(token))) {
      return c.html(
        <Bare title="Set up Tessera">
          <p>This setup link is used, expired or no longer needed (a platform admin exists).</p>
          <p>
            <a href="/console/login">Sign in</a>, or restart the server to print a new link while there is no platform
            admin.
          </p>
        </Bare>,
        404,
      );
    }
    return c.html(
      <Bare title="Set up Tessera">
        <p>Create the first platform admin of this installation. This link works once.</p>
        <SetupForm csrf={preSessionCsrf(c)} token={token} />
      </Bare>,
    );
  });

  router.post("/console/setup", async (c) => {
    const form = await formOf(c);
    if (!checkCsrf(c, form)) return c.text("Forbidden: the form's CSRF token or origin is wrong", 403);
    const password = Password.safeParse(form.password);
    const email = Login.shape.email.safeParse(form.email);
    const retry = (error: string, status: 400 | 404) =>
      c.html(
        <Bare title="Set up Tessera" error={error}>
          <SetupForm csrf={preSessionCsrf(c)} token={form.token ?? ""} />
        </Bare>,
        status,
      );
    if (!email.success) return retry("Enter a valid email address.", 400);
    if (!password.success) return retry("The password must be at least 12 characters.", 400);
    const created = await setupOf(c).createFirstAdmin(form.token ?? "", {
      email: email.data,
      password: password.data,
      ...(form.name ? { name: form.name } : {}),
    });
    if (!created) return retry("This setup link is used, expired or no longer needed.", 404);
    const tokens = await withSystemAccess(() =>
      c.get("services").users.login({ email: email.data, password: password.data }, requestMeta(c)),
    );
    startSession(c, tokens);
    return c.redirect("/console", 303);
  });

  router.get("/console/login", (c) =>
    c.html(
      <Bare title="Sign in to Tessera">
        <LoginForm csrf={preSessionCsrf(c)} next={safeNext(c.req.query("next"))} />
      </Bare>,
    ),
  );

  router.post("/console/login", async (c) => {
    const form = await formOf(c);
    if (!checkCsrf(c, form)) return c.text("Forbidden: the form's CSRF token or origin is wrong", 403);
    const input = Login.safeParse({
      email: form.email,
      password: form.password,
      ...(form.totp ? { totp: form.totp } : {}),
    });
    const again = (error: string, status: 400 | 401 | 429) =>
      c.html(
        <Bare title="Sign in to Tessera" error={error}>
          <LoginForm csrf={preSessionCsrf(c)} next={safeNext(form.next)} email={form.email} />
        </Bare>,
        status,
      );
    if (!input.success) return again("Enter your email and password (and a 6-digit code if asked).", 400);
    try {
      const tokens = await withSystemAccess(() => c.get("services").users.login(input.data, requestMeta(c)));
      startSession(c, tokens);
      return c.redirect(safeNext(form.next), 303);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // The API's own wording: it never says which of email, password or code was wrong.
      return again(error.message || "Wrong email, password or code.", error.status === 429 ? 429 : 401);
    }
  });

  router.post("/console/logout", async (c) => {
    const form = await formOf(c);
    if (!checkCsrf(c, form)) return c.text("Forbidden: the form's CSRF token or origin is wrong", 403);
    const refresh = refreshCookie(c);
    const token = getCookie(c, "tessera_console_at");
    const users = c.get("services").users;
    const access = token ? await withSystemAccess(() => users.authenticate(token)) : undefined;
    if (access) await withSystemAccess(() => users.revokeSession(access.user.id, access.session));
    else if (refresh) await withSystemAccess(() => users.refresh(refresh, requestMeta(c))).catch(() => undefined);
    endSession(c);
    return c.redirect("/console/login", 303);
  });

  router.get("/console", requireViewer(), async (c) => {
    const viewer = c.get("viewer");
    const tenants = await tenantsOf(c.get("services"), viewer.user);
    for (const t of tenants) {
      for (const env of ["development", "production"]) {
        const ws = await openWorkspace(c.get("services"), viewer.user, t.slug, env);
        if (ws) return c.redirect(`/console/t/${ws.tenant.slug}/${ws.environment}/`, 303);
      }
      const any = await openWorkspace(c.get("services"), viewer.user, t.slug, "development");
      if (any) return c.redirect(`/console/t/${any.tenant.slug}/${any.environment}/`, 303);
    }
    return c.html(
      <Bare title="No tenant yet">
        <p>
          You have no tenant to open. A platform admin creates tenants (<code>POST /v1/tenants</code>, or start the
          server with the demo tenant); a tenant owner invites you.
        </p>
      </Bare>,
    );
  });

  router.get("/console/switch", requireViewer(), async (c) => {
    const tenant = c.req.query("tenant") ?? "";
    const env = c.req.query("env") ?? "development";
    const ws =
      (await openWorkspace(c.get("services"), c.get("viewer").user, tenant, env)) ??
      (await openWorkspace(c.get("services"), c.get("viewer").user, tenant, "development"));
    if (!ws) return c.redirect("/console", 303);
    return c.redirect(`/console/t/${ws.tenant.slug}/${ws.environment}/`, 303);
  });

  const dispatch = async (c: Context<ConsoleEnv>) => {
    const viewer = c.get("viewer");
    const services = c.get("services");
    const { tenant: tenantRef, env } = c.req.param() as { tenant: string; env: string };
    const ws = await openWorkspace(services, viewer.user, tenantRef, env);
    if (!ws) {
      return c.html(
        <Bare title="No access">
          <p>You have no access to that tenant and environment.</p>
          <p>
            <a href="/console">Back to the console</a>
          </p>
        </Bare>,
        403,
      );
    }
    const base = `/console/t/${ws.tenant.slug}/${ws.environment}`;
    const rest = c.req.path.slice(base.length).replace(/^\/|\/$/g, "");
    const segments = rest === "" ? ["overview"] : rest.split("/");
    const can = (permission: string | null) => permission === null || roleCan(ws.role, permission);
    const visible = (p: ConsolePage) => can(p.permission) && !(p.nonProduction && ws.environment === "production");
    const ctxFor = (params: Record<string, string>): PageContext => ({
      c,
      api: apiFor(apiApp, c, ws.tenant.id, ws.environment),
      raw: (path) => rawApiFor(apiApp, c, ws.tenant.id, ws.environment)(path),
      tenant: ws.tenant,
      environment: ws.environment,
      role: ws.role,
      can,
      href: (path) => `${base}/${path}`,
      params,
      query: c.req.query(),
      csrf: viewer.csrf,
    });
    const show = (
      page: ConsolePage | undefined,
      result: PageResult,
      status: 200 | 400 | 403 | 404 | 409 | 422 = 200,
    ) => {
      const tenants = tenantsOf(services, viewer.user);
      return tenants.then((list) =>
        c.html(
          <Shell
            title={result.title}
            environment={ws.environment}
            tenantSlug={ws.tenant.slug}
            tenants={list}
            environments={ws.environments}
            nav={CONSOLE_PAGES.filter((p) => p.nav && visible(p)).map((p) => ({
              href: `${base}/${p.path}`,
              label: p.nav!,
              current: p === page || Boolean(page?.path.startsWith(`${p.path}/`)),
            }))}
            user={{ email: viewer.user.email, role: ws.role }}
            csrf={viewer.csrf}
            notice={c.req.query("notice")}
            error={c.req.query("error")}
          >
            {result.body}
          </Shell>,
          status,
        ),
      );
    };
    const notFound = () => show(undefined, { title: "Not found", body: <p>No such page.</p> }, 404);
    const forbidden = (p: ConsolePage | undefined) =>
      show(p, { title: "Not allowed", body: <p>Your role ({ws.role}) does not allow this.</p> }, 403);

    if (c.req.method === "GET") {
      for (const page of CONSOLE_PAGES) {
        const params = match(page.path, segments);
        if (!params) continue;
        if (!visible(page)) return forbidden(page);
        const result = await page.render(ctxFor(params));
        if ("download" in result) return result.download;
        return show(page, result);
      }
      return notFound();
    }
    // POST <page path>/<action>
    const form = await formOf(c);
    if (!checkCsrf(c, form)) return c.text("Forbidden: the form's CSRF token or origin is wrong", 403);
    const actionName = segments.at(-1)!;
    for (const page of CONSOLE_PAGES) {
      const params = match(page.path, segments.slice(0, -1));
      const action = params && page.actions?.[actionName];
      if (!params || !action) continue;
      // The API refuses anyway; refusing here too keeps a hand-made POST from reaching it at all.
      if (!visible(page) || !can(action.permission)) return forbidden(page);
      const outcome = await action.handle(ctxFor(params), form);
      if ("redirect" in outcome) return c.redirect(outcome.redirect, 303);
      return show(page, outcome, outcome.status);
    }
    return notFound();
  };
  router.get("/console/t/:tenant/:env", requireViewer(), dispatch);
  router.get("/console/t/:tenant/:env/*", requireViewer(), dispatch);
  router.post("/console/t/:tenant/:env/*", requireViewer(), dispatch);
  return router;
}
