import { afterAll, beforeAll } from "vitest";
import { testFiscalProvider } from "../contract.js";
import { type FakeNilvera, startFakeNilvera } from "./fake-nilvera.js";
import { trEarsivProvider } from "./index.js";
import { trNumber } from "./ubl-tr.js";

let nilvera: FakeNilvera;
beforeAll(async () => {
  nilvera = await startFakeNilvera();
});
afterAll(() => nilvera.close());

testFiscalProvider(
  "tr-earsiv",
  async () => ({
    provider: trEarsivProvider({ fetch }),
    ctx: { config: { base_url: nilvera.url }, credentials: { api_key: nilvera.apiKey } },
    seller: {
      name: "Örnek Yazılım A.Ş.",
      address: {
        line1: "Büyükdere Cd. 1",
        line2: null,
        city: "İstanbul",
        postal_code: null,
        region: "Şişli",
        country: "TR",
      },
      country: "TR",
      vat_id: null,
      tax_number: "1234567890",
      tax_office: "Zincirlikuyu",
      business: true,
    },
    buyer: {
      name: "Çağlar Öztürk",
      address: { line1: "Gül Sk. 3", line2: null, city: "İzmir", postal_code: null, region: "Konak", country: "TR" },
      country: "TR",
      vat_id: null,
      tax_number: null,
      business: false,
    },
    number: (n) => trNumber("CTR", 2026, n),
    async decide(document, verdict) {
      nilvera.decide(document.uuid, verdict);
    },
    async refuse(document) {
      nilvera.refuseWhenContains(document.uuid);
    },
  }),
  { refusals: true },
);
