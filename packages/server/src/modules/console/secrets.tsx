/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { shown } from "./forms.js";
import type { PageContext } from "./pages/registry.js";

/*
 * Write-only secrets (a provider's or a channel's credentials). The API keeps them encrypted and
 * never returns them; it replaces a provider's or channel's secrets as a whole. So the form lists
 * the names already set (names are not secret) with empty values: what is entered becomes the
 * whole set. A value is never written into a page, not even after a refused form.
 */

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function SecretRows(props: { ctx: PageContext; form: string; names: readonly string[]; hint?: string }) {
  const rows = [...props.names, "", ""];
  return (
    <fieldset>
      <legend>Secrets (write-only: never shown again)</legend>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      {rows.map((name, i) => {
        const id = `f-${props.form}-secret-${i}`;
        const value = shown(props.ctx, props.form, `secret_name_${i}`, name);
        return (
          <div class="secret-row">
            <div class="field">
              <label for={`${id}-name`}>Secret name {i + 1}</label>
              <input id={`${id}-name`} name={`secret_name_${i}`} value={value} autocomplete="off" />
            </div>
            <div class="field">
              <label for={`${id}-value`}>Value of secret {i + 1}</label>
              <textarea id={`${id}-value`} name={`secret_value_${i}`} rows={2} autocomplete="off" spellcheck={false} />
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}

/** The secrets a form entered: every named row needs a value; no row at all is `undefined`. */
export function secretsOf(form: Record<string, string>): { credentials?: Record<string, string>; error?: string } {
  const credentials: Record<string, string> = {};
  for (const [key, raw] of Object.entries(form)) {
    const index = /^secret_name_(\d+)$/.exec(key)?.[1];
    if (index === undefined) continue;
    const name = raw.trim();
    const value = form[`secret_value_${index}`] ?? "";
    if (!name && !value) continue;
    if (!name) return { error: `Secret ${Number(index) + 1}: a value needs a name` };
    if (!NAME.test(name)) return { error: `Secret ${name}: a name is 1–64 letters, digits, _ . or -` };
    if (!value) return { error: `Secret ${name}: enter its value (every secret is replaced), or clear its name` };
    credentials[name] = value;
  }
  return Object.keys(credentials).length > 0 ? { credentials } : {};
}
