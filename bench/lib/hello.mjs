// The baseline of bench/server.ts: Hono's hello world on @hono/node-server, in its own process
// like the server it is compared with. Prints {"port":…} on stderr once listening.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono().get("/", (c) => c.text("Hello Hono!"));
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  console.error(JSON.stringify({ port: info.port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
