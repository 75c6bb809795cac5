import { DIRECT_EVENTS } from "@tessera/core";
import { expect, it } from "vitest";
import { testChannel } from "../../../../test/channel-contract.js";
import { DIRECT_MAPPING, directChannel } from "./adapter.js";

testChannel("direct", () => ({ adapter: directChannel, settings: { config: {}, credentials: {} } }));

it("maps each of our billing's events to itself, and nothing else", () => {
  expect(Object.keys(DIRECT_MAPPING)).toEqual([...DIRECT_EVENTS]);
  for (const event of DIRECT_EVENTS)
    expect(directChannel.map({ vendorType: event, vendorSubtype: null })).toEqual({ event });
});
