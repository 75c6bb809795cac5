import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { baseUrlOf } from "./config.js";
import { type DemoTenant, ensureDemoTenant } from "./demo.js";
import { workerTuning } from "./jobs/settings.js";
import { webhookOptions } from "./modules/webhooks/service.js";
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
    worker: workerTuning(config),
    webhooks: webhookOptions(config),
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
  if (config.TESSERA_WORKER) services.worker.start();
  logger.info({ url, database: runtime.database.description }, "tessera listening");
  return {
    url,
    runtime,
    demo,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Running jobs get the grace, then go back to the queue for the next worker.
      await services.worker.stop({ graceMs: config.TESSERA_WORKER_GRACE_MS });
      await runtime.database.close();
    },
  };
}
