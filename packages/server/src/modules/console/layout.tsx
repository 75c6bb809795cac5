/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/*
 * The page shell: environment banner, tenant/environment switcher (a plain GET form: works without
 * script), navigation of the pages the viewer's role may open, the main region.
 */

const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false });

export function Document(props: { title: string; children?: Child; bodyClass?: string }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title>{`${props.title} · Tessera console`}</title>
          <link rel="stylesheet" href="/console/assets/console.css" />
          {/* No favicon request (the console has none to serve). */}
          <link rel="icon" href="data:," />
          <script src="/console/assets/htmx.min.js" defer />
        </head>
        <body class={props.bodyClass}>{props.children}</body>
      </html>
    </>
  );
}

export interface ShellProps {
  title: string;
  environment: string;
  tenantSlug: string;
  tenants: Array<{ slug: string; name: string }>;
  environments: string[];
  nav: Array<{ href: string; label: string; current: boolean }>;
  user: { email: string; role: string };
  csrf: string;
  notice?: string | undefined;
  error?: string | undefined;
  children?: Child;
}

export function Shell(props: ShellProps) {
  const production = props.environment === "production";
  return (
    <Document title={props.title} bodyClass={production ? "env-production" : "env-nonproduction"}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <div class={production ? "env-banner production" : "env-banner"} role="note">
        {production
          ? `PRODUCTION — ${props.tenantSlug}: live customers, real money`
          : `${props.environment.toUpperCase()} — ${props.tenantSlug}: test data, sandbox money`}
      </div>
      <header class="top">
        <a class="brand" href="/console">
          Tessera
        </a>
        <form class="switcher" method="get" action="/console/switch">
          <label for="sw-tenant">Tenant</label>
          <select id="sw-tenant" name="tenant">
            {props.tenants.map((t) => (
              <option value={t.slug} selected={t.slug === props.tenantSlug}>
                {t.name}
              </option>
            ))}
          </select>
          <label for="sw-env">Environment</label>
          <select id="sw-env" name="env">
            {props.environments.map((e) => (
              <option value={e} selected={e === props.environment}>
                {e}
              </option>
            ))}
          </select>
          <button type="submit">Switch</button>
        </form>
        <div class="who">
          <span>
            {props.user.email} · {props.user.role}
          </span>
          <form method="post" action="/console/logout" class="inline">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <div class="layout">
        <nav aria-label="Console">
          <ul>
            {props.nav.map((n) => (
              <li>
                <a href={n.href} aria-current={n.current ? "page" : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabindex={-1}>
          <h1>{props.title}</h1>
          <Messages notice={props.notice} error={props.error} />
          {props.children}
        </main>
      </div>
    </Document>
  );
}

/** The one-line outcome of the last action: announced politely when it worked, at once when not. */
function Messages(props: { notice?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
    </>
  );
}

/** Sign-in, first-admin setup and errors: no navigation. */
export function Bare(props: { title: string; children?: Child; error?: string | undefined }) {
  return (
    <Document title={props.title} bodyClass="bare">
      <main id="main" class="narrow">
        <h1>{props.title}</h1>
        <Messages error={props.error} />
        {props.children}
      </main>
    </Document>
  );
}
