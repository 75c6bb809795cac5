/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { SafeMode } from "@tessera/core";
import { backTo, Field, PostForm, problemText, Section, Status, Table, Time } from "../ui.js";
import type { ConsolePage } from "./registry.js";

/*
 * Safe mode: stop new charges at one payment provider (or the whole environment) during an
 * incident; renewals wait in the queue and run when the hold is lifted. The holds, active and
 * lifted, with who entered and lifted them.
 */

const who = (actor: SafeMode["entered_by"]) => (actor ? (actor.label ?? `${actor.type} ${actor.id}`) : "—");

export const safeModePage: ConsolePage = {
  path: "settings/safe-mode",
  nav: "Safe mode",
  permission: "payments:read",
  async render({ api, can, csrf, href }) {
    const res = await api<{ data: SafeMode[] }>("GET", "/v1/safe-mode");
    if (!res.ok) return { title: "Safe mode", body: <p class="error">{problemText(res.body)}</p> };
    const active = res.body.data.filter((h) => h.active);
    return {
      title: "Safe mode",
      body: (
        <>
          <p class={active.length > 0 ? "error" : "empty"} role="status">
            {active.length > 0
              ? `Charges held: ${active.map((h) => h.provider ?? "the whole environment").join(", ")}.`
              : "No hold: charges run normally."}
          </p>
          {can("payments:write") ? (
            <Section title="Hold charges" id="enter">
              <PostForm action={href("settings/safe-mode/enter")} csrf={csrf} class="stack">
                <Field label="Provider (empty: the whole environment)" name="provider" />
                <Field label="Reason" name="reason" required hint="Kept in the audit trail and the event." />
                <button type="submit" class="danger">
                  Enter safe mode
                </button>
              </PostForm>
            </Section>
          ) : null}
          <Section title="Holds" id="holds">
            <Table
              caption="Safe modes of this environment, newest first"
              head={["Provider", "Reason", "State", "Entered", "By", "Lifted", "By", "Released charges", ""]}
              rows={res.body.data.map((h) => [
                h.provider ?? "whole environment",
                h.reason,
                <Status value={h.active ? "active" : "lifted"} />,
                <Time at={h.entered_at} />,
                who(h.entered_by),
                <Time at={h.exited_at} />,
                who(h.exited_by),
                h.released_jobs === null ? "—" : String(h.released_jobs),
                h.active && can("payments:write") ? (
                  <PostForm action={href("settings/safe-mode/exit")} csrf={csrf}>
                    <input type="hidden" name="id" value={h.id} />
                    <button type="submit">Lift</button>
                  </PostForm>
                ) : (
                  ""
                ),
              ])}
              empty="Never entered."
            />
          </Section>
        </>
      ),
    };
  },
  actions: {
    enter: {
      permission: "payments:write",
      async handle({ api, href }, form) {
        const provider = form.provider?.trim();
        const res = await api("POST", "/v1/safe-mode", { reason: form.reason, ...(provider ? { provider } : {}) });
        return backTo(href("settings/safe-mode"), res, "Safe mode entered: new charges wait");
      },
    },
    exit: {
      permission: "payments:write",
      async handle({ api, href }, form) {
        const res = await api("POST", `/v1/safe-mode/${encodeURIComponent(form.id ?? "")}/exit`);
        return backTo(href("settings/safe-mode"), res, "Safe mode lifted: held charges run now");
      },
    },
  },
};
