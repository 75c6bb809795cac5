import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/*
 * Webhook URLs are chosen by tenants, so without a fence a tenant could make the server POST to
 * its own loopback, the cloud metadata service (169.254.169.254) or the private network behind
 * it. By default every address below is refused; TESSERA_WEBHOOKS_ALLOW_PRIVATE=true lifts the
 * fence (local development, tests, or receivers that really live on a private network).
 */
// Two lists: a single BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules too.
const blocked4 = new BlockList();
const blocked6 = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked4.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["::ffff:0:0", 96], // IPv4-mapped: would reach any IPv4 address, private ones included
  ["64:ff9b::", 96], // NAT64
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  blocked6.addSubnet(net, prefix, "ipv6");
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? blocked4.check(address, "ipv4") : blocked6.check(address, "ipv6");
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** A URL whose host is a literal private address: refused when the endpoint is saved, not just later. */
export function privateLiteral(url: string): string | undefined {
  const host = hostOf(new URL(url));
  return isPrivateAddress(host) ? host : undefined;
}

/**
 * Resolves the host and returns why it is refused, or undefined when every address is public.
 * The name is resolved again by fetch, so a DNS answer that changes in between (rebinding) is not
 * caught here; a proxy that pins the address is the fence for that threat.
 */
export async function refusedDestination(url: URL, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const bad = addresses.find(isPrivateAddress);
  if (bad === undefined) return undefined;
  return `refused: ${host} resolves to ${bad}, a loopback or private address (set TESSERA_WEBHOOKS_ALLOW_PRIVATE=true to allow)`;
}
