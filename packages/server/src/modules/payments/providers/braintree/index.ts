import {
  type Capabilities,
  type ChargeRequest,
  type OperationOutcome,
  type PaymentOutcome,
  type PaymentProvider,
  type ProviderContext,
  type ProviderDeps,
  rawExcerpt,
  type SavePaymentMethodOutcome,
} from "../../provider.js";
import { toDecimalString } from "../currency.js";
import { type Exchange, stringSetting } from "../http.js";
import { noAnswer } from "../outcomes.js";
import {
  type BraintreeMoney,
  type BraintreeRefund,
  type BraintreeTransaction,
  callBraintree,
  paymentMethodIdOf,
  REFUND_FIELDS,
  TRANSACTION_FIELDS,
  tokenOf,
} from "./api.js";
import {
  checkSame,
  errorsOutcome,
  firstError,
  minorOf,
  operationRefused,
  paymentAnswer,
  read,
  transactionOutcome,
} from "./outcomes.js";
import { verifyBraintreeWebhook } from "./webhooks.js";

/*
 * Braintree through its GraphQL API over the injected fetch. Settings: `api_base` (default the
 * sandbox, https://payments.sandbox.braintree-api.com; live is https://payments.braintree-api.com),
 * `merchant_account_id_<currency>` (e.g. `merchant_account_id_eur`) or `merchant_account_id`
 * (Braintree charges in the merchant account's currency), `timeout_ms`; credentials: `public_key`,
 * `private_key`.
 *
 * Why not the `braintree` npm SDK: it sends through node's https module with its own retries, so
 * the injected fetch, the timeout and the "not sent" / "no answer" distinction would be lost.
 *
 * Idempotency: Braintree has no idempotency keys. Our key is the transaction's (and a refund's)
 * `orderId`, and every money-moving call first searches for a transaction under it: a replay
 * answers what the first call did, a lost answer is found by `retrieve`. Two calls with one key
 * at the same instant could both miss the search; the payments service never runs one key twice
 * at once. Captures and voids act on a transaction's status (captured once, voided once).
 */

export const BRAINTREE_CAPABILITIES: Capabilities = {
  separateCapture: true,
  partialCapture: true,
  void: true,
  partialRefund: true,
  multipleRefunds: true,
  // 3-D Secure runs in Braintree's client SDK before the server charges; a charge that needed it declines (2099).
  customerActions: false,
  vaulting: true,
  asynchronousSettlement: false,
  webhooks: true,
};

const SEARCH_TRANSACTION = `query ($orderId: String!) { search { transactions(input: { orderId: { is: $orderId } }, first: 1) {
  edges { node { ${TRANSACTION_FIELDS} } } } } }`;
const SEARCH_REFUND = `query ($orderId: String!) { search { refunds(input: { orderId: { is: $orderId } }, first: 1) {
  edges { node { ${REFUND_FIELDS} } } } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { ... on Transaction { ${TRANSACTION_FIELDS} } } }`;
const mutation = (name: string, input: string, payload: string) =>
  `mutation ($input: ${input}!) { ${name}(input: $input) { ${payload} } }`;
const CHARGE = mutation("chargePaymentMethod", "ChargePaymentMethodInput", `transaction { ${TRANSACTION_FIELDS} }`);
const AUTHORIZE = mutation(
  "authorizePaymentMethod",
  "AuthorizePaymentMethodInput",
  `transaction { ${TRANSACTION_FIELDS} }`,
);
const CAPTURE = mutation("captureTransaction", "CaptureTransactionInput", `transaction { ${TRANSACTION_FIELDS} }`);
const REVERSE = mutation(
  "reverseTransaction",
  "ReverseTransactionInput",
  `reversal { ... on Transaction { ${TRANSACTION_FIELDS} } ... on Refund { ${REFUND_FIELDS} } }`,
);
const REFUND = mutation("refundTransaction", "RefundTransactionInput", `refund { ${REFUND_FIELDS} }`);
const VAULT = mutation(
  "vaultPaymentMethod",
  "VaultPaymentMethodInput",
  `paymentMethod { id details { __typename ... on CreditCardDetails { brandCode last4 expirationMonth expirationYear uniqueNumberIdentifier } ... on PayPalAccountDetails { email } } }
   verification { status processorResponse { legacyCode message } }`,
);
const LEGACY = "query ($legacyId: ID!) { idFromLegacyId(legacyId: $legacyId, type: TRANSACTION) }";

