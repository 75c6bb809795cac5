import { withEntitlement } from "@tessera/sdk/next";
import { getVerifier } from "../../../lib/tessera";

// Decided per request from the caller's token: never prerendered or cached.
export const dynamic = "force-dynamic";

let gated: ((request: Request, context: undefined) => Promise<Response>) | undefined;

/** 200 with the report for a token granting export-pdf; 401 without a token, 403 without the entitlement. */
export function GET(request: Request): Promise<Response> {
  gated ??= withEntitlement<undefined>(
    async (_request, _context, entitlements) => Response.json({ exported: true, customer: entitlements.customerId }),
    "export-pdf",
    { verifier: getVerifier(), cookie: "tessera_ent" },
  );
  return gated(request, undefined);
}
