/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/* Small building blocks every page uses: money, time, tables, forms carrying the CSRF token. */

const digits = new Map<string, number>();

/** Minor units as a localised amount (EUR 1234 → "€12.34"); the currency's own exponent. */
export function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat("en", { style: "currency", currency });
  let exponent = digits.get(currency);
  if (exponent === undefined) {
    exponent = format.resolvedOptions().maximumFractionDigits ?? 2;
    digits.set(currency, exponent);
  }
  return format.format(amount / 10 ** exponent);
}

export const Money = (props: { amount: number; currency: string }) => (
  <span class="num">{formatMoney(props.amount, props.currency)}</span>
);

export const Time = (props: { at: string | null | undefined }) =>
  props.at ? (
    <time datetime={props.at}>{props.at.replace("T", " ").replace(/\.\d{3}Z$/, " UTC")}</time>
  ) : (
    <span>—</span>
  );

export const Status = (props: { value: string }) => <span class={`badge badge-${props.value}`}>{props.value}</span>;

export function Table(props: { caption: string; head: string[]; rows: Child[][]; empty?: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty ?? "Nothing yet."}</p>;
  return (
    // A region of its own, focusable, so a keyboard can scroll a table wider than the screen.
    <section class="table-wrap" aria-label={props.caption} tabindex={0}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {row.map((cell) => (
                <td>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A POST form with the CSRF token; `confirm` names the action for the button (no script). */
export function PostForm(props: { action: string; csrf: string; children?: Child; class?: string }) {
  return (
    <form method="post" action={props.action} class={props.class ?? "inline"}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.children}
    </form>
  );
}

const fieldId = (props: { name: string; form?: string | undefined }) =>
  `f-${props.form ? `${props.form}-` : ""}${props.name}`;

export function Field(props: {
  label: string;
  name: string;
  type?: string;
  value?: string | undefined;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  inputmode?: "numeric" | "text" | "email" | "decimal";
  pattern?: string;
  /** Names the form, so two forms on a page with the same field name keep distinct ids. */
  form?: string;
  placeholder?: string;
}) {
  const id = fieldId(props);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        pattern={props.pattern}
        placeholder={props.placeholder}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint ? (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

export function Select(props: {
  label: string;
  name: string;
  options: Array<[string, string]>;
  value?: string | undefined;
  form?: string;
}) {
  const id = fieldId(props);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A problem+json answer of the API, shown to the user (its code and detail). */
export function problemText(body: unknown): string {
  const b = body as { code?: string; detail?: string; errors?: Array<{ path: string; message: string }> } | undefined;
  const errors = b?.errors?.map((e) => `${e.path}: ${e.message}`).join("; ");
  return [b?.code, b?.detail, errors].filter(Boolean).join(" — ") || "The request failed";
}

export const Section = (props: { title: string; id?: string; children?: Child }) => (
  <section class="panel" aria-labelledby={props.id ? `${props.id}-h` : undefined}>
    <h2 id={props.id ? `${props.id}-h` : undefined}>{props.title}</h2>
    {props.children}
  </section>
);

export const Pre = (props: { value: unknown }) => (
  <pre class="json" tabindex={0}>
    {JSON.stringify(props.value, null, 2)}
  </pre>
);

/** A console URL with a one-line message shown on the page it leads to. */
export const withMessage = (url: string, key: "notice" | "error", text: string) =>
  `${url}${url.includes("?") ? "&" : "?"}${key}=${encodeURIComponent(text)}`;

/** Where an action leads: back to `url`, saying `done`, or the API's problem when it refused. */
export function backTo(url: string, res: { ok: boolean; body: unknown }, done: string) {
  return { redirect: res.ok ? withMessage(url, "notice", done) : withMessage(url, "error", problemText(res.body)) };
}

export function TextArea(props: {
  label: string;
  name: string;
  value?: string | undefined;
  rows?: number;
  hint?: string;
  form?: string;
}) {
  const id = fieldId(props);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        spellcheck={false}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      >
        {props.value ?? ""}
      </textarea>
      {props.hint ? (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

/**
 * A destructive action behind a second step (no script, so no confirm dialog): a disclosure names
 * what will happen, the button inside does it.
 */
export function Confirm(props: { summary: string; action: string; csrf: string; button: string; children?: Child }) {
  return (
    <details class="confirm">
      <summary>{props.summary}</summary>
      <PostForm action={props.action} csrf={props.csrf}>
        {props.children}
        <button type="submit" class="danger">
          {props.button}
        </button>
      </PostForm>
    </details>
  );
}
