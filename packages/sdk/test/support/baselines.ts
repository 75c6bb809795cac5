// What bench/sdk-verify.ts compares the SDK with. It lives here because jose is this package's
// dependency, not the bench's: importing it through this file resolves it from packages/sdk.
export { importJWK, jwtVerify } from "jose";
