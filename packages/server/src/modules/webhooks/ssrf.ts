import { lookup as dnsLookup, type LookupAddress } from "node:dns";
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
  ["2001::", 32], // Teredo: tunnels to an IPv4 address that is only obfuscated, not checkable
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  blocked6.addSubnet(net, prefix, "ipv6");
}

/**
 * The IPv4 address an IPv6 address carries inside it, for the forms that reach IPv4 hosts:
 * IPv4-compatible (::a.b.c.d), IPv4-mapped (::ffff:a.b.c.d) and 6to4 (2002:AABB:CCDD::/48).
 */
export function embeddedIPv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && (words[5] === 0 || words[5] === 0xffff)) return v4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (dotted IPv4 tail and :: expanded), or undefined. */
function ipv6Words(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.split("%")[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(":").map((w) => Number.parseInt(w, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  return [...left, ...Array(tail === undefined ? 0 : fill).fill(0), ...right];
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return blocked4.check(address, "ipv4");
  if (blocked6.check(address, "ipv6")) return true;
  // An IPv6 form that carries an IPv4 address is as private as the address it carries.
  const v4 = embeddedIPv4(address);
  return v4 !== undefined && blocked4.check(v4, "ipv4");
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** A URL whose host is a literal private address: refused when the endpoint is saved, not just later. */
export function privateLiteral(url: string): string | undefined {
  const host = hostOf(new URL(url));
  return isPrivateAddress(host) ? host : undefined;
}

const REFUSED = "refused: the host is or resolves to a loopback or private address (TESSERA_WEBHOOKS_ALLOW_PRIVATE)";

/**
 * Resolves the host and returns why it is refused, or undefined when every address is public. Used
 * when an endpoint is saved; at send time `pinnedLookup` checks the very addresses the connection
 * then uses. The message never names the address a name resolved to: that would tell a tenant
 * about the server's own network.
 */
export async function refusedDestination(url: URL, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  return addresses.some(isPrivateAddress) ? REFUSED : undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the socket that makes the connection: it resolves the name, refuses the
 * connection when any address is private, and hands the socket exactly the addresses it checked.
 * A DNS answer that changes between a check and the connection (rebinding) is therefore useless.
 */
export function pinnedLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (error) return callback(error, []);
    if (addresses.some((a) => isPrivateAddress(a.address))) {
      const refused = Object.assign(new Error(REFUSED), { code: "EPRIVATEADDRESS" });
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}