/** The merchant account for a currency: `merchant_account_id_<cur>`, else `merchant_account_id`, else the gateway's default. */
export function merchantAccount(ctx: ProviderContext, currency: string): string | undefined {
  return (
    stringSetting(ctx, `merchant_account_id_${currency.toLowerCase()}`) ?? stringSetting(ctx, "merchant_account_id")
  );
}

const CAPTURED = new Set([
  "SUBMITTED_FOR_SETTLEMENT",
  "SETTLING",
  "SETTLEMENT_PENDING",
  "SETTLED",
  "SETTLEMENT_CONFIRMED",
]);

export function braintreeProvider(deps: ProviderDeps, name = "braintree"): PaymentProvider {
  const gql = (ctx: ProviderContext, query: string, variables: Record<string, unknown>) =>
    callBraintree(deps.fetch, ctx, query, variables);

  const money = (amount: number, currency: string): BraintreeMoney => ({
    value: toDecimalString(amount, currency),
    currencyCode: currency.toUpperCase(),
  });

  /** The transaction under our key, if any: undefined = none; an Exchange = Braintree could not be asked. */
  async function findByKey(
    ctx: ProviderContext,
    key: string,
  ): Promise<{ t?: BraintreeTransaction; raw: string } | Exchange> {
    const x = await gql(ctx, SEARCH_TRANSACTION, { orderId: key });
    if (x.kind !== "answer") return x;
    const a = read<{ search?: { transactions?: { edges?: { node?: BraintreeTransaction }[] } } }>(x);
    const edges = a?.data?.search?.transactions?.edges;
    if (!edges) return x;
    return { t: edges[0]?.node ?? undefined, raw: x.body };
  }

  async function getTransaction(
    ctx: ProviderContext,
    id: string,
  ): Promise<{ t?: BraintreeTransaction; raw: string } | Exchange> {
    const x = await gql(ctx, NODE, { id });
    if (x.kind !== "answer") return x;
    const a = read<{ node?: BraintreeTransaction | null }>(x);
    if (!a || (a.errors?.length && a.errors[0]?.extensions?.errorClass !== "NOT_FOUND")) return x;
    return { t: a.data?.node?.id ? a.data.node : undefined, raw: x.body };
  }

  async function pay(ctx: ProviderContext, r: ChargeRequest, authorizeOnly: boolean): Promise<PaymentOutcome> {
    const paymentMethodId = paymentMethodIdOf(r.paymentMethod);
    if (!paymentMethodId)
      return {
        status: "hard_decline",
        reference: null,
        code: "payment_method_unknown",
        message: `${r.paymentMethod} is not a Braintree payment method token`,
        retry: { allowed: false },
        vendor: { code: null, raw: null },
      };
    const amount = money(r.amount, r.currency);
    const earlier = await findByKey(ctx, r.idempotencyKey);
    if ("kind" in earlier) {
      // The key could not be looked up: the charge itself was never sent, so failover stays safe.
      const o = earlier.kind === "answer" ? errorsOutcome(earlier, firstError(read(earlier))) : noAnswer(earlier);
      return o.status === "unknown" ? { ...o, sent: false } : o;
    }
    if (earlier.t) {
      checkSame(amount, earlier.t.amount);
      return transactionOutcome(earlier.t, JSON.stringify(earlier.t));
    }
    const transaction = {
      amount: amount.value,
      orderId: r.idempotencyKey,
      ...(merchantAccount(ctx, r.currency) && { merchantAccountId: merchantAccount(ctx, r.currency) }),
      // Renewals are merchant-initiated recurring charges on a stored credential.
      ...(r.onSession === false && { paymentInitiator: "RECURRING" }),
    };
    const x = await gql(ctx, authorizeOnly ? AUTHORIZE : CHARGE, {
      input: { paymentMethodId, transaction },
    });
    return paymentAnswer(x, authorizeOnly ? "authorizePaymentMethod" : "chargePaymentMethod", amount);
  }

  const refused = (code: string, message: string, raw: string | null): OperationOutcome => ({
    status: "refused",
    reference: null,
    code,
    message,
    vendor: { code, raw: rawExcerpt(raw) },
  });

  async function current(ctx: ProviderContext, reference: string) {
    const found = await getTransaction(ctx, reference);
    if ("kind" in found)
      return { failed: found.kind === "answer" ? operationRefused(found) : noAnswer(found) } as const;
    if (!found.t) return { failed: refused("NOT_FOUND", `No transaction ${reference}`, found.raw) } as const;
    return { t: found.t, raw: found.raw } as const;
  }

  async function lookupLegacy(ctx: ProviderContext, legacyId: string) {
    const x = await gql(ctx, LEGACY, { legacyId });
    return x.kind === "answer" ? (read<{ idFromLegacyId?: string }>(x)?.data?.idFromLegacyId ?? undefined) : undefined;
  }

  return {
    name,
    capabilities: BRAINTREE_CAPABILITIES,
    charge: (ctx, r) => pay(ctx, r, false),
    authorize: (ctx, r) => pay(ctx, r, true),

    async confirm(_ctx, r) {
      return {
        status: "unknown",
        sent: false,
        reference: r.reference,
        message: "braintree completes 3-D Secure in its client SDK before charging: there is nothing to confirm",
        vendor: { code: null, raw: null },
      };
    },

    async capture(ctx, r) {
      const c = await current(ctx, r.reference);
      if (c.failed) return c.failed;
      const authorized = c.t.amount;
      const amount = r.amount === undefined || !authorized ? undefined : money(r.amount, authorized.currencyCode);
      // Captured once already: the same amount is this capture replayed, any other is refused.
      if (CAPTURED.has(c.t.status)) {
        if (!amount || (authorized && amount.value === authorized.value))
          return {
            status: "succeeded",
            reference: c.t.id,
            amount: minorOf(authorized, 0),
            vendor: { code: c.t.status, raw: rawExcerpt(c.raw) },
          };
        return refused("91507", `Cannot capture a transaction that is ${c.t.status}`, c.raw);
      }
      if (c.t.status !== "AUTHORIZED")
        return refused("91507", `Cannot capture a transaction that is ${c.t.status}`, c.raw);
      if (amount && authorized && minorOf(amount, 0) > minorOf(authorized, 0))
        return refused("AMOUNT_EXCEEDS_AUTHORIZATION", `Cannot capture ${amount.value} of ${authorized.value}`, c.raw);
      const x = await gql(ctx, CAPTURE, {
        input: { transactionId: c.t.id, ...(amount && { transaction: { amount: amount.value } }) },
      });
      const o = paymentAnswer(x, "captureTransaction", undefined);
      if (o.status === "succeeded")
        return {
          status: "succeeded",
          reference: o.reference,
          amount: minorOf(readTransaction(x)?.amount, r.amount ?? 0),
          vendor: o.vendor,
        };
      if (o.status === "unknown") return { ...o, reference: null };
      return x.kind === "answer" && o.status === "error" ? o : operationRefused(x);
    },

    async void(ctx, r) {
      const c = await current(ctx, r.reference);
      if (c.failed) return c.failed;
      if (c.t.status === "VOIDED")
        return {
          status: "succeeded",
          reference: c.t.id,
          amount: minorOf(c.t.amount, 0),
          vendor: { code: "VOIDED", raw: rawExcerpt(c.raw) },
        };
      // reverseTransaction refunds a settled transaction: only an uncaptured authorization is voided here.
      if (c.t.status !== "AUTHORIZED")
        return refused("91504", `Cannot void a transaction that is ${c.t.status}`, c.raw);
      const x = await gql(ctx, REVERSE, { input: { transactionId: c.t.id } });
      if (x.kind === "answer") {
        const t = read<{ reverseTransaction?: { reversal?: BraintreeTransaction } }>(x)?.data?.reverseTransaction
          ?.reversal;
        if (t?.status === "VOIDED")
          return {
            status: "succeeded",
            reference: t.id,
            amount: minorOf(t.amount, 0),
            vendor: { code: "VOIDED", raw: rawExcerpt(x.body) },
          };
      }
      return operationRefused(x);
    },

    async refund(ctx, r) {
      const amount = money(r.amount, r.currency);
      const earlier = await gql(ctx, SEARCH_REFUND, { orderId: r.idempotencyKey });
      if (earlier.kind !== "answer") return { ...noAnswer(earlier), sent: false };
      const edges = read<{ search?: { refunds?: { edges?: { node?: BraintreeRefund }[] } } }>(earlier)?.data?.search
        ?.refunds?.edges;
      if (!edges) return operationRefused(earlier);
      const found = edges[0]?.node;
      if (found) {
        checkSame(amount, found.amount);
        return refundOutcome(found, JSON.stringify(found), r.amount);
      }
      const x = await gql(ctx, REFUND, {
        input: { transactionId: r.reference, refund: { amount: amount.value, orderId: r.idempotencyKey } },
      });
      if (x.kind === "answer") {
        const refund = read<{ refundTransaction?: { refund?: BraintreeRefund } }>(x)?.data?.refundTransaction?.refund;
        if (refund?.id) return refundOutcome(refund, JSON.stringify(refund), r.amount);
      }
      return operationRefused(x);
    },

    async retrieve(ctx, r) {
      const found = r.reference ? await getTransaction(ctx, r.reference) : await findByKey(ctx, r.idempotencyKey);
      if ("kind" in found)
        return found.kind === "answer" ? errorsOutcome(found, firstError(read(found))) : noAnswer(found);
      if (!found.t)
        return { status: "not_found", reference: null, vendor: { code: "NOT_FOUND", raw: rawExcerpt(found.raw) } };
      return transactionOutcome(found.t, JSON.stringify(found.t));
    },

    async savePaymentMethod(ctx, r): Promise<SavePaymentMethodOutcome> {
      // The client SDK's single-use nonce becomes a multi-use payment method (verified by Braintree first).
      const x = await gql(ctx, VAULT, { input: { paymentMethodId: r.token } });
      if (x.kind !== "answer")
        return { status: "error", code: x.kind, message: x.message, vendor: { code: null, raw: null } };
      type Vaulted = {
        vaultPaymentMethod?: {
          paymentMethod?: {
            id: string;
            details?: {
              __typename?: string;
              brandCode?: string;
              last4?: string;
              expirationMonth?: string;
              expirationYear?: string;
              uniqueNumberIdentifier?: string;
            };
          };
          verification?: { status?: string; processorResponse?: { legacyCode?: string; message?: string } };
        };
      };
      const a = read<Vaulted>(x);
      const pm = a?.data?.vaultPaymentMethod?.paymentMethod;
      const verification = a?.data?.vaultPaymentMethod?.verification;
      if (pm?.id && (!verification || verification.status === "VERIFIED")) {
        const d = pm.details;
        return {
          status: "saved",
          method: {
            token: tokenOf(pm.id),
            brand: d?.brandCode?.toLowerCase() ?? (d?.__typename === "PayPalAccountDetails" ? "paypal" : null),
            last4: d?.last4 ?? null,
            expMonth: d?.expirationMonth ? Number(d.expirationMonth) : null,
            expYear: d?.expirationYear ? Number(d.expirationYear) : null,
            fingerprint: d?.uniqueNumberIdentifier ?? null,
          },
          vendor: { code: verification?.status ?? "VAULTED", raw: rawExcerpt(x.body) },
        };
      }
      const e = firstError(a);
      const code =
        verification?.processorResponse?.legacyCode ??
        e?.extensions?.legacyCode ??
        e?.extensions?.errorClass ??
        `http_${x.status}`;
      const v = { code, raw: rawExcerpt(x.body) };
      if (verification || e?.extensions?.errorClass === "VALIDATION" || e?.extensions?.errorClass === "NOT_FOUND")
        return {
          status: "refused",
          code,
          message: verification?.processorResponse?.message ?? e?.message ?? code,
          vendor: v,
        };
      return { status: "error", code, message: e?.message ?? `HTTP ${x.status}`, vendor: v };
    },

    handleWebhook: (ctx, request) => verifyBraintreeWebhook(ctx, request, lookupLegacy),
  };
}

function readTransaction(x: Exchange): BraintreeTransaction | undefined {
  return x.kind === "answer"
    ? (read<{ captureTransaction?: { transaction?: BraintreeTransaction } }>(x)?.data?.captureTransaction
        ?.transaction ?? undefined)
    : undefined;
}

function refundOutcome(refund: BraintreeRefund, raw: string, requested: number): OperationOutcome {
  const amount = minorOf(refund.amount, requested);
  const v = { code: refund.status, raw: rawExcerpt(raw) };
  if (refund.status === "SETTLED" || refund.status === "SETTLING" || refund.status === "SUBMITTED_FOR_SETTLEMENT")
    return { status: "succeeded", reference: refund.id, amount, vendor: v };
  if (refund.status === "SETTLEMENT_PENDING" || refund.status === "AUTHORIZING" || refund.status === "AUTHORIZED")
    return { status: "pending", reference: refund.id, amount, vendor: v };
  return {
    status: "refused",
    reference: refund.id,
    code: refund.status,
    message: `The refund is ${refund.status}`,
    vendor: v,
  };
}
