import { ERROR_CODES, type ErrorCode, type Problem, problemType } from "@tessera/core";
import type { Context } from "hono";
import type { ZodError } from "zod";
import { ApiError, type FieldError } from "../errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemBody(
  code: ErrorCode,
  detail: string | undefined,
  requestId: string | undefined,
  errors?: FieldError[],
  extensions?: Record<string, unknown>,
): Problem {
  const { status, title } = ERROR_CODES[code];
  return {
    ...extensions,
    type: problemType(code),
    title,
    status,
    ...(detail && detail !== title ? { detail } : {}),
    code,
    ...(requestId ? { request_id: requestId } : {}),
    ...(errors?.length ? { errors } : {}),
  };
}

export function problemResponse(c: Context, error: ApiError): Response {
  const body = problemBody(error.code, error.message, c.get("requestId"), error.errors, error.extensions);
  return c.body(JSON.stringify(body), error.status as 400, { "content-type": PROBLEM_CONTENT_TYPE });
}

/** zod issues → `errors[]` with dotted paths, e.g. `prices.0.amount`. */
export function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join(".") || "(root)",
    message: issue.message,
    code: issue.code,
  }));
}

export function validationError(error: ZodError, target: string): ApiError {
  const where = target === "json" ? "body" : target;
  return new ApiError("VALIDATION_FAILED", `The request ${where} has ${error.issues.length} invalid field(s)`, {
    errors: fieldErrors(error, target === "json" ? undefined : target),
  });
}
