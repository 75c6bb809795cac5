import pino, { type Logger } from "pino";

/**
 * Structured JSON logs (one object a line) on stdout, or to a given stream.
 *
 * stdout is written through a buffered destination: one request log line per request written
 * synchronously costs a system call each, a visible share of a small request's time. Lines are
 * flushed once 4 KiB gather, at least every 250 ms (so a quiet server's logs are not held back),
 * and synchronously when the process exits, so the last lines before a shutdown are not lost.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: "tessera" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => stdout.flush(), 250).unref();
  return pino(options, stdout);
}
