import { existsSync, readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { type Receiver, startReceiver } from "../../../test/webhook-receiver.js";
import { randomSecret } from "../../lib/crypto.js";

/**
 * Crypto-shredding: after erasure the customer's email and name are nowhere in the database — not
 * in the customer row, not in the immutable events (sealed with the destroyed key), not in webhook
 * delivery logs, not in stored idempotent replays — down to the raw bytes of the SQLite files.
 */
describe("erasing a customer's personal data", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let rx: Receiver;
  const email = `erase-${randomSecret(9)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x")}@example.com`;
  const name = `Name${randomSecret(9).replace(/[^A-Za-z0-9]/g, "x")}`;
  const external = `ext-${randomSecret(9).replace(/[^A-Za-z0-9]/g, "x")}`;

  beforeAll(async () => {
    ctx = await createTestApp({}, { webhooks: { allowPrivateAddresses: true } });
    acme = await createTestTenant(ctx);
    // A receiver that echoes what it was sent: its answers are kept in the delivery log.
    rx = await startReceiver((r) => ({ status: 200, body: r.body }));
    await acme.api("POST", "/v1/webhook-endpoints", { url: rx.url, enabled_events: ["customer.*"] });
    await acme.api("POST", "/v1/storefronts", { key: "web", name: "Web", type: "web" });
  });
  afterAll(async () => {
    await rx.close();
    await ctx.close();
  });

  /** Every value of every table of the database, as text. */
  async function dumpAllTables(): Promise<string> {
    const db = ctx.deps.db;
    const tables =
      ctx.deps.dialect === "postgres"
        ? (
            await sql<{ name: string }>`
              select table_name as name from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
          ).rows
        : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows;
    let out = "";
    for (const { name: table } of tables) {
      const rows = await sql`select * from ${sql.table(table)}`.execute(db);
      out += `${table}\n${JSON.stringify(rows.rows)}\n`;
    }
    return out;
  }

  /** The raw bytes of the SQLite database and its WAL. */
  function sqliteBytes(): Buffer {
    const file = ctx.database.description.slice("sqlite:".length);
    return Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  }

  it("leaves no trace of the email and name after erasure, on disk and in every table", async () => {
    const body = { storefront: "web", external_id: external, email, name };
    const made = await acme.api("POST", "/v1/customers", body, { "idempotency-key": "erase-me" });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    const replay = await acme.api("POST", "/v1/customers", body, { "idempotency-key": "erase-me" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.email).toBe(email);
    await acme.api("PATCH", `/v1/customers/${id}`, { name: `${name} Jr`, country: "DE" }, { "idempotency-key": "p1" });
    await ctx.services.worker.drain();

    // Delivered in full to the receiver (in transit, not kept in the clear)…
    expect(rx.received.length).toBeGreaterThanOrEqual(2);
    expect(rx.received.every((r) => r.body.includes(email))).toBe(true);
    const events = (await acme.api("GET", `/v1/events?object_id=${id}`)).body.data;
    expect(events.map((e: { data: { object: { email: string } } }) => e.data.object.email)).toEqual([email, email]);
    // …and before erasure it is in the database (the customer row, the echoing receiver's answers),
    // but the immutable events hold it only sealed.
    const before = await dumpAllTables();
    expect(before).toContain(email);
    const eventRows = await ctx.deps.db.selectFrom("events").select("data").where("object_id", "=", id).execute();
    expect(eventRows).toHaveLength(2);
    for (const row of eventRows) {
      expect(row.data).not.toContain(email);
      expect(row.data).not.toContain(name);
    }

    const erased = await acme.api("POST", `/v1/customers/${id}/privacy/erase`, {});
    expect(erased.status).toBe(200);

    const after = await dumpAllTables();
    for (const needle of [email, name, external]) expect(after).not.toContain(needle);
    if (ctx.deps.dialect === "sqlite") {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(ctx.deps.db);
      const bytes = sqliteBytes();
      expect(bytes.length).toBeGreaterThan(0);
      for (const needle of [email, name, external]) expect(bytes.includes(Buffer.from(needle)), needle).toBe(false);
    }

    // The API shows what is left: the customer by id, its events with the personal fields erased.
    const customer = (await acme.api("GET", `/v1/customers/${id}`)).body;
    expect(customer).toMatchObject({ id, email: null, name: null, country: null, metadata: {} });
    const shredded = (await acme.api("GET", `/v1/events?object_id=${id}`)).body.data;
    expect(shredded).toHaveLength(2);
    for (const e of shredded) expect(e.data.object).toMatchObject({ id, email: null, name: null, external_id: null });
    // A replay of the create can no longer hand the email back.
    const again = await acme.api("POST", "/v1/customers", body, { "idempotency-key": "erase-me" });
    expect(again.headers.get("idempotent-replayed")).toBeNull();
  });
});
