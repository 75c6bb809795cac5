#!/usr/bin/env node
import { type Actor, CreateTenant, Password, PLATFORM_ROLES } from "@tessera/core";
import { Command, Option } from "commander";
import { z } from "zod";
import { ConfigError } from "./config.js";
import { withSystemAccess } from "./db/access.js";
import { workerTuning } from "./jobs/settings.js";
import { createLogger } from "./logger.js";
import { PLATFORM_CHAIN } from "./modules/audit/index.js";
import { APP_STORE_EVENTS, PLAY_EVENTS, simulateAppStore, simulatePlayStore } from "./modules/channels/simulate.js";
import { registerVendorSimulators } from "./modules/channels/simulate-cli.js";
import { paymentProvidersOf } from "./modules/payments/providers/index.js";
import { provisionTenant } from "./modules/tenancy/provision.js";
import { webhookOptions } from "./modules/webhooks/service.js";
import { migrate, openRuntime } from "./runtime.js";
import { startServer } from "./server.js";
import { createServices } from "./services.js";

/** Flags win over environment variables; both go through the same validated config. */
function envWith(flags: Record<string, string | number | boolean | undefined>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(flags)) if (value !== undefined) env[name] = String(value);
  return env;
}

const dbOption = () =>
  new Option("--database-url <url>", "sqlite:<path>, sqlite::memory: or postgres://… (DATABASE_URL)");
const logOption = () => new Option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (LOG_LEVEL)");

/** Commands that only need the database: quiet logs unless asked, migrate first. */
async function withServices<T>(
  opts: { databaseUrl?: string; logLevel?: string },
  run: (s: ReturnType<typeof createServices>) => Promise<T>,
) {
  const env = envWith({ DATABASE_URL: opts.databaseUrl, LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? "warn" });
  const runtime = await openRuntime({
    env,
    migrate: true,
    logger: createLogger(env.LOG_LEVEL ?? "warn", process.stderr),
  });
  try {
    // Administration from the command line (tenants, platform keys) spans tenants.
    return await withSystemAccess(() =>
      run(createServices(runtime.deps, { providers: paymentProvidersOf(runtime.deps) })),
    );
  } finally {
    await runtime.database.close();
  }
}

/** How long after TESSERA_SHUTDOWN_TIMEOUT_MS a shutdown stuck past the HTTP drain is abandoned. */
const SHUTDOWN_LAST_RESORT_MS = 5000;

const program = new Command("tessera").description("Tessera subscription orchestration server").version("0.1.0");

