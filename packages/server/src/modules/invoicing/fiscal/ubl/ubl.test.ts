import { describe, expect, it } from "vitest";
import { saxonAvailable, validateEn16931 } from "../../../../../test/en16931.js";
import { defaultNumber } from "../../numbering.js";
import { sampleDocument, testFiscalProvider } from "../contract.js";
import { ublProvider } from "./index.js";

const driver = async () => ({
  provider: ublProvider,
  ctx: { config: {}, credentials: {} },
  seller: {
    name: "Beispiel GmbH",
    address: { line1: "Hauptstraße 1", line2: null, city: "Köln", postal_code: "50667", region: null, country: "DE" },
    country: "DE",
    vat_id: "DE123456789",
    tax_number: null,
    business: true,
  },
  buyer: {
    name: "Émilie Dubois",
    address: {
      line1: "1 rue de la Paix",
      line2: null,
      city: "Paris",
      postal_code: "75002",
      region: null,
      country: "FR",
    },
    country: "FR",
    vat_id: null,
    tax_number: null,
    business: false,
  },
  number: (n: number) => defaultNumber("CTR", 2026, n),
});

testFiscalProvider("ubl", driver, { refusals: false });

describe("ubl: the contract's documents pass the EN 16931 schematron", () => {
  it("has zero fatal assertions for an OSS invoice and its credit note", async () => {
    if (!saxonAvailable() && !process.env.CI) return;
    const d = await driver();
    const invoice = sampleDocument(d, "invoice");
    const note = sampleDocument(d, "credit_note");
    const results = validateEn16931({ invoice: ublProvider.render(invoice).body, note: ublProvider.render(note).body });
    expect(results.invoice?.fatal).toEqual([]);
    expect(results.note?.fatal).toEqual([]);
  }, 60_000);
});
