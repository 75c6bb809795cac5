import pino, { type Logger } from "pino";

/** Structured JSON logs on stdout (one object a line), or to a given stream. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { service: "tessera" }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? process.stdout,
  );
}
