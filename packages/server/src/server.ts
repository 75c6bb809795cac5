import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { baseUrlOf } from "./config.js";
import { type DemoTenant, ensureDemoTenant } from "./demo.js";
import { openRuntime, type Runtime } from "./runtime.js";

export interface RunningServer {
  url: string;
  runtime: Runtime;
  demo: DemoTenant | undefined;
  close(): Promise<void>;
}

/** Opens the runtime, creates the demo tenant if asked, and listens. */
export async function startServer(env: Record<string, string | undefined> = process.env): Promise<RunningServer> {
  const runtime = await openRuntime({ env });
  const { config, logger } = runtime;
  const { app, services } = createApp(runtime.deps, {
    workerPollMs: config.TESSERA_WORKER_POLL_MS,
    workerLockMs: config.TESSERA_WORKER_LOCK_MS,
    webhooks: { allowPrivateAddresses: config.TESSERA_WEBHOOKS_ALLOW_PRIVATE },
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = baseUrlOf(config, port);
  runtime.deps.baseUrl = url;
  const demo = config.TESSERA_DEMO_TENANT ? await ensureDemoTenant(services, runtime) : undefined;
  if (config.TESSERA_WORKER) {
    // The periodic fan-out sweep: events whose after-commit kick was lost (modules/events/fanout.ts).
    await services.events.scheduleSweep();
    // Signs every grown audit chain hourly (modules/audit), besides every 100 records.
    await services.audit.scheduleCheckpoints();
    services.worker.start();
  }
  logger.info({ url, database: runtime.database.description }, "tessera listening");
  return {
    url,
    runtime,
    demo,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.worker.stop();
      await runtime.database.close();
    },
  };
}