program
  .command("serve")
  .description("Start the HTTP API (runs migrations first unless --no-migrate)")
  .option("-p, --port <port>", "port to listen on (PORT, default 3000)")
  .option("--host <host>", "address to bind (HOST, default 127.0.0.1)")
  .addOption(dbOption())
  .addOption(logOption())
  .option("--base-url <url>", "public URL of this server, used in links (TESSERA_BASE_URL)")
  .option("--master-key-file <path>", "file holding the master key (TESSERA_MASTER_KEY_FILE)")
  .option("--no-migrate", "do not run migrations on start (TESSERA_MIGRATE_ON_START=false)")
  .option("--no-demo", "do not create the demo tenant on first start (TESSERA_DEMO_TENANT=false)")
  .option("--no-worker", "run no background jobs here; use `tessera worker` (TESSERA_WORKER=false)")
  .action(async (opts) => {
    const server = await startServer(
      envWith({
        PORT: opts.port,
        HOST: opts.host,
        DATABASE_URL: opts.databaseUrl,
        LOG_LEVEL: opts.logLevel,
        TESSERA_BASE_URL: opts.baseUrl,
        TESSERA_MASTER_KEY_FILE: opts.masterKeyFile,
        TESSERA_MIGRATE_ON_START: opts.migrate === false ? "false" : undefined,
        TESSERA_DEMO_TENANT: opts.demo === false ? "false" : undefined,
        TESSERA_WORKER: opts.worker === false ? "false" : undefined,
      }),
    );
    printBanner(server);
    let stopping = false;
    const stop = async (signal: string) => {
      // A second signal while draining means "now".
      if (stopping) process.exit(1);
      stopping = true;
      server.runtime.logger.info({ signal }, "shutting down");
      // In-flight requests get until the deadline, then their connections are cut (server.close);
      // this is the last resort should stopping the worker or closing the database hang.
      const deadline = server.runtime.config.TESSERA_SHUTDOWN_TIMEOUT_MS;
      setTimeout(() => {
        server.runtime.logger.error("shutdown did not finish after the deadline; exiting");
        process.exit(1);
      }, deadline + SHUTDOWN_LAST_RESORT_MS).unref();
      try {
        await server.close(deadline);
      } catch (error) {
        server.runtime.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      }
      server.runtime.logger.info("stopped");
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  });

program
  .command("worker")
  .description("Run the background job worker only (renewals, retries, webhook deliveries); run any number of them")
  .addOption(dbOption())
  .addOption(logOption())
  .option("--poll-ms <ms>", "how often to look for due jobs (TESSERA_WORKER_POLL_MS)")
  .option("--concurrency <n>", "jobs run at once (TESSERA_WORKER_CONCURRENCY)")
  .option("--lease-ms <ms>", "how soon another worker takes over if this one dies (TESSERA_WORKER_LEASE_MS)")
  .option("--lock-ms <ms>", "deprecated name of --lease-ms (TESSERA_WORKER_LOCK_MS)")
  .option("--grace-ms <ms>", "on SIGTERM, how long running jobs may finish (TESSERA_WORKER_GRACE_MS)")
  .option("--shutdown-ms <ms>", "on SIGTERM, the latest this process exits (TESSERA_WORKER_SHUTDOWN_MS)")
  .action(async (opts) => {
    const env = envWith({
      DATABASE_URL: opts.databaseUrl,
      LOG_LEVEL: opts.logLevel,
      TESSERA_WORKER_POLL_MS: opts.pollMs,
      TESSERA_WORKER_CONCURRENCY: opts.concurrency,
      TESSERA_WORKER_LEASE_MS: opts.leaseMs,
      TESSERA_WORKER_LOCK_MS: opts.lockMs,
      TESSERA_WORKER_GRACE_MS: opts.graceMs,
      TESSERA_WORKER_SHUTDOWN_MS: opts.shutdownMs,
    });
    const runtime = await openRuntime({ env });
    const { config, logger } = runtime;
    const { worker, events, audit, retention, subscriptions, channels, campaigns } = createServices(runtime.deps, {
      worker: workerTuning(config),
      webhooks: webhookOptions(config),
      providers: paymentProvidersOf(runtime.deps),
    });
    // Periodic jobs of the whole installation (no tenant): system access on Postgres.
    await withSystemAccess(async () => {
      await events.scheduleSweep();
      await audit.scheduleCheckpoints();
      await retention.scheduleSweep();
      await subscriptions.billing.janitor.scheduleSweep();
      await campaigns.scheduleSweep();
      await channels.scheduleRepairSweep();
    });
    worker.start();
    // The worker's timers are unref'd (so they never hold `serve` open); here it is the whole
    // process, which must stay up until a signal.
    const keepAlive = setInterval(() => {}, 60_000);
    let stopping = false;
    const stop = async (signal: string) => {
      // A second signal means "now": claims not released yet expire with their lease.
      if (stopping) process.exit(1);
      stopping = true;
      logger.info({ signal }, "worker shutting down");
      setTimeout(() => {
        logger.warn("worker shutdown deadline passed; exiting (unreleased jobs return after their lease)");
        process.exit(1);
      }, config.TESSERA_WORKER_SHUTDOWN_MS).unref();
      clearInterval(keepAlive);
      // Unstarted claims go back at once; running jobs get the grace (within the deadline), then go back too.
      const graceMs = Math.min(config.TESSERA_WORKER_GRACE_MS, Math.max(0, config.TESSERA_WORKER_SHUTDOWN_MS - 2_000));
      const { released } = await worker.stop({ graceMs });
      await runtime.database.close();
      logger.info({ released }, "worker stopped");
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  });

program
  .command("migrate")
  .description("Apply pending database migrations and exit")
  .addOption(dbOption())
  .addOption(logOption())
  .action(async (opts) => {
    const env = envWith({ DATABASE_URL: opts.databaseUrl, LOG_LEVEL: opts.logLevel });
    const runtime = await openRuntime({
      env,
      migrate: false,
      logger: createLogger(opts.logLevel ?? "info", process.stderr),
    });
    try {
      const { applied } = await migrate(runtime.database, runtime.config, runtime.logger);
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "the database is up to date");
    } finally {
      await runtime.database.close();
    }
  });

const platformKey = program
  .command("platform-key")
  .description("Platform administration keys (manage tenants over /v1/tenants)");
platformKey
  .command("create")
  .option("--name <name>", "a label for the key")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const key = await withServices(opts, (s) => s.auth.createPlatformKey(opts.name));
    if (opts.json) console.log(JSON.stringify(key, null, 2));
    else console.log(`Platform key ${key.id} (shown once):\n${key.secret}`);
  });

