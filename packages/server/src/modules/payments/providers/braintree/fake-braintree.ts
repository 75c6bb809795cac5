import { randomBytes } from "node:crypto";
import type { Json } from "../../../../../test/harness.js";
import type { WebhookRequest } from "../../provider.js";
import { type FakeAnswer, ForcedFailures, startFakeServer } from "../fake-server.js";
import { braintreeSignature } from "./webhooks.js";

/*
 * A local Braintree GraphQL endpoint for the adapter's tests, answering in the shapes of
 * braintree/graphql-api schema.graphql: chargePaymentMethod, authorizePaymentMethod,
 * captureTransaction, reverseTransaction, refundTransaction, vaultPaymentMethod, node,
 * search.transactions/refunds by orderId and idFromLegacyId. Declines follow Braintree's sandbox
 * test amounts (2000.00–3000.99 decline with that processor code); the `fake-*` payment methods
 * exist only here. Transactions captured here settle at once (the sandbox's testing.settle), so
 * refunds are allowed right away; `settleLater()` keeps them SUBMITTED_FOR_SETTLEMENT instead.
 * The operation is recognised by its root field: a fake, not a GraphQL engine.
 */

type Behaviour =
  | { kind: "ok" }
  | { kind: "decline"; code: string; message: string; type: "SOFT" | "HARD"; mac?: string }
  | { kind: "hang" };

const DECLINES: Record<string, { message: string; type: "SOFT" | "HARD" }> = {
  "2000": { message: "Do Not Honor", type: "SOFT" },
  "2001": { message: "Insufficient Funds", type: "SOFT" },
  "2004": { message: "Expired Card", type: "HARD" },
  "2013": { message: "Processor Declined - Possible Stolen Card", type: "HARD" },
  "2099": { message: "Cardholder Authentication Required", type: "SOFT" },
  "3000": { message: "Processor Network Unavailable - Try Again", type: "SOFT" },
};

const decline = (code: string, mac?: string): Behaviour => ({
  kind: "decline",
  code,
  ...DECLINES[code]!,
  ...(mac && { mac }),
});

/** Vaulted payment methods by GraphQL id; base64 ids like Braintree's own. */
const id = (prefix: string, legacy: string) => Buffer.from(`${prefix}_${legacy}`).toString("base64");
export const BRAINTREE_TEST_METHODS: Record<string, Behaviour> = {
  [id("paymentmethod", "fake-valid")]: { kind: "ok" },
  [id("paymentmethod", "fake-insufficient")]: decline("2001"),
  [id("paymentmethod", "fake-stolen")]: decline("2013"),
  [id("paymentmethod", "fake-3ds-required")]: decline("2099"),
  [id("paymentmethod", "fake-mac03")]: decline("2000", "03"),
  [id("paymentmethod", "fake-timeout")]: { kind: "hang" },
};
export const braintreeTestMethod = (name: string) => id("paymentmethod", name);

const DECIMALS: Record<string, number> = { JPY: 0, KWD: 3 };
const places = (c: string) => DECIMALS[c] ?? 2;
const cents = (value: string, c: string) => Math.round(Number(value) * 10 ** places(c));
const money = (n: number, c: string) => ({ value: (n / 10 ** places(c)).toFixed(places(c)), currencyCode: c });

interface Txn {
  id: string;
  legacyId: string;
  status: string;
  orderId: string;
  amount: number;
  currency: string;
  refunded: number;
  history: Record<string, unknown>[];
}
interface Refund {
  id: string;
  legacyId: string;
  status: string;
  orderId: string;
  amount: number;
  currency: string;
  txn: string;
}

export interface FakeBraintree {
  url: string;
  publicKey: string;
  privateKey: string;
  failNext(status: 429 | 500, count?: number): void;
  /** Captures stay SUBMITTED_FOR_SETTLEMENT (refunds then fail with 91506 until settled). */
  settleLater(): void;
  transactionsUnder(orderId: string): number;
  legacyIdOf(transactionId: string): string;
  /** A signed notification as Braintree posts it (form-encoded bt_signature / bt_payload). */
  notification(
    kind: "transaction_settled" | "dispute_opened",
    transactionId: string,
    now: Date,
    disputeId?: string,
  ): WebhookRequest;
  close(): Promise<void>;
}

