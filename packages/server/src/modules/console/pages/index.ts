import { auditPage, lineagePage } from "./audit.js";
import { campaignsPage } from "./campaigns.js";
import { catalogPage } from "./catalog.js";
import { customerPage } from "./customer.js";
import { customersPage } from "./customers.js";
import {
  apiKeysPage,
  eventPage,
  eventsPage,
  signingKeysPage,
  webhookDeliveryPage,
  webhookEndpointPage,
  webhooksPage,
} from "./developers.js";
import { invoicePage, invoicePdfPage, invoicesPage, invoiceXmlPage } from "./invoices.js";
import { overviewPage } from "./overview.js";
import { paymentPage } from "./payment.js";
import { paymentsPage } from "./payments.js";
import type { ConsolePage } from "./registry.js";
import { retentionPage } from "./retention.js";
import { safeModePage } from "./safe-mode.js";
import { sessionsPage, testClockPage, usersPage } from "./settings.js";
import { storefrontPage } from "./storefront.js";
import { subscriptionPage } from "./subscription.js";

/**
 * Every console page, in navigation order. A module that lands later adds its page file and one
 * line here.
 */
export const CONSOLE_PAGES: readonly ConsolePage[] = [
  overviewPage,
  customersPage,
  customerPage,
  subscriptionPage,
  paymentsPage,
  paymentPage,
  invoicesPage,
  invoicePage,
  invoicePdfPage,
  invoiceXmlPage,
  catalogPage,
  campaignsPage,
  storefrontPage,
  apiKeysPage,
  webhooksPage,
  webhookEndpointPage,
  webhookDeliveryPage,
  eventsPage,
  eventPage,
  signingKeysPage,
  auditPage,
  lineagePage,
  usersPage,
  retentionPage,
  safeModePage,
  sessionsPage,
  testClockPage,
];
