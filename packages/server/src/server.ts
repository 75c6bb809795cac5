import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { baseUrlOf, rateLimitsOf } from "./config.js";
import { withSystemAccess } from "./db/access.js";
import { unavailableCause } from "./db/errors.js";
import { type DemoTenant, ensureDemoTenant } from "./demo.js";
import { workerTuning } from "./jobs/settings.js";
import { consoleSetup } from "./modules/console/setup.js";
import { paymentProvidersOf } from "./modules/payments/providers/index.js";
import { webhookOptions } from "./modules/webhooks/service.js";
import { openRuntime, type Runtime } from "./runtime.js";

export interface RunningServer {
  url: string;
  /** Printed on a start with no platform admin: a one-time link that creates the first (the console). */
  setupUrl: string | undefined;
  runtime: Runtime;
  demo: DemoTenant | undefined;
  /**
   * Stops accepting connections and lets in-flight requests finish, while the worker stops; at
   * `deadlineMs` (default TESSERA_SHUTDOWN_TIMEOUT_MS) connections still open are cut. Then the
   * database is closed.
   */
  close(deadlineMs?: number): Promise<void>;
}

/** Opens the runtime, creates the demo tenant if asked, and listens. */
export async function startServer(env: Record<string, string | undefined> = process.env): Promise<RunningServer> {
  const runtime = await openRuntime({ env });
  const { config, logger } = runtime;
  const { app, services } = createApp(runtime.deps, {
    worker: workerTuning(config),
    webhooks: webhookOptions(config),
    rateLimits: rateLimitsOf(config),
    readyzTimeoutMs: config.TESSERA_READYZ_TIMEOUT_MS,
    providers: paymentProvidersOf(runtime.deps),
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = baseUrlOf(config, port);
  runtime.deps.baseUrl = url;
  // Creating (or finding) the demo tenant is administration: it spans tenants.
  const demo = config.TESSERA_DEMO_TENANT
    ? await withSystemAccess(() => ensureDemoTenant(services, runtime))
    : undefined;
  if (config.TESSERA_WORKER) {
    // The periodic fan-out sweep: events whose after-commit kick was lost (modules/events/fanout.ts).
    await withSystemAccess(() => services.events.scheduleSweep());
    // Signs every grown audit chain hourly (modules/audit), besides every 100 records.
    await withSystemAccess(() => services.audit.scheduleCheckpoints());
    // Applies each environment's retention policy daily (modules/privacy/retention.ts).
    await withSystemAccess(() => services.retention.scheduleSweep());
    // Finishes payments left pending with nobody to finish them (modules/billing/janitor.ts).
    await withSystemAccess(() => services.subscriptions.billing.janitor.scheduleSweep());
    // Finishes coupon claims a crash left between redemption and subscription (modules/campaigns/sweep.ts).
    await withSystemAccess(() => services.campaigns.scheduleSweep());
    // Re-fetches store subscriptions whose notifications went missing (modules/channels/repair.ts).
    await withSystemAccess(() => services.channels.scheduleRepairSweep());
    services.worker.start();
  }
  const setupUrl = await firstStartLink(runtime, services, url);
  logger.info({ url, database: runtime.database.description }, "tessera listening");
  return {
    url,
    setupUrl,
    runtime,
    demo,
    async close(deadlineMs = config.TESSERA_SHUTDOWN_TIMEOUT_MS) {
      // Running jobs get the grace, then go back to the queue for the next worker.
      await Promise.all([
        drainHttp(server as Server, deadlineMs, logger),
        services.worker.stop({ graceMs: config.TESSERA_WORKER_GRACE_MS }),
      ]);
      await runtime.database.close();
    },
  };
}

/**
 * The console's one-time link for the first platform admin. It writes a token, so a database that
 * cannot be written (read-only, full) must not keep the server from serving reads: it is logged,
 * and the next start with a writable database prints it.
 */
async function firstStartLink(runtime: Runtime, services: ReturnType<typeof createApp>["services"], url: string) {
  try {
    return await consoleSetup(runtime.deps, services.users).firstStartLink(url);
  } catch (error) {
    const cause = unavailableCause(error);
    if (!cause) throw error;
    runtime.logger.warn({ err: error, cause }, "cannot write the console's first-start link now");
    return undefined;
  }
}

/**
 * Closes the listener and waits for in-flight requests. A keep-alive connection whose request
 * ends after close() would otherwise stay open until its client hangs up: idle ones are closed as
 * they appear. At the deadline, whatever is still open is cut.
 */
async function drainHttp(server: Server, deadlineMs: number, logger: Runtime["logger"]): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), deadlineMs);
  });
  try {
    if ((await Promise.race([closed, deadline])) === "deadline") {
      logger.warn({ deadline_ms: deadlineMs }, "shutdown deadline reached; closing the connections still open");
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(idle);
    clearTimeout(timer);
  }
}
