import type { ApiClient, Json } from "../../../test/harness.js";

/** Test helper: answers the body of a create, or throws with what the API said. */
export async function created<T = Json>(api: ApiClient, path: string, body: unknown): Promise<T> {
  const res = await api<T>("POST", path, body);
  if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Test helper: one entitlement of each kind, a bundle granting some of them, a storefront selling
 * it and a customer of that storefront.
 */
export async function setupCatalog(api: ApiClient, externalId = "user-1") {
  await created(api, "/v1/entitlements", { key: "export-pdf", name: "Export PDF", kind: "flag" });
  await created(api, "/v1/entitlements", {
    key: "support",
    name: "Support",
    kind: "tier",
    levels: ["basic", "priority", "dedicated"],
  });
  await created(api, "/v1/entitlements", { key: "api-calls", name: "API calls", kind: "quota", period: "month" });
  await created(api, "/v1/entitlements", { key: "renders", name: "Renders", kind: "quota", period: "day" });
  await created(api, "/v1/entitlements", {
    key: "courses",
    name: "Courses",
    kind: "content",
    content_ids: ["c1", "c2", "c3"],
  });
  const bundle = await created<{ id: string; key: string }>(api, "/v1/bundles", {
    key: "pro",
    name: "Pro",
    entitlements: [{ key: "export-pdf" }, { key: "support", level: "priority" }, { key: "api-calls", limit: 100 }],
    prices: [{ currency: "EUR", amount: 990, interval: "month" }],
  });
  const storefront = await created<{ id: string }>(api, "/v1/storefronts", {
    key: "web",
    name: "Web",
    type: "web",
    bundles: [bundle.id],
  });
  const customer = await created<{ id: string }>(api, "/v1/customers", {
    storefront: storefront.id,
    external_id: externalId,
  });
  return { bundle, storefront, customer };
}

let grantee = 0;

/** Test helper: a fresh customer of the storefront holding the given manual grants. */
export async function customerWithGrants(api: ApiClient, storefrontId: string, grants: object[]): Promise<string> {
  const c = await created<{ id: string }>(api, "/v1/customers", {
    storefront: storefrontId,
    external_id: `grantee-${++grantee}`,
  });
  for (const g of grants) await created(api, `/v1/customers/${c.id}/grants`, { reason: "test", ...g });
  return c.id;
}
