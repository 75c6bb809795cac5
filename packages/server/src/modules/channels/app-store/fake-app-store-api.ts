import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { importSPKI, jwtVerify } from "jose";
import type { AppStoreSimulator, SimulatedSubscription } from "./simulator.js";

/*
 * A local App Store Server API answering GET /inApps/v1/subscriptions/{transactionId} in Apple's
 * StatusResponse shape (developer.apple.com/documentation/appstoreserverapi/statusresponse), after
 * checking the bearer JWT the way Apple documents it (ES256 with the key id's public key, aud
 * appstoreconnect-v1, bid = the app). Tests set each subscription's status (1 active, 2 expired,
 * 3 billing retry, 4 grace, 5 revoked).
 */

export interface FakeAppStoreApi {
  url: string;
  set(sub: SimulatedSubscription, status: 1 | 2 | 3 | 4 | 5, signedDate: number): void;
  requests: Array<{ path: string; authorized: boolean }>;
  close(): Promise<void>;
}

export async function startFakeAppStoreApi(
  simulator: AppStoreSimulator,
  key: { keyId: string; issuerId: string; publicKeyPem: string },
): Promise<FakeAppStoreApi> {
  const publicKey = await importSPKI(key.publicKeyPem, "ES256");
  const subs = new Map<string, { sub: SimulatedSubscription; status: number; signedDate: number }>();
  const requests: FakeAppStoreApi["requests"] = [];
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const match = /^\/inApps\/v1\/subscriptions\/([^/?]+)$/.exec(req.url ?? "");
    let authorized = false;
    try {
      const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      const { payload, protectedHeader } = await jwtVerify(bearer, publicKey, {
        audience: "appstoreconnect-v1",
        issuer: key.issuerId,
      });
      authorized = protectedHeader.kid === key.keyId && payload.bid === simulator.app.bundleId;
    } catch {}
    requests.push({ path: req.url ?? "", authorized });
    if (!authorized) return send(401, { errorCode: 4010000, errorMessage: "Unauthenticated" });
    if (!match || req.method !== "GET") return send(404, { errorCode: 4040000, errorMessage: "Not found" });
    const found = subs.get(decodeURIComponent(match[1]!));
    if (!found) return send(404, { errorCode: 4040010, errorMessage: "Transaction id not found." });
    const info = await simulator.signedInfo(found.sub, found.signedDate);
    send(200, {
      environment: simulator.app.environment,
      bundleId: simulator.app.bundleId,
      ...(simulator.app.appAppleId !== undefined && { appAppleId: simulator.app.appAppleId }),
      data: [
        {
          subscriptionGroupIdentifier: "21000000",
          lastTransactions: [{ status: found.status, originalTransactionId: found.sub.originalTransactionId, ...info }],
        },
      ],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (sub, status, signedDate) => subs.set(sub.originalTransactionId, { sub, status, signedDate }),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
