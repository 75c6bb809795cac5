import type { Deps } from "../../context.js";
import { auditPrivacyHandler } from "../audit/index.js";
import { campaignsPrivacyHandler } from "../campaigns/index.js";
import { channelsPrivacyHandler } from "../channels/index.js";
import { consentsPrivacyHandler } from "../consents/index.js";
import type { PersonalDataVault } from "../customers/index.js";
import { customersPrivacyHandler } from "../customers/index.js";
import { entitlementsPrivacyHandler } from "../entitlements/index.js";
import { eventsPrivacyHandler } from "../events/index.js";
import { invoicingPrivacyHandler } from "../invoicing/index.js";
import { paymentMethodsPrivacyHandler, paymentsPrivacyHandler } from "../payments/index.js";
import { priceChangesPrivacyHandler } from "../price-changes/index.js";
import { subscriptionsPrivacyHandler } from "../subscriptions/index.js";
import { trialsPrivacyHandler } from "../trials/index.js";
import { webhooksPrivacyHandler } from "../webhooks/index.js";
import type { PrivacyService } from "./service.js";

/**
 * Every module's privacy handler, registered in one place (each lives in its module's folder as
 * `privacy.ts`). A new module with customer data adds its line here; coverage.test.ts fails until
 * it does.
 */
export function registerPrivacyHandlers(
  privacy: Pick<PrivacyService, "register">,
  deps: Pick<Deps, "clock" | "secrets">,
  personalData: PersonalDataVault,
): void {
  for (const handler of [
    customersPrivacyHandler(deps, personalData),
    subscriptionsPrivacyHandler,
    paymentsPrivacyHandler,
    paymentMethodsPrivacyHandler(deps),
    invoicingPrivacyHandler,
    entitlementsPrivacyHandler,
    channelsPrivacyHandler,
    eventsPrivacyHandler(personalData),
    webhooksPrivacyHandler,
    auditPrivacyHandler,
    consentsPrivacyHandler,
    trialsPrivacyHandler,
    priceChangesPrivacyHandler,
    campaignsPrivacyHandler,
  ]) {
    privacy.register(handler);
  }
}
