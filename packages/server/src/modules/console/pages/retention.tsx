/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RetentionPolicy, RetentionRun } from "@tessera/core";
import { backTo, Field, PostForm, problemText, Section, Table, Time, withMessage } from "../ui.js";
import type { ConsolePage } from "./registry.js";

/*
 * The environment's retention policy (how long logs, raw notifications, usage records and events
 * are kept; when ended customers are erased) and its runs. Every rule is off (keep forever) until
 * set; the API validates the numbers.
 */

const RULES = [
  ["webhook_delivery_log_days", "Webhook delivery log (days)"],
  ["channel_raw_days", "Raw body of channel notifications (days)"],
  ["usage_record_days", "Usage records (days)"],
  ["event_days", "Events (days, at least 7)"],
  ["anonymize_after_months", "Erase customers this many months after their last subscription ended"],
] as const;

type Rule = (typeof RULES)[number][0];

export const retentionPage: ConsolePage = {
  path: "settings/retention",
  nav: "Retention",
  permission: "privacy:read",
  async render({ api, can, csrf, href }) {
    const [policy, runs] = await Promise.all([
      api<RetentionPolicy>("GET", "/v1/retention-policy"),
      api<{ data: RetentionRun[] }>("GET", "/v1/retention-runs"),
    ]);
    if (!policy.ok) return { title: "Retention", body: <p class="error">{problemText(policy.body)}</p> };
    const p = policy.body;
    const value = (rule: Rule) => (p[rule] === null ? "" : String(p[rule]));
    return {
      title: "Retention",
      body: (
        <>
          <Section title="Policy" id="policy">
            {can("privacy:write") ? (
              <PostForm action={href("settings/retention/save")} csrf={csrf} class="stack">
                {RULES.map(([rule, label]) => (
                  <Field
                    label={label}
                    name={rule}
                    value={value(rule)}
                    inputmode="numeric"
                    pattern="[0-9]*"
                    hint="Empty keeps forever."
                  />
                ))}
                <button type="submit">Save the policy</button>
              </PostForm>
            ) : (
              <dl class="props">
                {RULES.map(([rule, label]) => (
                  <>
                    <dt>{label}</dt>
                    <dd>{value(rule) || "keep forever"}</dd>
                  </>
                ))}
              </dl>
            )}
            <p>
              Last changed <Time at={p.updated_at} />. A daily job applies it.
            </p>
          </Section>
          <Section title="Runs" id="runs">
            {can("privacy:write") ? (
              <PostForm action={href("settings/retention/run")} csrf={csrf}>
                <button type="submit" class="secondary">
                  Apply the policy now
                </button>
              </PostForm>
            ) : null}
            {runs.ok ? (
              <Table
                caption="The last runs, newest first: rows removed or anonymized per rule"
                head={["Ran", "Report"]}
                rows={runs.body.data.map((r) => [
                  <Time at={r.ran_at} />,
                  Object.entries(r.report)
                    .map(([rule, n]) => `${rule}: ${n}`)
                    .join(", ") || "nothing to do",
                ])}
                empty="The policy has not run yet."
              />
            ) : (
              <p class="error">{problemText(runs.body)}</p>
            )}
          </Section>
        </>
      ),
    };
  },
  actions: {
    save: {
      permission: "privacy:write",
      async handle({ api, href }, form) {
        const url = href("settings/retention");
        const body: Record<string, number | null> = {};
        for (const [rule, label] of RULES) {
          const raw = (form[rule] ?? "").trim();
          if (raw !== "" && !/^[0-9]{1,6}$/.test(raw)) {
            return { redirect: withMessage(url, "error", `${label}: a whole number, or empty to keep forever.`) };
          }
          body[rule] = raw === "" ? null : Number(raw);
        }
        return backTo(url, await api("PATCH", "/v1/retention-policy", body), "Retention policy saved");
      },
    },
    run: {
      permission: "privacy:write",
      async handle({ api, href }) {
        return backTo(href("settings/retention"), await api("POST", "/v1/retention-runs"), "Retention policy applied");
      },
    },
  },
};
