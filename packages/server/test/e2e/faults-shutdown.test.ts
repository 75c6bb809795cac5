import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serveAs } from "../support/processes.js";
import { eventually } from "../support/traffic.js";
import type { Served } from "./cli.js";

/*
 * SIGTERM on a real `tessera serve`: it stops accepting, lets the requests in flight finish, cuts
 * the ones still open at TESSERA_SHUTDOWN_TIMEOUT_MS, and exits 0.
 */

const dir = mkdtempSync(join(tmpdir(), "tessera-shutdown-"));
let server: Served | undefined;
afterAll(async () => {
  await server?.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A request whose body is still coming: it stays in flight until `finish` sends the rest. */
async function slowRequest(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  let received = "";
  socket.on("data", (d) => {
    received += String(d);
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const body = JSON.stringify({ key: "web", name: "Web", type: "web" });
  socket.write(
    `POST /v1/storefronts HTTP/1.1\r\nhost: ${hostname}\r\nx-tn: acme\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );
  return {
    finish: () => socket.write(body.slice(5)),
    received: () => received,
    closed,
  };
}

describe("tessera serve on SIGTERM", () => {
  it("finishes the requests in flight, cuts those still open at the deadline, and exits 0", async () => {
    server = await serveAs(["--no-demo", "--no-worker", "--database-url", `sqlite:${join(dir, "tessera.db")}`], {
      TESSERA_MASTER_KEY: "shutdown-master-key-shutdown-master-key-01",
      TESSERA_SHUTDOWN_TIMEOUT_MS: "1500",
    });
    const finishing = await slowRequest(server.url);
    const stuck = await slowRequest(server.url);
    // Both are in the server (their headers parsed, bodies being read) before the signal.
    await new Promise((r) => setTimeout(r, 200));
    const stopped = server.stop("SIGTERM");
    await eventually("the listener to close", async () => {
      try {
        await fetch(`${server!.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        return false;
      } catch {
        return true;
      }
    });
    finishing.finish();
    await finishing.closed;
    // A complete answer (401: no key), not a cut connection.
    expect(finishing.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(finishing.received()).toContain('"code":"UNAUTHENTICATED"');
    await stuck.closed;
    expect(stuck.received()).toBe("");
    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(server.output.stdout).toContain("shutdown deadline reached");
  });
});
