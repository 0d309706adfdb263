/**
 * Which client a /collect request counts against: the socket's address, or (behind a trusted
 * reverse proxy) the right-most untrusted X-Forwarded-For entry; then grouped so that one
 * client cannot rotate addresses it owns in bulk (an IPv6 /64, the usual per-subscriber
 * allocation) and an IPv4-mapped IPv6 address counts as its IPv4 address.
 */
import { isIP, isIPv4, isIPv6 } from "node:net";

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined if it is not one. */
export function ipv6Groups(text: string): number[] | undefined {
  const addr = text.split("%")[0];
  if (!isIPv6(addr)) return undefined;
  let hex = addr;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    hex = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const groups = (s: string) => (s ? s.split(":").map((h) => parseInt(h, 16)) : []);
  const gap = hex.indexOf("::");
  if (gap < 0) return [...groups(hex), ...tail];
  const left = groups(hex.slice(0, gap));
  const right = groups(hex.slice(gap + 2));
  return [...left, ...new Array<number>(8 - left.length - right.length - tail.length).fill(0), ...right, ...tail];
}

/** `::ffff:a.b.c.d` (in any spelling) as `a.b.c.d`; anything else unchanged. */
export function unmapIPv4(addr: string): string {
  const g = ipv6Groups(addr);
  if (!g || g[5] !== 0xffff || g.slice(0, 5).some((x) => x !== 0)) return addr;
  return [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join(".");
}

/**
 * The rate-limit key of an address: IPv4 as is (mapped IPv6 included), IPv6 by its /64 prefix
 * (`2001:db8:1:2::/64`), anything else (no socket, as in tests) unchanged.
 */
export function clientKey(addr: string): string {
  const v4 = unmapIPv4(addr);
  if (isIPv4(v4)) return v4;
  const g = ipv6Groups(addr);
  return g ? `${g.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64` : addr;
}

/**
 * Addresses taken to be proxies under `--trust-proxy`: loopback and private networks (IPv4
 * 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16; IPv6 ::1, fc00::/7, fe80::/10), where a
 * reverse proxy in front of the gateway lives. The same default as Express's
 * `'loopback, linklocal, uniquelocal'`.
 */
export function isTrustedProxy(addr: string): boolean {
  const v4 = unmapIPv4(addr);
  if (isIPv4(v4)) {
    const [a, b] = v4.split(".").map(Number);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  const g = ipv6Groups(addr);
  if (!g) return false;
  const loopback = g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
  return loopback || (g[0] & 0xfe00) === 0xfc00 || (g[0] & 0xffc0) === 0xfe80;
}

/** An X-Forwarded-For entry without a port (`1.2.3.4:5678`, `[2001:db8::1]:443`). */
function hopAddress(entry: string): string {
  const e = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(e);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(e);
  return v4 ? v4[1] : e;
}

/**
 * The address of the client of a request from `peer`. Without `trustProxy`, or when the peer is
 * not a trusted proxy (a client that reached the gateway directly may write any header), it is
 * the peer. Otherwise X-Forwarded-For is walked from the right: each proxy appends the address
 * it received from, so the entries right of the first untrusted one are our proxies, and that
 * one is the client; everything left of it was sent by the client and may be forged, which is
 * why the left-most entry is never used. When every entry is trusted (a client on the private
 * network), the left-most valid one is the client; a malformed entry ends the walk.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trustProxy: boolean): string {
  if (!trustProxy || !forwardedFor || !isTrustedProxy(peer)) return peer;
  let client = peer;
  const hops = forwardedFor.split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i]);
    if (isIP(hop.split("%")[0]) === 0) break;
    client = hop;
    if (!isTrustedProxy(hop)) break;
  }
  return client;
}