/** Merchant accounts and their currencies; an unnamed account is the gateway's default. */
const ACCOUNTS: Record<string, string> = { tessera_test: "EUR", tessera_usd: "USD", tessera_jpy: "JPY" };

export async function startFakeBraintree(): Promise<FakeBraintree> {
  const accountCurrency = (id: unknown) => ACCOUNTS[String(id ?? "tessera_test")];
  const publicKey = randomBytes(8).toString("hex");
  const privateKey = randomBytes(16).toString("hex");
  const txns = new Map<string, Txn>();
  const refunds = new Map<string, Refund>();
  const vaulted = new Map<string, Behaviour>();
  const byOrder = new Map<string, number>();
  const failures = new ForcedFailures();
  let settleAtOnce = true;

  const ok = (data: unknown): FakeAnswer => ({
    status: 200,
    body: { data, extensions: { requestId: randomBytes(8).toString("hex") } },
  });
  const fail = (root: string, errorClass: string, message: string, legacyCode?: string, status = 200): FakeAnswer => ({
    status,
    body: {
      errors: [
        {
          message,
          locations: [{ line: 1, column: 1 }],
          path: [root],
          extensions: { errorClass, ...(legacyCode && { legacyCode }), inputPath: ["input"] },
        },
      ],
      data: root ? { [root]: null } : null,
      extensions: { requestId: randomBytes(8).toString("hex") },
    },
  });
  const txnJson = (t: Txn) => ({
    id: t.id,
    legacyId: t.legacyId,
    status: t.status,
    orderId: t.orderId,
    amount: money(t.amount, t.currency),
    statusHistory: t.history,
  });
  const refundJson = (r: Refund) => ({
    id: r.id,
    status: r.status,
    orderId: r.orderId,
    amount: money(r.amount, r.currency),
  });
  const event = (status: string, t: { amount: number; currency: string }, extra: Record<string, unknown> = {}) => ({
    __typename: `${status
      .split("_")
      .map((w) => w[0] + w.slice(1).toLowerCase())
      .join("")}Event`,
    status,
    amount: money(t.amount, t.currency),
    terminal: false,
    ...extra,
  });

  function create(root: string, input: Json, submit: boolean): FakeAnswer | "hang" {
    const value = input?.transaction?.amount;
    const currency = accountCurrency(input?.transaction?.merchantAccountId);
    if (!currency) return fail(root, "VALIDATION", "Merchant account ID is invalid.", "91513");
    if (typeof value !== "string" || !/^\d+(\.\d{1,3})?$/.test(value) || Number(value) <= 0)
      return fail(root, "VALIDATION", "Amount is an invalid format.", "81503");
    if ((value.split(".")[1]?.length ?? 0) > places(currency))
      return fail(root, "VALIDATION", "Amount is an invalid format.", "81503");
    const behaviour = vaulted.get(input.paymentMethodId) ?? BRAINTREE_TEST_METHODS[input.paymentMethodId];
    if (!behaviour) return fail(root, "NOT_FOUND", "An object with this ID was not found.");
    const legacyId = randomBytes(4).toString("hex");
    const t: Txn = {
      id: id("transaction", legacyId),
      legacyId,
      status: "AUTHORIZED",
      orderId: input.transaction.orderId ?? "",
      amount: cents(value, currency),
      currency,
      refunded: 0,
      history: [],
    };
    txns.set(t.id, t);
    if (t.orderId) byOrder.set(t.orderId, (byOrder.get(t.orderId) ?? 0) + 1);
    // Braintree's sandbox: amounts 2000.00–3000.99 decline with that processor response code.
    const amountCode = Math.floor(Number(value));
    const b: Behaviour =
      amountCode >= 2000 && amountCode <= 3000 && DECLINES[String(amountCode)]
        ? decline(String(amountCode))
        : behaviour;
    if (b.kind === "decline") {
      t.status = "PROCESSOR_DECLINED";
      t.history.unshift(
        event("PROCESSOR_DECLINED", t, {
          declineType: b.type,
          processorResponse: { legacyCode: b.code, message: b.message },
          merchantAdviceCodeResponse: b.mac ? { code: b.mac, message: "Do Not Try Again" } : null,
        }),
      );
    } else {
      t.history.unshift(event("AUTHORIZED", t, { processorResponse: { legacyCode: "1000", message: "Approved" } }));
      if (submit) capture(t, t.amount);
    }
    if (b.kind === "hang") return "hang";
    return ok({ [root]: { transaction: txnJson(t) } });
  }

  function capture(t: Txn, amount: number) {
    t.amount = amount;
    t.status = settleAtOnce ? "SETTLED" : "SUBMITTED_FOR_SETTLEMENT";
    t.history.unshift(event(t.status, t));
  }

  function route(query: string, v: Json): FakeAnswer | "hang" {
    if (query.includes("idFromLegacyId")) return ok({ idFromLegacyId: id("transaction", String(v.legacyId)) });
    if (query.includes("search { transactions")) {
      const found = [...txns.values()].find((t) => t.orderId === v.orderId);
      return ok({
        search: {
          transactions: {
            edges: found ? [{ cursor: "c", node: txnJson(found) }] : [],
            pageInfo: { hasNextPage: false },
          },
        },
      });
    }
    if (query.includes("search { refunds")) {
      const found = [...refunds.values()].find((r) => r.orderId === v.orderId);
      return ok({
        search: {
          refunds: { edges: found ? [{ cursor: "c", node: refundJson(found) }] : [], pageInfo: { hasNextPage: false } },
        },
      });
    }
    if (query.includes("node(id")) {
      const t = txns.get(v.id);
      return t ? ok({ node: txnJson(t) }) : fail("node", "NOT_FOUND", "An object with this ID was not found.");
    }
    const input = v?.input;
    if (query.includes("chargePaymentMethod(")) return create("chargePaymentMethod", input, true);
    if (query.includes("authorizePaymentMethod(")) return create("authorizePaymentMethod", input, false);
    if (query.includes("captureTransaction(")) {
      const t = txns.get(input?.transactionId);
      if (!t) return fail("captureTransaction", "NOT_FOUND", "An object with this ID was not found.");
      if (t.status !== "AUTHORIZED")
        return fail(
          "captureTransaction",
          "VALIDATION",
          "Cannot submit for settlement unless status is authorized.",
          "91507",
        );
      const amount = input.transaction?.amount ? cents(input.transaction.amount, t.currency) : t.amount;
      if (amount > t.amount)
        return fail("captureTransaction", "VALIDATION", "Settlement amount is too large.", "91521");
      capture(t, amount);
      return ok({ captureTransaction: { transaction: txnJson(t) } });
    }
    if (query.includes("reverseTransaction(")) {
      const t = txns.get(input?.transactionId);
      if (!t) return fail("reverseTransaction", "NOT_FOUND", "An object with this ID was not found.");
      if (t.status === "AUTHORIZED" || t.status === "SUBMITTED_FOR_SETTLEMENT") {
        t.status = "VOIDED";
        t.history.unshift(event("VOIDED", t));
        return ok({ reverseTransaction: { reversal: txnJson(t) } });
      }
      return fail(
        "reverseTransaction",
        "VALIDATION",
        "Transaction can only be voided if status is authorized or submitted_for_settlement.",
        "91504",
      );
    }
    if (query.includes("refundTransaction(")) {
      const t = txns.get(input?.transactionId);
      if (!t) return fail("refundTransaction", "NOT_FOUND", "An object with this ID was not found.");
      if (t.status !== "SETTLED")
        return fail("refundTransaction", "VALIDATION", "Cannot refund transaction unless it is settled.", "91506");
      const amount = input.refund?.amount ? cents(input.refund.amount, t.currency) : t.amount - t.refunded;
      if (t.refunded >= t.amount)
        return fail("refundTransaction", "VALIDATION", "Transaction has already been completely refunded.", "91512");
      if (amount > t.amount - t.refunded)
        return fail("refundTransaction", "VALIDATION", "Refund amount is too large.", "91521");
      t.refunded += amount;
      const legacyId = randomBytes(4).toString("hex");
      const r: Refund = {
        id: id("refund", legacyId),
        legacyId,
        status: "SUBMITTED_FOR_SETTLEMENT",
        orderId: input.refund?.orderId ?? "",
        amount,
        currency: t.currency,
        txn: t.id,
      };
      refunds.set(r.id, r);
      return ok({ refundTransaction: { refund: refundJson(r) } });
    }
    if (query.includes("vaultPaymentMethod(")) {
      const nonce = String(input?.paymentMethodId ?? "");
      if (nonce === "fake-processor-declined-visa-nonce")
        return ok({
          vaultPaymentMethod: {
            paymentMethod: null,
            verification: {
              status: "PROCESSOR_DECLINED",
              processorResponse: { legacyCode: "2000", message: "Do Not Honor" },
            },
          },
        });
      if (nonce !== "fake-valid-nonce" && nonce !== "fake-valid-mastercard-nonce")
        return fail("vaultPaymentMethod", "VALIDATION", "Unknown or expired payment method ID.", "91565");
      const pm = id("paymentmethod", randomBytes(4).toString("hex"));
      vaulted.set(pm, { kind: "ok" });
      const visa = nonce === "fake-valid-nonce";
      return ok({
        vaultPaymentMethod: {
          paymentMethod: {
            id: pm,
            details: {
              __typename: "CreditCardDetails",
              brandCode: visa ? "VISA" : "MASTERCARD",
              last4: visa ? "1881" : "4444",
              expirationMonth: "12",
              expirationYear: "2030",
              uniqueNumberIdentifier: visa ? "6b7a3f7a1c4b4a1d9b0f8f1b1c1d1e1f" : "1f1e1d1c1b1f8f0b9d1a4b4c1a7f3a7b",
            },
          },
          verification: { status: "VERIFIED", processorResponse: { legacyCode: "1000", message: "Approved" } },
        },
      });
    }
    return fail("", "VALIDATION", "Unsupported operation in the fake.");
  }

  const server = await startFakeServer((r) => {
    if (r.method !== "POST" || r.path !== "/graphql") return { status: 404, body: "" };
    const basic = `Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString("base64")}`;
    if (r.headers.authorization !== basic) return fail("", "AUTHENTICATION", "Authentication failed.", undefined, 401);
    if (!r.headers["braintree-version"]) return fail("", "VALIDATION", "Braintree-Version header is required.");
    const forced = failures.next();
    if (forced === 429) return fail("", "RESOURCE_LIMIT", "Too many requests.", undefined, 429);
    if (forced === 500) return fail("", "INTERNAL", "An unexpected error occurred.", undefined, 500);
    const body = JSON.parse(r.body) as { query: string; variables: Record<string, unknown> };
    return route(body.query, body.variables ?? {});
  });

  return {
    url: server.url,
    publicKey,
    privateKey,
    failNext: (status, count = 1) => failures.push(status, count),
    settleLater() {
      settleAtOnce = false;
    },
    transactionsUnder: (orderId) => byOrder.get(orderId) ?? 0,
    legacyIdOf(transactionId) {
      const t = txns.get(transactionId);
      if (!t) throw new Error(`fake braintree: no transaction ${transactionId}`);
      return t.legacyId;
    },
    notification(kind, transactionId, now, disputeId) {
      const t = txns.get(transactionId);
      if (!t) throw new Error(`fake braintree: no transaction ${transactionId}`);
      const amount = money(t.amount, t.currency).value;
      const subject =
        kind === "transaction_settled"
          ? `<transaction>
  <id>${t.legacyId}</id>
  <status>settled</status>
  <type>sale</type>
  <currency-iso-code>${t.currency}</currency-iso-code>
  <amount>${amount}</amount>
  <order-id>${t.orderId}</order-id>
  <merchant-account-id>tessera_test</merchant-account-id>
</transaction>`
          : `<dispute>
  <amount>${amount}</amount>
  <amount-disputed>${amount}</amount-disputed>
  <currency-iso-code>${t.currency}</currency-iso-code>
  <kind>chargeback</kind>
  <status>open</status>
  <reason>fraud</reason>
  <id>${disputeId ?? `dp_${t.legacyId}`}</id>
  <transaction>
    <id>${t.legacyId}</id>
    <amount>${amount}</amount>
  </transaction>
</dispute>`;
      const xml = `<notification>
  <timestamp type="datetime">${now.toISOString().replace(/\.\d{3}Z$/, "Z")}</timestamp>
  <kind>${kind}</kind>
  <subject>${subject}</subject>
</notification>`;
      const payload = `${Buffer.from(xml).toString("base64")}\n`;
      const body = new URLSearchParams({
        bt_signature: `${publicKey}|${braintreeSignature(privateKey, payload)}`,
        bt_payload: payload,
      }).toString();
      return { headers: { "content-type": "application/x-www-form-urlencoded" }, body };
    },
    close: () => server.close(),
  };
}
