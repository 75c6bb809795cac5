/** Human-readable rendering of a decoded token for `tessera-token inspect`. Pure: returns text. */

const TIME_CLAIMS = new Set(["iat", "nbf", "exp"]);

/** "in 14 minutes" / "3 hours ago": the largest unit that fits, rounded down. */
export function relative(seconds: number, now: number): string {
  const delta = seconds - now;
  if (delta === 0) return "now";
  const abs = Math.abs(delta);
  const units: Array<[string, number]> = [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
    ["second", 1],
  ];
  const [unit, size] = units.find(([, s]) => abs >= s) ?? ["second", 1];
  const n = Math.floor(abs / size);
  const text = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function table(rows: Array<[string, string]>, indent = "  "): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join("\n");
}

function describeEntitlement(value: unknown, now: number): [string, string] {
  if (value === true) return ["flag", "granted"];
  if (typeof value !== "object" || value === null) return ["?", JSON.stringify(value)];
  const v = value as Record<string, unknown>;
  if ("level" in v) {
    const levels = Array.isArray(v.levels) ? ` of ${(v.levels as string[]).join(" < ")}` : "";
    return ["tier", `${String(v.level)} (rank ${String(v.rank)}${levels})`];
  }
  if ("limit" in v) {
    const resets =
      typeof v.resets_at === "number" ? `, resets ${isoSeconds(v.resets_at)} (${relative(v.resets_at, now)})` : "";
    return [
      "quota",
      `${String(v.remaining)} of ${String(v.limit)} left (${String(v.used)} used) per ${String(v.period)}${resets}`,
    ];
  }
  if ("ids" in v && Array.isArray(v.ids)) return ["content", v.ids.length ? v.ids.join(", ") : "(none)"];
  return ["?", JSON.stringify(value)];
}

/** The whole inspection report. `now` is in seconds. */
export function formatToken(
  decoded: { header: Record<string, unknown>; payload: Record<string, unknown> },
  now: number,
): string {
  const { header, payload } = decoded;
  const out: string[] = [];
  out.push("Header", table(Object.entries(header).map(([k, v]) => [k, String(v)])));

  const claims = Object.entries(payload)
    .filter(([k]) => k !== "ent" && k !== "subs")
    .map(([k, v]): [string, string] => {
      if (TIME_CLAIMS.has(k) && typeof v === "number") return [k, `${isoSeconds(v)} (${relative(v, now)})`];
      return [k, typeof v === "string" ? v : JSON.stringify(v)];
    });
  out.push("", "Claims", table(claims));

  const exp = payload.exp;
  if (typeof exp === "number") {
    out.push("", exp > now ? `Status: expires ${relative(exp, now)}` : `Status: EXPIRED ${relative(exp, now)}`);
  }

  const ent = payload.ent;
  if (typeof ent === "object" && ent !== null) {
    const rows = Object.entries(ent).map(([key, value]): [string, string] => {
      const [kind, text] = describeEntitlement(value, now);
      return [key, `${kind.padEnd(7)}  ${text}`];
    });
    out.push("", "Entitlements", rows.length ? table(rows) : "  (none)");
  }

  const subs = payload.subs;
  if (Array.isArray(subs)) {
    const rows = subs.map((s: Record<string, unknown>): [string, string] => {
      const end = typeof s.current_period_end === "number" ? s.current_period_end : undefined;
      const period = end === undefined ? "" : `  period ends ${isoSeconds(end)} (${relative(end, now)})`;
      return [String(s.id), `${String(s.bundle)}  ${String(s.status)}${period}`];
    });
    out.push("", "Subscriptions", rows.length ? table(rows) : "  (none)");
  }
  return out.join("\n");
}
