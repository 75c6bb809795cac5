import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCatalog, paymentsOf, subscribe } from "../../../test/billing-setup.js";
import { createTestApp, createTestTenant, type TestContext, type TestTenant } from "../../../test/harness.js";
import { createWorker } from "../../jobs/worker.js";
import { sandboxProvider } from "../payments/providers/sandbox.js";

/** Waits for a condition the test needs before its next step (never asserts on time). */
async function until(what: string, check: () => Promise<boolean>, limitMs = 30_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/*
 * Jobs that call a PSP carry it as their worker target, so a PSP that hangs holds at most the
 * worker's per-target slots: renewals charged elsewhere go on. Storefront A charges through
 * "stall" (the sandbox, hanging on demand), storefront B through the sandbox.
 */
describe("renewals: a hanging PSP delays only its own jobs", () => {
  let ctx: TestContext;
  let acme: TestTenant;
  let stalling = false;
  let stalled = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));

  beforeAll(async () => {
    ctx = await createTestApp();
    acme = await createTestTenant(ctx);
    const real = sandboxProvider(ctx.deps.db, "stall");
    ctx.services.payments.registry.register({
      ...real,
      async charge(c, r) {
        if (stalling) {
          stalled++;
          await released;
        }
        return real.charge(c, r);
      },
    });
  });
  afterAll(() => ctx.close());

  it("renews storefront B's subscriptions while A's PSP hangs on exactly its cap", async () => {
    const catA = await billingCatalog(acme.api, { providers: [{ name: "stall" }] });
    const catB = await billingCatalog(acme.api, { providers: [{ name: "sandbox" }] });
    // A's first: their renewals fall due first and are claimed first.
    for (let i = 0; i < 4; i++) await subscribe(acme.api, catA, {});
    const subsB: Array<{ id: string }> = [];
    for (let i = 0; i < 4; i++) subsB.push(await subscribe(acme.api, catB, {}));
    stalling = true;
    ctx.clock.advance(32 * 24 * 3_600_000);

    const worker = createWorker({
      deps: ctx.deps,
      handlers: () => ctx.services.jobs.handlers(),
      scopeOf: (id) => ctx.services.tenancy.scopeForEnvironment(id),
      pollMs: 10,
      concurrency: 4,
      perTargetKind: { psp: 2 },
    });
    worker.start();
    try {
      await until("every B subscription renewed", async () => {
        for (const sub of subsB) {
          const payments = await paymentsOf(acme.api, sub.id);
          if (payments.length < 2 || payments.at(-1).status !== "succeeded") return false;
        }
        return true;
      });
      expect(stalled).toBe(2);
    } finally {
      release();
      await worker.stop();
    }
  });
});
