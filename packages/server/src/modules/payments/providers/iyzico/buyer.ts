import type { Buyer } from "../../provider.js";

/*
 * iyzico reports the buyer on every payment (docs.iyzico.com, "Buyer" and "Address" of the
 * payment request: id, name, surname, identityNumber, email, registrationAddress, city, country,
 * ip; a billingAddress with contactName, city, country, address). We send what the customer and
 * their billing details hold, and refuse the charge when a required field is missing: inventing
 * a buyer would misreport payments to a regulated PSP.
 */

export interface IyzicoBuyer {
  id: string;
  name: string;
  surname: string;
  identityNumber: string;
  email: string;
  registrationAddress: string;
  city: string;
  country: string;
  zipCode?: string;
  ip: string;
}

export interface IyzicoAddress {
  contactName: string;
  city: string;
  country: string;
  address: string;
  zipCode?: string;
}

const countryNames = new Intl.DisplayNames(["en"], { type: "region" });

/** Splits "Ayşe Nur Yılmaz" into name "Ayşe Nur" and surname "Yılmaz"; one word has no surname. */
function splitName(full: string | null): { name: string; surname: string } | undefined {
  const words = (full ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return undefined;
  return { name: words.slice(0, -1).join(" "), surname: words[words.length - 1]! };
}

/**
 * The buyer and billing address iyzico requires, or the fields that are missing (named as a
 * merchant fixes them: the customer's e-mail, the billing details' name, tax number, address).
 * `ip`: the customer's when present, else the storefront's `merchant_ip` setting.
 */
export function iyzicoBuyer(
  buyer: Buyer | undefined,
  merchantIp: string | undefined,
): { buyer: IyzicoBuyer; billingAddress: IyzicoAddress } | { missing: string[] } {
  const missing: string[] = [];
  const names = splitName(buyer?.name ?? null);
  if (!buyer?.email) missing.push("customer email");
  if (!names) missing.push("billing details name (given name and surname)");
  if (!buyer?.identityNumber) missing.push("billing details tax_number (TCKN)");
  if (!buyer?.address) missing.push("billing details address");
  const ip = buyer?.ip ?? merchantIp;
  if (!ip) missing.push("customer IP (or the storefront's merchant_ip setting)");
  if (!buyer || !names || !buyer.email || !buyer.identityNumber || !buyer.address || !ip || missing.length)
    return { missing };
  const a = buyer.address;
  const street = [a.line1, a.line2].filter(Boolean).join(", ");
  const country = countryNames.of(a.country) ?? a.country;
  const zip = a.postalCode ? { zipCode: a.postalCode } : {};
  return {
    buyer: {
      id: buyer.id,
      ...names,
      identityNumber: buyer.identityNumber,
      email: buyer.email,
      registrationAddress: street,
      city: a.city,
      country,
      ...zip,
      ip,
    },
    billingAddress: { contactName: `${names.name} ${names.surname}`, city: a.city, country, address: street, ...zip },
  };
}
