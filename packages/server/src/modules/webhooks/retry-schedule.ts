import type { Config } from "../../config.js";
import type { WebhookOptions } from "./dispatcher.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A retry schedule written as waits, `5s,5m,30m,2h` (TESSERA_WEBHOOK_RETRY_SCHEDULE): one wait
 * before each retry, so n waits make n + 1 automatic attempts.
 */
export function parseRetrySchedule(text: string): number[] {
  const waits = text.split(",").map((part) => {
    const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(part);
    if (!match) throw new Error(`"${part.trim()}" is not a wait such as 30s, 5m, 2h or 1d`);
    return Number(match[1]) * UNITS[match[2]!]!;
  });
  if (waits.some((w) => w <= 0)) throw new Error("every wait must be above zero");
  return waits;
}

/** The webhook settings of the config, shared by `serve` and `worker`. */
export function webhookOptions(config: Config): WebhookOptions {
  return {
    allowPrivateAddresses: config.TESSERA_WEBHOOKS_ALLOW_PRIVATE,
    ...(config.TESSERA_WEBHOOK_TIMEOUT_MS ? { timeoutMs: config.TESSERA_WEBHOOK_TIMEOUT_MS } : {}),
    ...(config.TESSERA_WEBHOOK_RETRY_SCHEDULE
      ? { retryScheduleMs: parseRetrySchedule(config.TESSERA_WEBHOOK_RETRY_SCHEDULE) }
      : {}),
  };
}
