import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isTesseraTokenError } from "../errors.js";
import { createVerifier, decodeToken } from "../index.js";
import { formatToken } from "./format.js";

const USAGE = `Usage:
  tessera-token inspect <jwt|->  [--json] [--at <time>]
      Decode a token (no verification) and show header, claims, entitlements and expiry.
  tessera-token verify <jwt|-> --jwks <file|url> [--tenant <id|slug>] [--storefront <id>] [--issuer <url>]
                       [--environment <name>]
      Verify a token offline; exit 1 with the error code when it is invalid. A flag left out
      takes the token's own value, and the output lists what was therefore not checked.

  Pass - to read the token from standard input. --at <ISO 8601 time> judges the token as of that
  instant instead of now ("was this token valid when the request was refused?").`;

interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin(): string;
  now(): number;
}

/** Runs the CLI; returns the exit code. Separate from the process so the bin stays a one-liner. */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [command, tokenArg] = positionals;
  if (values.help || !command) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== "inspect" && command !== "verify") {
    io.err(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  if (!tokenArg) {
    io.err(`Missing <jwt>.\n\n${USAGE}`);
    return 2;
  }
  const token = (tokenArg === "-" ? io.stdin() : tokenArg).trim();
  const at = values.at === undefined ? undefined : Date.parse(values.at);
  if (at !== undefined && Number.isNaN(at)) {
    io.err(`--at ${values.at} is not an ISO 8601 time.\n\n${USAGE}`);
    return 2;
  }
  const now = at === undefined ? io.now : () => at;

  let decoded: ReturnType<typeof decodeToken>;
  try {
    decoded = decodeToken(token);
  } catch (error) {
    io.err(`${isTesseraTokenError(error) ? error.code : "ERROR"}: ${(error as Error).message}`);
    return 1;
  }

  if (command === "inspect") {
    io.out(values.json ? JSON.stringify(decoded, null, 2) : formatToken(decoded, Math.floor(now() / 1000)));
    return 0;
  }

  if (!values.jwks) {
    io.err(`verify needs --jwks <file|url>.\n\n${USAGE}`);
    return 2;
  }
  // A debugging tool: without a flag the token's own value is taken, and the output says it was
  // not checked. An app's verifier has no such fallback.
  const own = (claim: string) => {
    const value = decoded.payload[claim];
    return typeof value === "string" && value !== "" ? value : "(none)";
  };
  try {
    const verifier = createVerifier({
      jwks: values.jwks,
      tenant: values.tenant ?? own("tn"),
      storefront: values.storefront ?? "any",
      issuer: values.issuer ?? own("iss"),
      ...(values.environment ? { environment: values.environment } : {}),
      now,
    });
    const ent = await verifier.verify(token);
    const unchecked = [
      !values.tenant && "tenant",
      !values.storefront && "storefront",
      !values.issuer && "issuer",
      !values.environment && "environment",
    ]
      .filter(Boolean)
      .join(", ");
    const lines = [`VALID: signature, typ, claims and times check out (kid ${String(decoded.header.kid)})`];
    if (unchecked) lines.push(`Not checked (pass the flag to check): ${unchecked}`);
    lines.push("", formatToken(decoded, Math.floor(now() / 1000)), "", `Customer ${ent.customerId}`);
    io.out(lines.join("\n"));
    return 0;
  } catch (error) {
    if (isTesseraTokenError(error)) {
      io.err(`INVALID ${error.code}: ${error.message}`);
      return 1;
    }
    io.err(`ERROR: ${(error as Error).message}`);
    return 2;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      jwks: { type: "string" },
      tenant: { type: "string" },
      storefront: { type: "string" },
      issuer: { type: "string" },
      environment: { type: "string" },
      at: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** The process binding: real stdout/stderr/stdin and clock. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    stdin: () => readFileSync(0, "utf8"),
    now: Date.now,
  });
}