platformKey
  .command("list")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const keys = await withServices(opts, (s) => s.auth.listPlatformKeys());
    if (opts.json) console.log(JSON.stringify(keys, null, 2));
    else
      for (const k of keys)
        console.log(`${k.id}  ${k.prefix}…  ${k.revoked_at ? `revoked ${k.revoked_at}` : "active"}  ${k.name ?? ""}`);
  });
platformKey
  .command("revoke <id>")
  .description("Revoke a platform key, effective immediately")
  .addOption(dbOption())
  .action(async (id: string, opts) => {
    const revoked = await withServices(opts, (s) => s.auth.revokePlatformKey(id));
    if (!revoked) {
      console.error(`no active platform key ${id}`);
      process.exitCode = 1;
    } else console.log(`revoked ${id}`);
  });

const user = program.command("user").description("People who sign in (platform operators and tenant staff)");
user
  .command("create-admin")
  .description("Create a platform admin who signs in with a password (the first one, or another)")
  .requiredOption("--email <email>", "their email")
  .option("--name <name>", "their name")
  .option("--password-env <variable>", "read the password from this environment variable", "TESSERA_ADMIN_PASSWORD")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const password = process.env[opts.passwordEnv];
    const valid = Password.safeParse(password);
    if (!valid.success) {
      console.error(`set ${opts.passwordEnv} to the password (${valid.error.issues[0]?.message})`);
      process.exit(2);
    }
    const created = await withServices(opts, (s) =>
      s.users.createUser({ email: opts.email, name: opts.name, password: valid.data, platformRole: "platform_admin" }),
    );
    if (opts.json) console.log(JSON.stringify(created, null, 2));
    else console.log(`platform admin ${created.id} <${created.email}>: sign in with POST /v1/auth/login`);
  });
user
  .command("invite-admin")
  .description("A one-time invitation token for a platform admin (accept with POST /v1/auth/invitations/accept)")
  .requiredOption("--email <email>", "their email")
  .option("--role <role>", "platform_admin or platform_support", "platform_admin")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const role = z.enum(PLATFORM_ROLES).safeParse(opts.role);
    if (!role.success) {
      console.error(`--role must be one of ${PLATFORM_ROLES.join(", ")}`);
      process.exit(2);
    }
    const invitation = await withServices(opts, (s) =>
      s.users.invitePlatformUser({ email: opts.email, role: role.data }),
    );
    if (opts.json) console.log(JSON.stringify(invitation, null, 2));
    else
      console.log(
        `invitation for ${invitation.email}, valid until ${invitation.expires_at} (shown once):\n${invitation.token}`,
      );
  });
user
  .command("rotate-session-key")
  .description("Sign access tokens with a new key; tokens signed by the old one stay valid until they expire")
  .addOption(dbOption())
  .action(async (opts) => {
    console.log(`signing with ${await withServices(opts, (s) => s.users.rotateSigningKey())}`);
  });

