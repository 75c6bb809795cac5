import pino from "pino";
import { createApp } from "../src/app.js";
import type { Deps } from "../src/context.js";
import { connectDatabase } from "../src/db/connect.js";
import { ManualClock } from "../src/lib/clock.js";
import { SecretBox } from "../src/lib/crypto.js";
import { client } from "./harness.js";

/*
 * One consumer process of usage.processes.test.ts: its own app and its own connection to the
 * shared database, sending consuming checks through the HTTP API as soon as the parent says go.
 * Prints one JSON line: how many were allowed, refused, or failed.
 */

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const database = connectDatabase(
  env("QUOTA_DB_URL"),
  process.env.QUOTA_DB_SCHEMA ? { schema: process.env.QUOTA_DB_SCHEMA, poolSize: 2 } : {},
);
const deps: Deps = {
  db: database.db,
  dialect: database.dialect,
  clock: new ManualClock(env("QUOTA_AT")),
  logger: pino({ level: "silent" }),
  secrets: new SecretBox("test-master-key-test-master-key-0123456789"),
  baseUrl: "http://tessera.test",
};
const api = client(createApp(deps), env("QUOTA_KEY"), env("QUOTA_TN"));
const path = `/v1/customers/${env("QUOTA_CUSTOMER")}/entitlements/check`;
const tries = Number(env("QUOTA_TRIES"));

// Warm up (compile, connect) before the start line, so the processes really overlap.
await api("POST", path, { entitlement: env("QUOTA_ENTITLEMENT"), consume: false });
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));

let allowed = 0;
let refused = 0;
const errors: string[] = [];
for (let i = 0; i < tries; i++) {
  const res = await api("POST", path, { entitlement: env("QUOTA_ENTITLEMENT"), consume: true });
  if (res.status === 200 && res.body.allowed === true) allowed++;
  else if (res.status === 200 && res.body.code === "QUOTA_EXCEEDED") refused++;
  else errors.push(`${res.status} ${JSON.stringify(res.body)}`.slice(0, 300));
}
process.stdout.write(`${JSON.stringify({ allowed, refused, errors })}\n`);
await database.close();
process.exit(0);
