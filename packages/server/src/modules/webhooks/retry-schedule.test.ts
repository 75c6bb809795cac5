import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config.js";
import { RETRY_SCHEDULE_MS, retryDelayMs } from "./dispatcher.js";
import { parseRetrySchedule, webhookOptions } from "./retry-schedule.js";

describe("the webhook retry schedule is a setting", () => {
  it("parses waits with units, and the default stays the Standard Webhooks schedule", () => {
    expect(parseRetrySchedule("5s, 5m,30m,2h,1d,250ms")).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 86_400_000, 250,
    ]);
    expect(parseRetrySchedule("5s,5m,30m,2h,5h,10h,10h,14h,14h,16h")).toEqual([...RETRY_SCHEDULE_MS]);
    expect(() => parseRetrySchedule("5s,soon")).toThrow(/soon/);
    expect(webhookOptions(loadConfig({})).retryScheduleMs).toBeUndefined();
    expect(() => loadConfig({ TESSERA_WEBHOOK_RETRY_SCHEDULE: "5 minutes" })).toThrow(/TESSERA_WEBHOOK_RETRY_SCHEDULE/);
  });

  it("a configured schedule decides every wait and when the deliveries stop", () => {
    const schedule = webhookOptions(loadConfig({ TESSERA_WEBHOOK_RETRY_SCHEDULE: "1s,1m" })).retryScheduleMs!;
    expect(retryDelayMs(1, () => 0.5, schedule)).toBe(1_000);
    expect(retryDelayMs(2, () => 0.5, schedule)).toBe(60_000);
    expect(retryDelayMs(3, () => 0.5, schedule)).toBeUndefined();
  });
});
