// `next` is an optional peer and not installed here; `getEntitlements` loads next/headers on
// demand. Only the two functions it calls are described.
declare module "next/headers" {
  export function headers(): unknown;
  export function cookies(): unknown;
}
