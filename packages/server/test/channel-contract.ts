import { ChannelName, DIRECT_EVENTS, EXTERNAL_EVENTS, type SubscriptionEvent } from "@tessera/core";
import { describe, expect, it } from "vitest";
import type { ChannelAdapter, ChannelSettings, InboundRequest } from "../src/modules/channels/port.js";

/*
 * The contract every channel adapter runs (DESIGN §7): one call per adapter, like
 * `testChannel("app_store", () => ({ adapter, settings, sample, … }))`. It holds the mapping
 * table to the state machine row by row, and verification to "a valid push is accepted the same
 * way twice, anything altered or unsigned is refused as data".
 */

export interface ChannelFixture {
  adapter: ChannelAdapter;
  settings: ChannelSettings;
  /** A valid push the vendor could send, with the vendor event ids it carries (channels that take notifications). */
  sample?: () => { request: InboundRequest; vendorEventIds: string[] };
  /** The same push altered in transit (body or signature). */
  tampered?: (request: InboundRequest) => InboundRequest;
  /** Settings that must not accept the sample; by default the same config without credentials. */
  wronglyKeyed?: ChannelSettings;
  /** The same push without its signature; by default its headers are dropped (for vendors that sign in the body, say how). */
  unsigned?: (request: InboundRequest) => InboundRequest;
}

export function testChannel(label: string, fixture: () => ChannelFixture): void {
  describe(`channel contract: ${label}`, () => {
    const f = fixture();
    const { adapter } = f;
    const allowed: readonly SubscriptionEvent[] =
      adapter.capabilities.managedBy === "vendor" ? EXTERNAL_EVENTS : DIRECT_EVENTS;

    it("is named as a channel and states its capabilities truthfully", () => {
      expect(ChannelName.options).toContain(adapter.name);
      expect(typeof adapter.refetch === "function").toBe(adapter.capabilities.refetch);
      expect(adapter.capabilities.managedBy === "tessera").toBe(adapter.name === "direct");
      expect(Object.keys(adapter.mapping).length).toBeGreaterThan(0);
    });

    for (const [key, effect] of Object.entries(adapter.mapping)) {
      it(`maps ${key} → ${effect.event ?? "no status change"}`, () => {
        // The subtype is everything after the type, an adapter's qualifier included (`INITIAL_BUY/FREE_TRIAL`).
        const [vendorType, ...subtype] = key.split("/") as [string, ...string[]];
        expect(adapter.map({ vendorType, vendorSubtype: subtype.length ? subtype.join("/") : null })).toEqual(effect);
        // Our billing's events for direct, a vendor's reports for the others: the store refuses a mix.
        if (effect.event !== null) expect(allowed).toContain(effect.event);
        else expect(effect.cancelAtPeriodEnd !== undefined || effect.refetch === true, key).toBe(true);
      });
    }

    it("maps a type it does not know to no effect (kept, never guessed)", () => {
      expect(adapter.map({ vendorType: "SOMETHING_NEW_FROM_THE_VENDOR", vendorSubtype: null })).toEqual({
        event: null,
      });
    });

    if (!adapter.capabilities.notifications) {
      it("refuses every push, as data", async () => {
        const result = await adapter.verify({ headers: {}, body: "{}" }, f.settings);
        expect(result).toMatchObject({ verified: false, code: expect.any(String), reason: expect.any(String) });
      });
      return;
    }

    it("accepts a valid push, the same way twice", async () => {
      const { request, vendorEventIds } = f.sample!();
      const first = await adapter.verify(request, f.settings);
      const second = await adapter.verify(request, f.settings);
      expect(first.verified).toBe(true);
      expect(second).toEqual(first);
      if (!first.verified) return;
      expect(first.notifications.map((n) => n.vendorEventId)).toEqual(vendorEventIds);
      for (const n of first.notifications) {
        expect(n.occurredAt).toBe(new Date(n.occurredAt).toISOString());
        expect(n.vendorType.length).toBeGreaterThan(0);
        if (n.period) expect(n.period.start <= n.period.end).toBe(true);
      }
    });

    it("refuses a push altered in transit, unsigned, or checked with other credentials, as data", async () => {
      const { request } = f.sample!();
      const refusals = [
        await adapter.verify(f.tampered!(request), f.settings),
        await adapter.verify(
          f.unsigned?.(request) ?? { headers: { "content-type": "application/json" }, body: request.body },
          f.settings,
        ),
        await adapter.verify(request, f.wronglyKeyed ?? { config: f.settings.config, credentials: {} }),
      ];
      for (const r of refusals) expect(r).toMatchObject({ verified: false, code: expect.any(String) });
    });
  });
}
