import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as core from "@tessera/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { writeTypes } from "../scripts/generate-types.js";
import type * as sdk from "../src/generated/types.js";

// The SDK publishes plain types generated from core's zod schemas, so apps need neither core nor
// zod. These checks keep the generated file equal to what core says today.
describe("generated API types", () => {
  it("are up to date with @tessera/core (run `pnpm --filter @tessera/sdk generate` if not)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-types-"));
    try {
      const fresh = join(dir, "types.ts");
      writeTypes(fresh);
      const committed = readFileSync(new URL("../src/generated/types.ts", import.meta.url), "utf8");
      expect(committed).toBe(readFileSync(fresh, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are the same types as core's zod-inferred ones", () => {
    type In<S> = S extends { _zod: { input: infer I } } ? I : never;
    expectTypeOf<sdk.EntitlementClaims>().toEqualTypeOf<core.EntitlementClaims>();
    expectTypeOf<sdk.Entitlement>().toEqualTypeOf<core.Entitlement>();
    expectTypeOf<sdk.Bundle>().toEqualTypeOf<core.Bundle>();
    expectTypeOf<sdk.Price>().toEqualTypeOf<core.Price>();
    expectTypeOf<sdk.Storefront>().toEqualTypeOf<core.Storefront>();
    expectTypeOf<sdk.Customer>().toEqualTypeOf<core.Customer>();
    expectTypeOf<sdk.ApiKey>().toEqualTypeOf<core.ApiKey>();
    expectTypeOf<sdk.DeletionResult>().toEqualTypeOf<core.DeletionResult>();
    expectTypeOf<sdk.CreateEntitlementInput>().toEqualTypeOf<In<typeof core.CreateEntitlement>>();
    expectTypeOf<sdk.CreateBundleInput>().toEqualTypeOf<In<typeof core.CreateBundle>>();
    expectTypeOf<sdk.UpdateBundleInput>().toEqualTypeOf<In<typeof core.UpdateBundle>>();
    expectTypeOf<sdk.CreateStorefrontInput>().toEqualTypeOf<In<typeof core.CreateStorefront>>();
    expectTypeOf<sdk.UpdateStorefrontInput>().toEqualTypeOf<In<typeof core.UpdateStorefront>>();
    expectTypeOf<sdk.CreateCustomerInput>().toEqualTypeOf<In<typeof core.CreateCustomer>>();
    expectTypeOf<sdk.CreateApiKeyInput>().toEqualTypeOf<In<typeof core.CreateApiKey>>();
  });
});
