import { z } from "zod";
import { Timestamp } from "./common.js";

/** ISO 3166-1 alpha-2, officially assigned codes. */
export const COUNTRY_CODES = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY " +
    "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM " +
    "FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT " +
    "JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN " +
    "MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT " +
    "PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL " +
    "TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/** The 27 EU member states (ISO codes; Greece's VAT prefix is EL). */
export const EU_COUNTRIES = new Set(
  "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split(" "),
);

/**
 * VAT / tax identifier formats per country (the VIES formats for the EU, with the country prefix;
 * the VKN or TCKN for Turkey). A format check only: whether the number is registered is VIES's
 * answer, which Tessera does not ask (docs/invoicing.md).
 */
const VAT_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^ATU\d{8}$/,
  BE: /^BE[01]\d{9}$/,
  BG: /^BG\d{9,10}$/,
  CY: /^CY\d{8}[A-Z]$/,
  CZ: /^CZ\d{8,10}$/,
  DE: /^DE\d{9}$/,
  DK: /^DK\d{8}$/,
  EE: /^EE\d{9}$/,
  GR: /^EL\d{9}$/,
  ES: /^ES[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^FI\d{8}$/,
  FR: /^FR[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^HR\d{11}$/,
  HU: /^HU\d{8}$/,
  IE: /^IE(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^IT\d{11}$/,
  LT: /^LT(\d{9}|\d{12})$/,
  LU: /^LU\d{8}$/,
  LV: /^LV\d{11}$/,
  MT: /^MT\d{8}$/,
  NL: /^NL\d{9}B\d{2}$/,
  PL: /^PL\d{10}$/,
  PT: /^PT\d{9}$/,
  RO: /^RO\d{2,10}$/,
  SE: /^SE\d{10}01$/,
  SI: /^SI\d{8}$/,
  SK: /^SK\d{10}$/,
  GB: /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  CH: /^CHE\d{9}(MWST|TVA|IVA)?$/,
  NO: /^NO\d{9}(MVA)?$/,
  TR: /^\d{10,11}$/,
};

/** Undefined when the id fits its country's format (or the country has none listed); else why not. */
export function vatIdProblem(country: string, vatId: string): string | undefined {
  const format = VAT_ID_FORMATS[country];
  if (!format) return /^[A-Z0-9]{4,20}$/.test(vatId) ? undefined : "must be 4–20 letters and digits";
  return format.test(vatId) ? undefined : `is not a ${country} VAT id (expected ${format.source})`;
}

export const CountryCode = z
  .string()
  .refine((c) => COUNTRY_CODES.has(c), "must be an ISO 3166-1 alpha-2 country code, upper case (DE, TR, US)")
  .meta({ description: "ISO 3166-1 alpha-2 country code." });

export const PostalAddress = z
  .object({
    line1: z.string().min(1).max(200),
    line2: z.string().max(200).nullable().default(null),
    city: z.string().min(1).max(100),
    postal_code: z.string().max(20).nullable().default(null),
    region: z.string().max(100).nullable().default(null).meta({ description: "State, province or (Turkey) ilçe." }),
    country: CountryCode,
  })
  .strict()
  .meta({ id: "PostalAddress" });
export type PostalAddress = z.infer<typeof PostalAddress>;

const VatId = z
  .string()
  .transform((v) => v.replace(/[\s.-]/g, "").toUpperCase())
  .pipe(z.string().min(4).max(20));

function checkVatId(value: { address: { country: string }; vat_id?: string | null }, ctx: z.RefinementCtx) {
  if (!value.vat_id) return;
  const problem = vatIdProblem(value.address.country, value.vat_id);
  if (problem) ctx.addIssue({ code: "custom", path: ["vat_id"], message: problem });
}

const Series = z
  .string()
  .regex(/^[A-Z0-9]{1,10}$/, "1–10 upper-case letters or digits")
  .meta({ description: "Invoice number prefix; numbers run gaplessly per storefront and series." });

export const LegalEntityInput = z
  .object({
    legal_name: z.string().min(1).max(200),
    address: PostalAddress,
    vat_id: VatId.nullable()
      .default(null)
      .meta({ description: "VAT identifier with its country prefix (DE123456789); checked against the country." }),
    tax_number: z.string().max(30).nullable().default(null).meta({
      description: "National tax number where it differs from the VAT id (Turkey: VKN, 10 digits).",
    }),
    tax_office: z.string().max(100).nullable().default(null).meta({ description: "Turkey: vergi dairesi." }),
    email: z.string().email().max(200).nullable().default(null),
    invoice_series: Series.default("INV"),
    credit_note_series: Series.default("CN"),
    numbering_reset: z.enum(["never", "yearly"]).default("yearly").meta({
      description: "yearly: numbers restart at 1 each calendar year (the year is part of the number).",
    }),
    prices_include_tax: z.boolean().default(true).meta({
      description: "true: a price is what the customer pays, tax included; false: tax is added on top.",
    }),
  })
  .strict()
  .superRefine(checkVatId)
  .meta({ id: "LegalEntityInput" });
export type LegalEntityInput = z.infer<typeof LegalEntityInput>;

export const LegalEntity = z
  .object({
    object: z.literal("legal_entity"),
    storefront: z.string(),
    legal_name: z.string(),
    address: PostalAddress,
    vat_id: z.string().nullable(),
    tax_number: z.string().nullable(),
    tax_office: z.string().nullable(),
    email: z.string().nullable(),
    invoice_series: z.string(),
    credit_note_series: z.string(),
    numbering_reset: z.enum(["never", "yearly"]),
    prices_include_tax: z.boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "LegalEntity" });
export type LegalEntity = z.infer<typeof LegalEntity>;

export const BillingDetailsInput = z
  .object({
    type: z.enum(["individual", "business"]).default("individual"),
    name: z.string().min(1).max(200),
    address: PostalAddress,
    vat_id: VatId.nullable().default(null).meta({
      description: "Businesses only. An EU VAT id of another member state than the seller's: reverse charge.",
    }),
    tax_number: z.string().max(30).nullable().default(null).meta({ description: "Turkey: TCKN (11) or VKN (10)." }),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.vat_id && value.type !== "business")
      ctx.addIssue({ code: "custom", path: ["vat_id"], message: "only a business has a VAT id: set type business" });
    checkVatId(value, ctx);
  })
  .meta({ id: "BillingDetailsInput" });
export type BillingDetailsInput = z.infer<typeof BillingDetailsInput>;

export const BillingDetails = z
  .object({
    object: z.literal("billing_details"),
    customer: z.string(),
    type: z.enum(["individual", "business"]),
    name: z.string(),
    address: PostalAddress,
    vat_id: z.string().nullable(),
    tax_number: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "BillingDetails" });
export type BillingDetails = z.infer<typeof BillingDetails>;
