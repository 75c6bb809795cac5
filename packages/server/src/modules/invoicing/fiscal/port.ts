import type { CreditNote, Invoice } from "@tessera/core";

/** An issued document as the API shows it: what every fiscal provider renders and submits. */
export type FiscalDocument = Invoice | CreditNote;

/** Where a provider reaches its authority or integrator: the storefront's fiscal_provider settings. */
export interface FiscalContext {
  config: Record<string, string | number | boolean>;
  credentials: Record<string, string>;
}

/**
 * What a provider answered. A refusal is data (`rejected`, with the provider's own code and
 * words); `retry` means it could not be asked or did not decide yet, and the job asks again.
 */
export type FiscalOutcome =
  | { status: "accepted"; reference: string | null }
  | { status: "submitted"; reference: string | null }
  | { status: "rejected"; code: string; reason: string }
  | { status: "retry"; reason: string };

/**
 * A fiscalization provider (DESIGN §7): one folder under `fiscal/`, one contract suite
 * (`fiscal/contract.ts`) over all. `render` is pure; `submit` and `check` may call out.
 */
export interface FiscalProvider {
  name: string;
  /** Numbering the regime imposes (Turkey: 16 characters, yearly); else the storefront's. */
  numbering?: { yearly: boolean; format(series: string, year: number, sequence: number): string };
  /** The document in the provider's format. */
  render(document: FiscalDocument): { contentType: string; body: string };
  submit(ctx: FiscalContext, document: FiscalDocument): Promise<FiscalOutcome>;
  /** Asks what became of a submitted document (asynchronous authorities). */
  check?(ctx: FiscalContext, document: FiscalDocument, reference: string): Promise<FiscalOutcome>;
  /**
   * Withdraws an accepted invoice where the regime allows it (e-Arşiv iptal), within
   * `cancelWithinDays` of its issue date. A provider without it cancels nothing: refunds are
   * credited instead.
   */
  cancel?(ctx: FiscalContext, document: FiscalDocument, reference: string): Promise<CancelOutcome>;
  cancelWithinDays?: number;
}

export type CancelOutcome =
  | { status: "cancelled" }
  | { status: "rejected"; code: string; reason: string }
  | { status: "retry"; reason: string };
