import { describe, expect, it } from "vitest";
import { DatabaseTimeoutError, unavailableCause, withTimeout } from "./errors.js";

const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("unavailableCause", () => {
  it.each([
    [coded("ECONNREFUSED"), "ECONNREFUSED"],
    [coded("ECONNRESET"), "ECONNRESET"],
    [coded("08006"), "08006"],
    [coded("57P01"), "57P01"],
    [coded("57P03"), "57P03"],
    [coded("53300"), "53300"],
    [coded("57014"), "57014"],
    [coded("25006"), "25006"],
    [coded("SQLITE_FULL"), "SQLITE_FULL"],
    [coded("SQLITE_READONLY_DIRECTORY"), "SQLITE_READONLY_DIRECTORY"],
    [coded("SQLITE_IOERR_WRITE"), "SQLITE_IOERR_WRITE"],
    [coded("SQLITE_BUSY"), "SQLITE_BUSY"],
    [coded("SQLITE_CANTOPEN"), "SQLITE_CANTOPEN"],
    [new Error("timeout exceeded when trying to connect"), "timeout exceeded when trying to connect"],
    [new Error("Connection terminated unexpectedly"), "Connection terminated"],
    [new Error("Query read timeout"), "Query read timeout"],
    [new DatabaseTimeoutError("the readiness write", 10), "DB_TIMEOUT"],
    // localhost resolving to ::1 and 127.0.0.1: Node reports both refusals together.
    [new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")]), "ECONNREFUSED"],
    [new Error("wrapped", { cause: coded("57P01") }), "57P01"],
  ])("%s is an outage (%s)", (error, cause) => {
    expect(unavailableCause(error)).toBe(cause);
  });

  it.each([
    [coded("23505")],
    [coded("42P01")],
    [coded("SQLITE_CONSTRAINT_UNIQUE")],
    [coded("SQLITE_ERROR", "cannot rollback - no transaction is active")],
    [new TypeError("x is undefined")],
    [undefined],
    ["a string"],
  ])("%s is not", (error) => {
    expect(unavailableCause(error)).toBeUndefined();
  });
});

describe("withTimeout", () => {
  it("passes the result through, or rejects with DatabaseTimeoutError when the work is slower", async () => {
    await expect(withTimeout(Promise.resolve(1), 1000, "x")).resolves.toBe(1);
    const never = new Promise(() => {});
    await expect(withTimeout(never, 20, "the write")).rejects.toBeInstanceOf(DatabaseTimeoutError);
  });
});
