import { ERROR_CODES, type ErrorCode } from "@tessera/core";

export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

/** The one error type services throw. `onError` renders it as RFC 9457 problem+json. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { errors?: FieldError[]; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = options.errors;
    this.extensions = options.extensions;
  }
}

export function notFound(type: string, ref: string): ApiError {
  // Whatever the caller sent as an id is echoed at most in part.
  const shown = ref.length > 64 ? `${ref.slice(0, 64)}…` : ref;
  return new ApiError("NOT_FOUND", `No ${type} "${shown}"`);
}

// Kept here for the callers that map it to a 409; the dialect knowledge is in db/dialect.ts.
export { isUniqueViolation } from "./db/dialect.js";
