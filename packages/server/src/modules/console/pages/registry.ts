import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { Api, RawApi } from "../api.js";
import type { ConsoleEnv } from "../session.js";

/*
 * The console's pages and panels are data: a later module adds a page (one file exporting a
 * ConsolePage, one line in pages/index.ts) or a panel on the customer or subscription page (one
 * ConsolePanel) without touching the shell, the navigation or the permission gate.
 */

/** Where a page runs: the tenant and environment of its URL, the viewer's role there, the API. */
export interface PageContext {
  c: Context<ConsoleEnv>;
  api: Api;
  /** The API's raw answer to a GET: for documents (PDF, XML) handed on as downloads. */
  raw: RawApi;
  tenant: { id: string; slug: string; name: string };
  environment: string;
  role: string;
  /** Whether the viewer's role allows a permission (the API checks it again on every call). */
  can(permission: string | null): boolean;
  /** A console URL inside this tenant and environment: href("customers") → /console/t/acme/development/customers. */
  href(path: string): string;
  params: Record<string, string>;
  query: Record<string, string>;
  csrf: string;
  /** Set when an action's form was refused: the page is shown again with the error on that form. */
  failed?: FormFailure | undefined;
}

/** A refused form: which one, the API's problem as text, and what was sent (secrets left out). */
export interface FormFailure {
  form: string;
  error: string;
  values: Record<string, string>;
}

export interface PageResult {
  title: string;
  body: Child;
  /** A page shown again after a refused form answers with the refusal's status. */
  status?: 400 | 403 | 404 | 409 | 422;
}

/** A file for the browser to save (an invoice's PDF or XML) instead of a page. */
export interface Download {
  download: Response;
}

export interface ConsolePage {
  /** The path under /console/t/:tenant/:env/, with :params (e.g. "customers/:id"). */
  path: string;
  /** Shown in the navigation when set; pages reached from others (a customer) have none. */
  nav?: string;
  /**
   * The permission the page's main read needs; without it the page is not listed nor served.
   * null: any member (the viewer's own sessions).
   */
  permission: string | null;
  /** Development-only pages (test clocks) are hidden in production. */
  nonProduction?: boolean;
  render(ctx: PageContext): Promise<PageResult | Download>;
  /** Form posts to `<path>/<action>`: each returns a redirect target or a page to show. */
  actions?: Record<string, ConsoleAction>;
}

export interface ConsoleAction {
  permission: string | null;
  handle(ctx: PageContext, form: Record<string, string>): Promise<{ redirect: string } | PageResult>;
}

/** A section of the customer or subscription page (entitlements, invoices, consents, …). */
export interface ConsolePanel<T> {
  id: string;
  title: string;
  permission: string;
  render(ctx: PageContext, subject: T): Promise<Child>;
}
