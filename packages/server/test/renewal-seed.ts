import { addInterval } from "@tessera/core";
import SQLite from "better-sqlite3";
import pino from "pino";
import { createApp } from "../src/app.js";
import type { Deps } from "../src/context.js";
import { connectDatabase } from "../src/db/connect.js";
import { migrateToLatest } from "../src/db/migrate.js";
import type { CustomerRow, JobRow, SubscriptionRow } from "../src/db/types.js";
import { systemClock } from "../src/lib/clock.js";
import { SecretBox } from "../src/lib/crypto.js";
import { newId } from "../src/lib/ids.js";
import { fromJson, toJson } from "../src/lib/json.js";
import { SANDBOX_HANG_TOKEN } from "../src/modules/payments/providers/sandbox.js";
import { provisionTenant } from "../src/modules/tenancy/provision.js";
import { billingCatalog, subscribe } from "./billing-setup.js";
import { client } from "./harness.js";

/*
 * Many subscriptions whose renewal is due, for the crash test and the renewals benchmark. One
 * subscription is made through the API (so its rows are exactly what the service writes); the
 * rest are copies of its customer, subscription and renewal-job rows with fresh ids. The
 * environment's test clock is then moved past the period end without running anything, so the
 * next worker to start finds every renewal due.
 */

export const SEED_MASTER_KEY = "seed-master-key-seed-master-key-0123456789";
export const SEED_START = "2026-01-15T00:00:00.000Z";

export interface SeededRenewals {
  environmentId: string;
  subscriptionIds: string[];
  /** The renewed period's key prefix per subscription is `<id>:p2:`. */
  renewedPeriod: number;
  /** With `hangAt`: the subscription whose renewal charge never answers (`pm_sandbox_hang`). */
  hangingSubscriptionId?: string;
}

const BATCH = 300;

/**
 * `hangAt: n` gives the subscription of the n-th renewal job in claim order (run_at, id; 0-based)
 * the `pm_sandbox_hang` payment method: a worker charges it and then waits forever for the answer,
 * so a test knows exactly which charge is in flight when it kills that worker.
 */
export async function seedDueRenewals(
  url: string,
  count: number,
  options: {
    hangAt?: number;
    /** The storefront's PSPs (default: the sandbox), and the payment method the subscriptions use. */
    providers?: NonNullable<Parameters<typeof billingCatalog>[1]>["providers"];
    paymentMethod?: string;
  } = {},
): Promise<SeededRenewals> {
  // Seeding spans tenants (a new tenant, then bulk rows): system access on Postgres.
  const database = connectDatabase(url, { fallbackAccess: { kind: "system" } });
  try {
    await migrateToLatest(database.db);
    const deps: Deps = {
      db: database.db,
      dialect: database.dialect,
      clock: systemClock,
      logger: pino({ level: "silent" }),
      secrets: new SecretBox(SEED_MASTER_KEY),
      baseUrl: "http://seed.test",
    };
    const { app, services } = createApp(deps);
    const tenant = await provisionTenant(services, {
      slug: `renewals-${newId("job").slice(-6).toLowerCase()}`,
      name: "Renewals",
    });
    const env = tenant.environments.find((e) => e.name === "development")!;
    const key = tenant.api_keys.find((k) => k.environment === "development")!.secret;
    await services.tenancy.setTestClock(env.id, SEED_START);
    const api = client({ app }, key, tenant.slug);
    const catalog = await billingCatalog(api, options.providers ? { providers: options.providers } : {});
    const template = await subscribe(
      api,
      catalog,
      options.paymentMethod ? { payment_method: options.paymentMethod } : {},
    );

    const db = database.db;
    const sub = await db
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", template.id)
      .executeTakeFirstOrThrow();
    const customer = await db
      .selectFrom("customers")
      .selectAll()
      .where("id", "=", sub.customer_id)
      .executeTakeFirstOrThrow();
    const job = await db
      .selectFrom("jobs")
      .selectAll()
      .where("type", "=", "subscription.period_end")
      .where("payload", "like", `%${sub.id}%`)
      .executeTakeFirstOrThrow();
    const ids = [sub.id];
    for (let done = 1; done < count; done += BATCH) {
      const n = Math.min(BATCH, count - done);
      const customers: CustomerRow[] = [];
      const subs: SubscriptionRow[] = [];
      const jobs: JobRow[] = [];
      for (let i = 0; i < n; i++) {
        const c: CustomerRow = { ...customer, id: newId("customer"), external_id: `seed-${done + i}` };
        const s: SubscriptionRow = { ...sub, id: newId("subscription"), customer_id: c.id, latest_payment_id: null };
        const payload = { ...fromJson<Record<string, unknown>>(job.payload, {}), subscription: s.id };
        customers.push(c);
        subs.push(s);
        jobs.push({
          ...job,
          id: newId("job"),
          payload: toJson(payload),
          dedupe_key: job.dedupe_key!.replace(sub.id, s.id),
        });
        ids.push(s.id);
      }
      await db.transaction().execute(async (tx) => {
        await tx.insertInto("customers").values(customers).execute();
        await tx.insertInto("subscriptions").values(subs).execute();
        await tx.insertInto("jobs").values(jobs).execute();
      });
    }
    let hangingSubscriptionId: string | undefined;
    if (options.hangAt !== undefined) {
      const nth = await db
        .selectFrom("jobs")
        .select("payload")
        .where("type", "=", "subscription.period_end")
        .where("environment_id", "=", env.id)
        .orderBy("run_at")
        .orderBy("id")
        .offset(options.hangAt)
        .limit(1)
        .executeTakeFirstOrThrow();
      hangingSubscriptionId = fromJson<{ subscription: string }>(nth.payload, { subscription: "" }).subscription;
      await db
        .updateTable("subscriptions")
        .set({ payment_method: SANDBOX_HANG_TOKEN })
        .where("id", "=", hangingSubscriptionId)
        .execute();
    }
    // Past the first period's end, before the second's: every first renewal is due, nothing more.
    const due = new Date(addInterval(new Date(sub.current_period_end), "day", 1));
    await services.tenancy.setTestClock(env.id, due.toISOString());
    return {
      environmentId: env.id,
      subscriptionIds: ids,
      renewedPeriod: 2,
      ...(hangingSubscriptionId ? { hangingSubscriptionId } : {}),
    };
  } finally {
    await database.close();
  }
}

/**
 * The benchmark's baseline: the same number of rows inserted raw into a table as wide as
 * `subscriptions`, one prepared statement in one transaction, on the same kind of file.
 */
export function rawInsertBaseline(path: string, rows: number): number {
  const db = new SQLite(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const columns = Array.from({ length: 20 }, (_, i) => `c${i} text`).join(", ");
  db.exec(`create table if not exists baseline (id text primary key, ${columns})`);
  const insert = db.prepare(`insert into baseline values (?, ${Array.from({ length: 20 }, () => "?").join(", ")})`);
  const value = "2026-02-15T00:00:00.000Z";
  const started = performance.now();
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`row_${i}`, ...Array.from({ length: 20 }, () => value));
  })();
  const ms = performance.now() - started;
  db.close();
  return ms;
}
