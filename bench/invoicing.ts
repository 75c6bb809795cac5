import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Payment } from "../packages/core/src/index.js";
import { connectDatabase } from "../packages/server/src/db/connect.js";
import { createWorker } from "../packages/server/src/jobs/worker.js";
import { upsertLegalEntity } from "../packages/server/src/modules/invoicing/repo.js";
import { toPayment } from "../packages/server/src/modules/payments/model.js";
import { createServices } from "../packages/server/src/services.js";
import { seedDueRenewals } from "../packages/server/test/renewal-seed.js";
import { benchDeps } from "./lib/renewal-worker.js";

/*
 * Invoicing throughput against renewals, in the same run on one SQLite file: BENCH_INVOICES
 * (2,000) due subscriptions are renewed by the real worker (the baseline: plain renewals per
 * second, with no legal entity so the invoicing consumer has nothing to issue), then their
 * storefront gets a legal entity and every renewal payment is invoiced — the document with its
 * number, tax decision and event in one transaction — and rendered as EN 16931 UBL and as a PDF.
 * Printed: renewals/s, invoices/s (issue + UBL + PDF) and their ratio, and the CPU per invoice.
 */

const count = Number(process.env.BENCH_INVOICES ?? 2000);
const dir = mkdtempSync(join(tmpdir(), "tessera-bench-invoicing-"));
const url = `sqlite:${join(dir, "invoicing.db")}`;

try {
  const seeded = await seedDueRenewals(url, count);
  const database = connectDatabase(url);
  const deps = benchDeps(database);
  const services = createServices(deps);
  const worker = createWorker({
    deps,
    handlers: () => services.jobs.handlers(),
    scopeOf: (id) => services.tenancy.scopeForEnvironment(id),
    batchSize: 500,
  });

  let started = performance.now();
  await worker.drain();
  const renewSeconds = (performance.now() - started) / 1000;
  const rows = await database.db.selectFrom("payments").selectAll().where("kind", "=", "renewal").execute();
  if (rows.length !== count) throw new Error(`expected ${count} renewals, found ${rows.length}`);

  const scope = await services.tenancy.scopeForEnvironment(seeded.environmentId);
  if (!scope) throw new Error("no scope for the seeded environment");
  const now = new Date().toISOString();
  for (const storefront of new Set(rows.map((r) => r.storefront_id)))
    await upsertLegalEntity(database.db, {
      storefront_id: storefront,
      tenant_id: scope.tenantId,
      environment_id: scope.environmentId,
      legal_name: "Bench GmbH",
      address: JSON.stringify({
        line1: "Weg 1",
        line2: null,
        city: "Berlin",
        postal_code: null,
        region: null,
        country: "DE",
      }),
      vat_id: "DE123456789",
      tax_number: null,
      tax_office: null,
      email: null,
      invoice_series: "BEN",
      credit_note_series: "BCN",
      numbering_reset: "yearly",
      prices_include_tax: 1,
      created_at: now,
      updated_at: now,
    });

  const payments: Payment[] = rows.map(toPayment);
  started = performance.now();
  const cpuBefore = process.cpuUsage();
  let bytes = 0;
  for (const payment of payments) {
    const invoice = await services.invoicing.issueInvoice(scope, payment);
    if (!invoice) throw new Error(`no invoice for ${payment.id}`);
    bytes += (await services.invoicing.renderXml(scope, "invoice", invoice.id)).body.length;
    bytes += (await services.invoicing.renderPdf(scope, "invoice", invoice.id)).length;
  }
  const invoiceSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await database.close();

  const renewals = count / renewSeconds;
  const invoices = count / invoiceSeconds;
  console.log(`renewals:  ${Math.round(renewals).toLocaleString("en")}/s (${count} in ${renewSeconds.toFixed(1)} s)`);
  console.log(
    `invoices:  ${Math.round(invoices).toLocaleString("en")}/s issued + UBL + PDF (${count} in ${invoiceSeconds.toFixed(1)} s, ${Math.round(bytes / count / 1024)} KiB each)`,
  );
  console.log(`ratio:     ${(invoices / renewals).toFixed(2)} invoices per renewal-time`);
  console.log(`cpu:       ${Math.round((cpu.user + cpu.system) / count)} µs per invoice`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
