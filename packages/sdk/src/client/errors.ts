import { HTTPError, TimeoutError } from "ky";

/**
 * One field problem of a `VALIDATION_FAILED` answer.
 *
 * @example
 * if (isTesseraApiError(error)) for (const e of error.errors) console.log(`${e.path}: ${e.message}`);
 */
export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

/**
 * Any failed API call. `code` is the server's stable problem code (`NOT_FOUND`,
 * `VALIDATION_FAILED`, …), or `CONNECTION_FAILED` / `TIMEOUT` when no answer came (`status` 0).
 *
 * @example
 * try {
 *   await tessera.customers.retrieve("cus_123");
 * } catch (error) {
 *   if (isTesseraApiError(error) && error.code === "NOT_FOUND") return null;
 *   throw error;
 * }
 */
export class TesseraApiError extends Error {
  override readonly name = "TesseraApiError";
  /** HTTP status, or 0 when the server could not be reached. */
  readonly status: number;
  /** The problem's stable code. */
  readonly code: string;
  /** The server's request id (`request_id` / `x-request-id`), to quote in support requests. */
  readonly requestId: string | undefined;
  /** Field errors of a validation failure. */
  readonly errors: FieldError[];
  /** The whole RFC 9457 problem document, when there was one. */
  readonly problem: Record<string, unknown> | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string | undefined;
    errors?: FieldError[] | undefined;
    problem?: Record<string, unknown> | undefined;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.errors = init.errors ?? [];
    this.problem = init.problem;
  }
}

/**
 * True for a {@link TesseraApiError}, also across realms (matches by `name`).
 *
 * @example
 * if (isTesseraApiError(error) && error.status === 409) console.log(error.code);
 */
export function isTesseraApiError(error: unknown): error is TesseraApiError {
  return (
    error instanceof TesseraApiError ||
    (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TesseraApiError")
  );
}

/** The one place where a failure of the HTTP layer becomes a TesseraApiError. */
export async function toApiError(error: unknown): Promise<unknown> {
  if (error instanceof HTTPError) {
    const res = error.response;
    let problem: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = await res.json();
      if (typeof parsed === "object" && parsed !== null) problem = parsed as Record<string, unknown>;
    } catch {
      // Not JSON (a proxy's HTML page, say): the status is all we know.
    }
    const code = typeof problem?.code === "string" ? problem.code : `HTTP_${res.status}`;
    const detail = typeof problem?.detail === "string" ? problem.detail : undefined;
    const title = typeof problem?.title === "string" ? problem.title : res.statusText;
    return new TesseraApiError({
      status: res.status,
      code,
      message: `${code}: ${detail ?? title}`,
      requestId:
        typeof problem?.request_id === "string" ? problem.request_id : (res.headers.get("x-request-id") ?? undefined),
      errors: Array.isArray(problem?.errors) ? (problem.errors as FieldError[]) : undefined,
      problem,
      cause: error,
    });
  }
  if (error instanceof TimeoutError) {
    return new TesseraApiError({
      status: 0,
      code: "TIMEOUT",
      message: "TIMEOUT: the API did not answer in time",
      cause: error,
    });
  }
  if (error instanceof TypeError) {
    // fetch rejects with a TypeError when the connection fails.
    return new TesseraApiError({
      status: 0,
      code: "CONNECTION_FAILED",
      message: `CONNECTION_FAILED: ${error.message}`,
      cause: error,
    });
  }
  return error;
}
