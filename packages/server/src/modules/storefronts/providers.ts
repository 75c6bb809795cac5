import type { ProviderConfig, ProviderInput } from "@tessera/core";
import type { FieldError } from "../../errors.js";
import type { SecretBox } from "../../lib/crypto.js";

/*
 * A storefront's provider settings live in two places: the public part (name, config, whether
 * credentials are set) as plain JSON columns, and every provider's credentials together in one
 * sealed vault (`credentials_encrypted`). The vault is opened only to merge an update or to hand
 * credentials to the payments/invoicing modules; no API response is built from it.
 */

export type ProviderKind = "payment" | "fiscal";
export type Credentials = Record<string, string>;
/** The plaintext of `credentials_encrypted`: credentials per provider kind, then per provider name. */
export type Vault = Record<ProviderKind, Record<string, Credentials>>;

export const emptyVault = (): Vault => ({ payment: {}, fiscal: {} });

// The storefront id is bound into the seal, so a vault copied onto another storefront fails to open.
const purpose = (storefrontId: string) => `storefront-credentials:${storefrontId}`;

export function sealVault(box: SecretBox, storefrontId: string, vault: Vault): string | null {
  const empty = Object.keys(vault.payment).length === 0 && Object.keys(vault.fiscal).length === 0;
  return empty ? null : box.seal(JSON.stringify(vault), purpose(storefrontId));
}

export function openVault(box: SecretBox, storefrontId: string, sealed: string | null): Vault {
  if (!sealed) return emptyVault();
  return { ...emptyVault(), ...(JSON.parse(box.open(sealed, purpose(storefrontId))) as Partial<Vault>) };
}

/**
 * Applies requested providers over what is stored: omitted `credentials` keep the stored ones of
 * the provider with that name, `{}` clears them, anything else replaces them. Returns the public
 * settings and the credentials to seal.
 */
export function mergeProviders(
  inputs: ProviderInput[],
  stored: Record<string, Credentials>,
): { providers: ProviderConfig[]; credentials: Record<string, Credentials> } {
  const credentials: Record<string, Credentials> = {};
  const providers = inputs.map((input) => {
    const kept = Object.hasOwn(stored, input.name) ? stored[input.name] : undefined;
    const next = input.credentials === undefined ? kept : input.credentials;
    const has = next !== undefined && Object.keys(next).length > 0;
    if (has) credentials[input.name] = next;
    return { name: input.name, config: input.config ?? {}, has_credentials: has };
  });
  return { providers, credentials };
}

/** Credentials are kept per name, so a name may appear once in a list. */
export function duplicateProviderErrors(inputs: ProviderInput[], path: string): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  inputs.forEach((p, i) => {
    if (seen.has(p.name)) errors.push({ path: `${path}.${i}.name`, message: `provider "${p.name}" is listed twice` });
    seen.add(p.name);
  });
  return errors;
}
