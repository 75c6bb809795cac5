import { Environment } from "@apple/app-store-server-library";
import type { ChannelSettings } from "../port.js";
import { APPLE_ROOT_CA_G3, pemCertificates } from "./apple-root.js";

/*
 * A storefront's App Store settings. config: bundle_id, app_apple_id (required in Production),
 * environment (Production | Sandbox | Xcode | LocalTesting), online_checks (OCSP), and for the
 * App Store Server API issuer_id, key_id, api_base_url. credentials: private_key (the API key's
 * .p8 PEM) and, on development storefronts only, root_certificates (PEM; Apple Root CA G3 when
 * absent) to trust a local signing CA.
 */

export const API_BASE_URLS: Readonly<Record<string, string>> = {
  [Environment.PRODUCTION]: "https://api.storekit.itunes.apple.com",
  [Environment.SANDBOX]: "https://api.storekit-sandbox.itunes.apple.com",
  [Environment.LOCAL_TESTING]: "https://local-testing-base-url",
};

/** Environments whose data Apple does not sign (Xcode, local StoreKit testing): never in production. */
export const UNSIGNED_ENVIRONMENTS: ReadonlySet<string> = new Set([Environment.XCODE, Environment.LOCAL_TESTING]);
const ENVIRONMENTS: ReadonlySet<string> = new Set(Object.values(Environment));

export interface AppStoreSettings {
  bundleId: string;
  appAppleId: number | undefined;
  environment: Environment;
  roots: Buffer[];
  onlineChecks: boolean;
  api: { baseUrl: string; issuerId?: string; keyId?: string; privateKey?: string };
}

type Problem = { path: string; message: string };

export function readSettings(settings: ChannelSettings): { ok: AppStoreSettings } | { errors: Problem[] } {
  const { config, credentials } = settings;
  const errors: Problem[] = [];
  const bundleId = typeof config.bundle_id === "string" && config.bundle_id ? config.bundle_id : undefined;
  if (!bundleId) errors.push({ path: "config.bundle_id", message: "the app's bundle id is required" });
  const environment = String(config.environment ?? "");
  if (!ENVIRONMENTS.has(environment)) {
    errors.push({ path: "config.environment", message: `one of ${[...ENVIRONMENTS].join(", ")}` });
  }
  const rawAppId = config.app_apple_id;
  const appAppleId = rawAppId === undefined || rawAppId === "" ? undefined : Number(rawAppId);
  if (appAppleId !== undefined && !Number.isSafeInteger(appAppleId)) {
    errors.push({ path: "config.app_apple_id", message: "the app's numeric Apple ID" });
  }
  if (environment === Environment.PRODUCTION && appAppleId === undefined) {
    errors.push({ path: "config.app_apple_id", message: "required when the environment is Production" });
  }
  let roots: Buffer[] = [APPLE_ROOT_CA_G3];
  // A credential, so the contract's "other credentials" check holds: without it only Apple's root is trusted.
  if (credentials.root_certificates?.trim()) {
    try {
      roots = pemCertificates(credentials.root_certificates);
      if (roots.length === 0) throw new Error("no certificate");
    } catch {
      errors.push({ path: "credentials.root_certificates", message: "PEM certificates (BEGIN CERTIFICATE blocks)" });
    }
  }
  if (errors.length) return { errors };
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    ok: {
      bundleId: bundleId!,
      appAppleId,
      environment: environment as Environment,
      roots,
      onlineChecks: config.online_checks === true,
      api: {
        baseUrl: str(config.api_base_url) ?? API_BASE_URLS[environment] ?? API_BASE_URLS[Environment.SANDBOX]!,
        ...(str(config.issuer_id) && { issuerId: str(config.issuer_id) }),
        ...(str(config.key_id) && { keyId: str(config.key_id) }),
        ...(str(credentials.private_key) && { privateKey: str(credentials.private_key) }),
      },
    },
  };
}

export function checkAppStoreSettings(settings: ChannelSettings, context: { production: boolean }): Problem[] {
  const read = readSettings(settings);
  if ("errors" in read) return read.errors;
  if (context.production && UNSIGNED_ENVIRONMENTS.has(read.ok.environment)) {
    return [
      { path: "config.environment", message: `${read.ok.environment} data is unsigned: never accepted in production` },
    ];
  }
  if (context.production && settings.credentials.root_certificates) {
    return [{ path: "credentials.root_certificates", message: "production trusts Apple Root CA G3 only" }];
  }
  return [];
}
