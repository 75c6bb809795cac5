import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import {
  PAYPAL_SIMULATED_EVENTS,
  payPalSimulatorSettings,
  simulatePayPal,
  simulateTelecom,
  telecomSimulatorKeys,
} from "./vendor-simulators.js";

/*
 * The `paypal` and `telecom` subcommands of `tessera simulate` (vendor-simulators.ts does the
 * work); registered on the `simulate` command by cli.ts, beside the stores' simulators.
 */

const DEFAULT_CERT_ORIGIN = "http://127.0.0.1:8788";
const DEFAULT_TELECOM_KEY = ".tessera/telecom-aggregator.key";

function report(result: { status: number; body: unknown }) {
  console.log(JSON.stringify(result, null, 2));
  if (result.status >= 300) process.exitCode = 1;
}

export function registerVendorSimulators(simulate: Command): void {
  simulate
    .command("paypal <event>")
    .description(
      `Sign and post a PayPal webhook to a development storefront: ${PAYPAL_SIMULATED_EVENTS.join(", ")} ` +
        "(BILLING.SUBSCRIPTION.* / PAYMENT.SALE.*); `setup` prints the settings that trust the simulator",
    )
    .option("--url <url>", "the Tessera server, e.g. http://localhost:8787")
    .option("--storefront <id>", "the storefront id")
    .option("--webhook-id <id>", "the storefront's credentials.webhook_id")
    .option("--subscription <id>", "PayPal's subscription id, e.g. I-BW452GLLEP1G")
    .option("--plan <id>", "the PayPal plan (mapped to a price)")
    .option("--customer <id>", "our customer id (PayPal's custom_id)")
    .option("--cert-origin <url>", "the storefront's test_certificate_origin", DEFAULT_CERT_ORIGIN)
    .option("--at <time>", "PayPal's time of the event (ISO-8601); now by default")
    .action(async (event: string, opts) => {
      if (event === "setup") {
        console.log(JSON.stringify(payPalSimulatorSettings(opts.certOrigin), null, 2));
        console.error("Merge into PUT /v1/storefronts/{id}/channels/paypal (production refuses it).");
        return;
      }
      if (!(PAYPAL_SIMULATED_EVENTS as readonly string[]).includes(event)) {
        throw new Error(`unknown PayPal event ${event}: one of setup, ${PAYPAL_SIMULATED_EVENTS.join(", ")}`);
      }
      for (const key of ["url", "storefront", "webhookId", "subscription"]) {
        if (!opts[key]) throw new Error(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
      }
      report(
        await simulatePayPal({
          url: opts.url,
          storefront: opts.storefront,
          webhookId: opts.webhookId,
          event: event as (typeof PAYPAL_SIMULATED_EVENTS)[number],
          subscription: opts.subscription,
          plan: opts.plan,
          customer: opts.customer,
          certOrigin: opts.certOrigin,
          at: opts.at ? new Date(opts.at) : undefined,
        }),
      );
    });

  simulate
    .command("telecom <state>")
    .description(
      "Sign and post a carrier-billing callback to a development storefront: subscription_status or " +
        "subscription_status/billing_status (active/free, active/charged, active/partially_charged, " +
        "active/insufficient_funds, suspended, cancelled, removed); `setup` makes the aggregator key and prints its settings",
    )
    .option("--url <url>", "the Tessera server")
    .option("--storefront <id>", "the storefront id")
    .option("--merchant <id>", "the storefront's config.merchant_id")
    .option("--reference <ref>", "the operation_reference (from POST …/telecom/authorisations)")
    .option("--product <id>", "with --customer, instead of --reference")
    .option("--customer <id>", "our customer id")
    .option("--action <action>", "how it was cancelled, e.g. sms_stop, customer_care")
    .option("--key-file <path>", "the aggregator key `setup` wrote", DEFAULT_TELECOM_KEY)
    .option("--at <time>", "the aggregator's timestamp (ISO-8601); now by default")
    .action(async (state: string, opts) => {
      if (state === "setup") {
        const keys = telecomSimulatorKeys();
        mkdirSync(dirname(opts.keyFile), { recursive: true });
        writeFileSync(opts.keyFile, keys.privateKey, { mode: 0o600 });
        console.log(JSON.stringify(keys.settings, null, 2));
        console.error(`Private key written to ${opts.keyFile}. Merge into PUT /v1/storefronts/{id}/channels/telecom.`);
        return;
      }
      for (const key of ["url", "storefront", "merchant"]) {
        if (!opts[key]) throw new Error(`--${key} is required`);
      }
      report(
        await simulateTelecom({
          url: opts.url,
          storefront: opts.storefront,
          merchantId: opts.merchant,
          aggregatorPrivateKey: readFileSync(opts.keyFile, "utf8"),
          state,
          reference: opts.reference,
          product: opts.product,
          customer: opts.customer,
          action: opts.action,
          at: opts.at ? new Date(opts.at) : undefined,
        }),
      );
    });
}
