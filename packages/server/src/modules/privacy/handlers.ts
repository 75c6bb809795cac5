import type { Deps } from "../../context.js";
import { auditPrivacyHandler } from "../audit/privacy.js";
import { channelsPrivacyHandler } from "../channels/privacy.js";
import { consentsPrivacyHandler } from "../consents/privacy.js";
import type { PersonalDataVault } from "../customers/personal-data.js";
import { customersPrivacyHandler } from "../customers/privacy.js";
import { entitlementsPrivacyHandler } from "../entitlements/privacy.js";
import { eventsPrivacyHandler } from "../events/privacy.js";
import { paymentsPrivacyHandler } from "../payments/privacy.js";
import { subscriptionsPrivacyHandler } from "../subscriptions/privacy.js";
import { trialsPrivacyHandler } from "../trials/privacy.js";
import { webhooksPrivacyHandler } from "../webhooks/privacy.js";
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
    entitlementsPrivacyHandler,
    channelsPrivacyHandler,
    eventsPrivacyHandler(personalData),
    webhooksPrivacyHandler,
    auditPrivacyHandler,
    consentsPrivacyHandler,
    trialsPrivacyHandler,
  ]) {
    privacy.register(handler);
  }
}
