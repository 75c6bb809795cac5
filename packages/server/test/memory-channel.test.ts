import { testChannel } from "./channel-contract.js";
import { memoryChannel, signMemory } from "./memory-channel.js";

// The test vendor is held to the same contract as real adapters, so the convergence property
// test exercises the port as they will.
testChannel("memory (test vendor)", () => {
  const secret = "memory-secret";
  return {
    adapter: memoryChannel("telecom"),
    settings: { config: {}, credentials: { secret } },
    sample: () => ({
      request: signMemory(secret, [
        { id: "n-1", subscription: "v-1", at: "2026-05-01T10:00:00Z", type: "SUBSCRIBED", subtype: "INITIAL_BUY" },
        { id: "n-2", subscription: "v-1", at: "2026-06-01T10:00:00Z", type: "DID_RENEW", seq: 2 },
      ]),
      vendorEventIds: ["n-1", "n-2"],
    }),
    tampered: (r) => ({ ...r, body: r.body.replace("DID_RENEW", "REFUND") }),
  };
});