const tenant = program.command("tenant").description("Tenants");
tenant
  .command("create <slug>")
  .description("Create a tenant with its environments and one API key per environment")
  .option("--name <name>", "display name (default: the slug)")
  .option("--env <names...>", "environments (default: development staging production)")
  .option("--json", "print the tenant and its keys as JSON")
  .addOption(dbOption())
  .action(async (slug: string, opts) => {
    // The same schema as POST /v1/tenants: a slug the API would refuse is refused here too.
    const input = CreateTenant.safeParse({
      slug,
      name: opts.name ?? slug,
      ...(opts.env ? { environments: opts.env } : {}),
    });
    if (!input.success) {
      throw new Error(
        `invalid tenant:\n${input.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
      );
    }
    const created = await withServices(opts, (s) => provisionTenant(s, input.data, cliActor("tenant create")));
    if (opts.json) {
      console.log(JSON.stringify(created, null, 2));
      return;
    }
    console.log(`Tenant ${created.slug} (${created.id}). API keys, shown once:`);
    for (const key of created.api_keys) console.log(`  ${key.environment.padEnd(12)} ${key.secret}`);
  });
tenant
  .command("list")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const page = await withServices(opts, (s) => s.tenancy.list({ limit: 100 }));
    if (opts.json) console.log(JSON.stringify(page.data, null, 2));
    else
      for (const t of page.data)
        console.log(`${t.id}  ${t.slug.padEnd(20)} ${t.environments.map((e) => e.name).join(", ")}`);
  });

/** The scope of `--tenant` (slug or id) and `--env`, for commands that act in one environment. */
async function environmentScope(s: ReturnType<typeof createServices>, tenantRef: string, envName: string) {
  const tenantRow = await s.tenancy.find(tenantRef);
  if (!tenantRow) throw new Error(`no tenant "${tenantRef}"`);
  const env = await s.tenancy.findEnvironment(tenantRow.id, envName);
  const scope = env ? await s.tenancy.scopeForEnvironment(env.id) : undefined;
  if (!scope) throw new Error(`tenant "${tenantRow.slug}" has no environment "${envName}"`);
  return { ...scope, actor: cliActor(process.argv.slice(2, 4).join(" ")) };
}

/** Who changes things from the command line, as events and the audit trail record it. */
function cliActor(command: string): Actor {
  return { type: "system", id: "cli", label: `tessera ${command}` };
}

const keys = program.command("keys").description("Entitlement-token signing keys (one set per tenant and environment)");
keys
  .command("rotate")
  .description(
    "Make a new signing key: published at once, signing after the lead time (TESSERA_KEY_ROTATION_LEAD_SECONDS); the old one signs until then and stays published until its tokens expire",
  )
  .requiredOption("--tenant <slug>", "tenant slug or id")
  .requiredOption("--env <name>", "environment, e.g. production")
  .addOption(
    new Option("--alg <alg>", "signature algorithm (default: the current key's, else EdDSA)").choices([
      "EdDSA",
      "ES256",
    ]),
  )
  .option(
    "--activate-after <seconds>",
    "seconds the new key is published before it signs (default TESSERA_KEY_ROTATION_LEAD_SECONDS; 0 only for a compromised key)",
  )
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const lead = opts.activateAfter === undefined ? undefined : Number(opts.activateAfter);
    if (lead !== undefined && !(Number.isInteger(lead) && lead >= 0 && lead <= 86_400)) {
      throw new Error("--activate-after must be a whole number of seconds, 0–86400");
    }
    const result = await withServices(opts, async (s) =>
      s.entitlements.rotateSigningKey(await environmentScope(s, opts.tenant, opts.env), opts.alg, lead),
    );
    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(
        `New signing key ${result.key.id} (${result.key.alg}) is published; it signs from ${result.key.activates_at ?? "now"}.`,
      );
      for (const k of result.previous.filter((p) => p.status === "retiring"))
        console.log(`  ${k.id} stays published until ${k.retires_at}`);
    }
  });
keys
  .command("list")
  .requiredOption("--tenant <slug>", "tenant slug or id")
  .requiredOption("--env <name>", "environment, e.g. production")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const list = await withServices(opts, async (s) =>
      s.entitlements.listSigningKeys(await environmentScope(s, opts.tenant, opts.env)),
    );
    if (opts.json) console.log(JSON.stringify(list, null, 2));
    else for (const k of list) console.log(`${k.id}  ${k.alg.padEnd(6)} ${k.status.padEnd(9)} ${k.retires_at ?? ""}`);
  });

const auditCommand = program.command("audit").description("The tamper-evident audit trail (docs/security.md)");
auditCommand
  .command("verify")
  .description("Check every tenant's hash chain and signed checkpoints; exits 1 naming the first bad record")
  .option("--tenant <slug>", "one tenant (slug or id), or `platform` for the platform's own chain")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .action(async (opts) => {
    const reports = await withServices(opts, async (s) => {
      if (!opts.tenant) return s.audit.verify();
      if (opts.tenant === PLATFORM_CHAIN) return s.audit.verify(PLATFORM_CHAIN);
      const found = await s.tenancy.find(opts.tenant);
      if (!found) throw new Error(`no tenant "${opts.tenant}"`);
      return s.audit.verify(found.id);
    });
    const bad = reports.filter((r) => !r.ok);
    if (opts.json) console.log(JSON.stringify({ ok: bad.length === 0, tenants: reports }, null, 2));
    else {
      for (const r of reports) {
        const status = r.ok ? "ok" : `TAMPERED: ${r.first_problem?.message}`;
        console.log(`${r.tenant_id}  ${r.records} records, ${r.checkpoints} checkpoints  ${status}`);
        for (const p of r.problems.slice(1)) console.log(`    also at seq ${p.seq}: ${p.message}`);
      }
    }
    if (bad.length) process.exitCode = 1;
  });
auditCommand
  .command("checkpoint")
  .description("Sign the head of every chain that grew since its last checkpoint (the worker does it hourly)")
  .addOption(dbOption())
  .action(async (opts) => {
    const signed = await withServices(opts, (s) => s.audit.checkpointAll());
    console.log(`signed ${signed} checkpoint${signed === 1 ? "" : "s"}`);
  });

function printBanner(server: Awaited<ReturnType<typeof startServer>>) {
  const lines = [
    "",
    `Tessera is running at ${server.url}`,
    `  API reference: ${server.url}/docs   (OpenAPI: ${server.url}/openapi.json)`,
    `  Database:      ${server.runtime.database.description}`,
    `  Console:       ${server.url}/console`,
  ];
  if (server.setupUrl) {
    lines.push(
      "",
      "  No platform admin yet. Open this one-time link (valid 24 hours) to create the first:",
      `    ${server.setupUrl}`,
    );
  }
  const demo = server.demo;
  if (demo) {
    lines.push(`  Demo tenant:   ${demo.tenant.slug} (${demo.tenant.id})${demo.created ? " — created now" : ""}`);
    for (const [env, secret] of Object.entries(demo.keys)) lines.push(`    ${env.padEnd(12)} ${secret}`);
    if (demo.keysFile) lines.push(`  Keys saved in ${demo.keysFile}`);
    const dev = demo.keys.development;
    if (dev) {
      lines.push(
        "",
        "  Try it:",
        `    curl -H 'authorization: Bearer ${dev}' -H 'x-tn: ${demo.tenant.slug}' ${server.url}/v1/entitlements`,
      );
    }
  }
  console.error(`${lines.join("\n")}\n`);
}

const simulate = program
  .command("simulate")
  .description("Drive a store subscription on a development environment without a store account (docs/channels.md)");
for (const [name, events] of [
  ["app-store", APP_STORE_EVENTS],
  ["play-store", PLAY_EVENTS],
] as const) {
  simulate
    .command(`${name} <event>`)
    .description(`Send a ${name} notification: ${Object.keys(events).join(", ")}`)
    .requiredOption("--tenant <slug>", "tenant slug or id")
    .requiredOption("--storefront <id>", "storefront id or key")
    .option("--env <name>", "a development environment (never production)", "development")
    .requiredOption("--subscription <id>", "the vendor's subscription id (originalTransactionId / purchase token)")
    .option("--product <id>", "the vendor product id, as mapped in the storefront's product map", "gold")
    .option("--customer <ref>", "our customer id or external id (appAccountToken / obfuscatedExternalAccountId)")
    .option("--server <url>", "send over HTTP to this running server (app-store only); else received here")
    .option("--json", "print JSON")
    .addOption(dbOption())
    .action(async (event: string, opts) => {
      if (!Object.hasOwn(events, event))
        throw new Error(`unknown ${name} event "${event}": ${Object.keys(events).join(", ")}`);
      if (opts.server && name === "play-store") throw new Error("play-store simulations run in-process (no --server)");
      const result = await withServices(opts, async (s) => {
        const scope = await environmentScope(s, opts.tenant, opts.env);
        const run = name === "app-store" ? simulateAppStore : simulatePlayStore;
        return run(s, scope, event as never, {
          storefront: opts.storefront,
          subscription: opts.subscription,
          product: opts.product,
          customer: opts.customer,
          server: opts.server,
        });
      });
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(`${name} ${event}: ${result.vendor_event_id} delivered ${result.delivered}`);
        if (result.subscription) console.log(`subscription ${result.subscription.id} is ${result.subscription.status}`);
      }
    });
}
// PayPal and telecom: signed with keys the development storefront trusts, posted to a running server.
registerVendorSimulators(simulate);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
