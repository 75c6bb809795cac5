import type { ChannelSettings } from "../port.js";

/*
 * A storefront's Google Play settings. config: package_name; audience (the Pub/Sub push
 * subscription's OIDC audience: when set, every push must carry a Google-signed token for it),
 * push_service_account (the token's expected email), jwks_url, api_base_url. credentials:
 * service_account_json (the key file of a service account with Play Console access).
 */

export const GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs";
export const PLAY_API_BASE_URL = "https://androidpublisher.googleapis.com";
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  token_uri: string;
}

export interface PlaySettings {
  packageName: string;
  audience: string | undefined;
  pushServiceAccount: string | undefined;
  jwksUrl: string;
  apiBaseUrl: string;
  serviceAccount: ServiceAccount | undefined;
}

type Problem = { path: string; message: string };
const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

export function readPlaySettings(settings: ChannelSettings): { ok: PlaySettings } | { errors: Problem[] } {
  const { config, credentials } = settings;
  const errors: Problem[] = [];
  const packageName = str(config.package_name);
  if (!packageName) errors.push({ path: "config.package_name", message: "the app's package name is required" });
  let serviceAccount: ServiceAccount | undefined;
  if (credentials.service_account_json) {
    try {
      const parsed = JSON.parse(credentials.service_account_json) as Partial<ServiceAccount>;
      if (!parsed.client_email || !parsed.private_key) throw new Error("incomplete");
      serviceAccount = {
        client_email: parsed.client_email,
        private_key: parsed.private_key,
        token_uri: parsed.token_uri ?? GOOGLE_TOKEN_URI,
      };
    } catch {
      errors.push({
        path: "credentials.service_account_json",
        message: "a service account key file (JSON with client_email, private_key)",
      });
    }
  }
  if (errors.length) return { errors };
  return {
    ok: {
      packageName: packageName!,
      audience: str(config.audience),
      pushServiceAccount: str(config.push_service_account),
      jwksUrl: str(config.jwks_url) ?? GOOGLE_JWKS_URL,
      apiBaseUrl: str(config.api_base_url) ?? PLAY_API_BASE_URL,
      serviceAccount,
    },
  };
}

export function checkPlaySettings(settings: ChannelSettings, context: { production: boolean }): Problem[] {
  const read = readPlaySettings(settings);
  if ("errors" in read) return read.errors;
  // Without an audience anyone can post a push; Play's state is still read from its API, but a
  // production storefront must not let strangers make it call Google on their behalf.
  if (context.production && !read.ok.audience) {
    return [{ path: "config.audience", message: "production needs the push subscription's OIDC audience" }];
  }
  if (context.production && (str(settings.config.jwks_url) || str(settings.config.api_base_url))) {
    return [{ path: "config", message: "production talks to Google's own endpoints only" }];
  }
  return [];
}
