/** Type prefixes of object ids: `cus_01J…`. The suffix is a ULID, so ids sort by creation. */
export const ID_PREFIXES = {
  tenant: "ten",
  environment: "env",
  api_key: "key",
  platform_key: "pk",
  entitlement: "ent",
  bundle: "bun",
  price: "price",
  storefront: "sf",
  customer: "cus",
  subscription: "sub",
  payment: "pay",
  invoice: "inv",
  credit_note: "cn",
  event: "evt",
  webhook_endpoint: "we",
  webhook_delivery: "whd",
  job: "job",
  grant: "grt",
  usage: "use",
  signing_key: "sk",
  user: "usr",
  session: "ses",
  invitation: "uinv",
  role: "role",
  password_reset: "pwr",
  channel_link: "chl",
  channel_notification: "chn",
  channel_product: "chp",
  channel_settings: "chs",
  audit_record: "aud",
  audit_checkpoint: "ackp",
  audit_key: "akey",
  payment_method: "pm",
  privacy_request: "prq",
  consent: "cns",
  retention_run: "rtr",
  safe_mode: "sfm",
  trial_claim: "trc",
  price_migration: "pmig",
  price_change: "spc",
  coupon: "cpn",
  promotion_code: "promo",
  discount: "dsc",
  redemption: "rdm",
  campaign_offer: "cof",
} as const;

export type ObjectType = keyof typeof ID_PREFIXES;

const ID_PATTERN = /^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$/;

export function looksLikeId(value: string, type?: ObjectType): boolean {
  if (!ID_PATTERN.test(value)) return false;
  return type === undefined || value.startsWith(`${ID_PREFIXES[type]}_`);
}
