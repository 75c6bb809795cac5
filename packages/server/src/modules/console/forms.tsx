/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ConsolePage, PageContext, PageResult } from "./pages/registry.js";

/** A page's render, shown again when a form on it is refused. */
export type Render = ConsolePage["render"];

import { problemText, withMessage } from "./ui.js";

/*
 * Forms that edit settings: when the API refuses one, the page is shown again with the API's
 * problem on that form and the values just sent in its fields — except secrets, which are never
 * written back into a page (fields named `secret_value…`).
 */

const SECRET_FIELD = /^secret_value/;

/** What a refused form shows again: everything sent but the CSRF token and the secrets. */
export function publicValues(form: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(form).filter(([k]) => k !== "_csrf" && !SECRET_FIELD.test(k)));
}

/** A field's value: what was just sent when its form was refused, else the stored one. */
export function shown(ctx: PageContext, form: string, name: string, stored: string | undefined): string | undefined {
  return ctx.failed?.form === form ? (ctx.failed.values[name] ?? "") : stored;
}

export function FormError(props: { ctx: PageContext; form: string }) {
  const failed = props.ctx.failed;
  if (failed?.form !== props.form) return null;
  return (
    <p class="error" role="alert" id={`${props.form}-error`}>
      {failed.error}
    </p>
  );
}

/** Whether the page was re-shown for this form (its <details> opens so the error is seen). */
export const openIf = (ctx: PageContext, form: string) => ctx.failed?.form === form;

const STATUSES = [400, 403, 404, 409, 422] as const;

/**
 * After an action's API call: back to `url` with a notice, or the page again with the problem on
 * the form. A failure found before calling (bad JSON) passes `res` as the console's own problem.
 */
export async function settle(
  ctx: PageContext,
  render: Render,
  args: {
    form: string;
    sent: Record<string, string>;
    res: { ok: boolean; status: number; body: unknown };
    url: string;
    done: string;
  },
): Promise<{ redirect: string } | PageResult> {
  if (args.res.ok) return { redirect: withMessage(args.url, "notice", args.done) };
  const failed = { form: args.form, error: problemText(args.res.body), values: publicValues(args.sent) };
  const result = await render({ ...ctx, failed });
  if ("download" in result) throw new Error("a settings page cannot be a download");
  const status = STATUSES.find((s) => s === args.res.status) ?? 422;
  return { ...result, status };
}

/** A problem the console finds before calling the API (a field that is not JSON). */
export const refused = (detail: string) => ({
  ok: false,
  status: 400,
  body: { code: "VALIDATION_FAILED", detail },
});

/** A JSON field: its value, or why it is not JSON of the expected shape. */
export function parseJson<T>(text: string | undefined, label: string, fallback: T, kind: "object" | "array") {
  const trimmed = (text ?? "").trim();
  if (!trimmed) return { value: fallback };
  try {
    const value = JSON.parse(trimmed) as unknown;
    const okShape =
      kind === "array" ? Array.isArray(value) : value !== null && typeof value === "object" && !Array.isArray(value);
    if (!okShape) return { error: `${label}: must be a JSON ${kind}` };
    return { value: value as T };
  } catch (e) {
    return { error: `${label}: not valid JSON (${(e as Error).message})` };
  }
}
