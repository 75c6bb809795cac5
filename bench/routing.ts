import { sandboxProvider } from "../packages/server/src/modules/payments/providers/sandbox.js";
import { recordOutcome } from "../packages/server/src/modules/payments/routing/stats.js";
import { billingCatalog } from "../packages/server/test/billing-setup.js";
import { createTestApp, createTestTenant } from "../packages/server/test/harness.js";

/*
 * Routing decision cost per payment: a storefront with 8 PSPs, routing rules, a fee table for
 * each, geography preferences, and a year of statistics (8 PSPs × 20 countries, outcomes recorded
 * every day for 365 days through the real decayed-counter upsert). Measured on a temp SQLite file:
 *
 *   - plan: what each payment pays for routing (one statistics read + scoring), µs of CPU;
 *   - the whole charge path: a subscription's first charge through the subscriptions service
 *     (customer read, routing, reserve, the sandbox's charge and books, settle, events), µs of CPU;
 *   - the fraction of the charge path's CPU that routing takes (aim: under 5 %).
 *
 * BENCH_ROUTING_PLANS (5000), BENCH_ROUTING_CHARGES (500).
 */

const plans = Number(process.env.BENCH_ROUTING_PLANS ?? 5000);
const charges = Number(process.env.BENCH_ROUTING_CHARGES ?? 500);
const DAY = 24 * 3_600_000;
const COUNTRIES = [
  "DE",
  "FR",
  "IT",
  "ES",
  "NL",
  "BE",
  "AT",
  "PL",
  "SE",
  "DK",
  "FI",
  "PT",
  "IE",
  "GR",
  "CZ",
  "HU",
  "RO",
  "TR",
  "US",
  "BR",
];
const PSPS = ["sandbox", "psp1", "psp2", "psp3", "psp4", "psp5", "psp6", "psp7"];

// A deterministic generator: the same statistics every run.
let state = 20261204;
const random = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};

const cpuMicros = (before: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(before);
  return d.user + d.system;
};

const ctx = await createTestApp();
try {
  for (const name of PSPS.slice(1)) ctx.services.payments.registry.register(sandboxProvider(ctx.deps.db, name));
  const acme = await createTestTenant(ctx);
  const scope = acme.scopes.development!;
  const cat = await billingCatalog(acme.api, { providers: PSPS.map((name) => ({ name })) });
  const put = await acme.api("PUT", `/v1/storefronts/${cat.storefront}/payment-routing`, {
    rules: [
      { name: "turkey", countries: ["TR"], providers: ["psp7", "psp6"] },
      { name: "large", min_amount: 50_000, providers: ["psp1", "psp2", "psp3"] },
      { name: "recurring-eu", channels: ["recurring"], currencies: ["EUR"], providers: PSPS.slice(0, 6) },
    ],
    fees: PSPS.flatMap((provider, i) => [
      { provider, currency: "EUR", percent_bps: 120 + i * 20, fixed: 10 + i },
      { provider, percent_bps: 250 + i * 10, fixed: 30 },
    ]),
    geography: [
      { countries: ["US", "BR"], providers: ["psp4", "psp5"] },
      { countries: ["DE", "AT"], providers: ["sandbox"] },
    ],
    required_features: ["partial_refund"],
  });
  if (put.status !== 200) throw new Error(`routing settings: ${JSON.stringify(put.body)}`);

  // A year of statistics, as charges would have recorded them.
  let started = performance.now();
  let recorded = 0;
  const rates = new Map(PSPS.map((p) => [p, 0.7 + random() * 0.25]));
  for (let day = 0; day < 365; day++) {
    for (const provider of PSPS)
      for (const country of COUNTRIES) {
        const outcome = random() < rates.get(provider)! ? "ok" : "fail";
        await recordOutcome(ctx.deps.db, scope, provider, { country, methodType: "card" }, outcome);
        recorded++;
      }
    ctx.clock.advance(DAY);
  }
  console.log(
    `recorded a year of statistics (${recorded.toLocaleString("en")} outcomes, ${PSPS.length} PSPs × ${COUNTRIES.length} countries) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const payments = ctx.services.payments;
  const route = await payments.routing(scope, cat.storefront);
  const plan = (i: number) =>
    payments.router.plan(ctx.deps.db, scope, route, {
      country: COUNTRIES[i % COUNTRIES.length]!,
      currency: i % 3 === 0 ? "USD" : "EUR",
      amount: i % 7 === 0 ? 75_000 : 999,
      channel: i % 2 === 0 ? "recurring" : "ecommerce",
      method: undefined,
    });
  for (let i = 0; i < 500; i++) await plan(i); // warm-up
  let cpu = process.cpuUsage();
  started = performance.now();
  for (let i = 0; i < plans; i++) await plan(i);
  const planCpu = cpuMicros(cpu) / plans;
  const planWall = ((performance.now() - started) * 1000) / plans;

  // The whole charge path: first charges of new subscriptions, routing included.
  const customers: string[] = [];
  for (let i = 0; i < charges + 50; i++) {
    const res = await acme.api("POST", "/v1/customers", {
      storefront: cat.storefront,
      external_id: `bench-${i}`,
      country: COUNTRIES[i % COUNTRIES.length],
    });
    customers.push(res.body.id);
  }
  const subscribe = (customer: string) =>
    ctx.services.subscriptions.create(scope, {
      customer,
      price: cat.prices.monthly,
      channel: "direct",
      payment_method: "pm_sandbox_ok",
    });
  for (const customer of customers.slice(0, 50)) await subscribe(customer); // warm-up
  cpu = process.cpuUsage();
  started = performance.now();
  for (const customer of customers.slice(50)) await subscribe(customer);
  const chargeCpu = cpuMicros(cpu) / charges;
  const chargeWall = ((performance.now() - started) * 1000) / charges;

  console.log(
    `routing decision: ${planCpu.toFixed(0)} µs CPU (${planWall.toFixed(0)} µs wall) per payment, ${plans} decisions`,
  );
  console.log(
    `charge path (first charge of a subscription, routing included): ${chargeCpu.toFixed(0)} µs CPU (${chargeWall.toFixed(0)} µs wall)`,
  );
  const fraction = (100 * planCpu) / chargeCpu;
  console.log(`routing share of the charge path's CPU: ${fraction.toFixed(1)} % (aim < 5 %)`);
} finally {
  await ctx.close();
}
