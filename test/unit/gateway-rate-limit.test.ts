import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clientAddress, clientKey, ipv6Groups, isTrustedProxy, unmapIPv4 } from "../../src/server/gateway/client-address";
import { RateLimiter, type RateLimitOptions } from "../../src/server/gateway/rate-limit";

const limiter = (o: Partial<RateLimitOptions> & { at?: { now: number } } = {}) => {
  const at = o.at ?? { now: 0 };
  return new RateLimiter({ rate: 1, burst: 2, globalRate: 1000, globalBurst: 1000, now: () => at.now, ...o });
};
const takeAll = (l: RateLimiter, key: string, n: number) => Array.from({ length: n }, () => l.take(key).ok);

describe("RateLimiter", () => {
  it("a client gets its burst, then its rate; a refused client does not drain the global bucket", () => {
    const at = { now: 0 };
    const l = limiter({ at, globalBurst: 3, globalRate: 1 });
    expect(takeAll(l, "a", 3)).toEqual([true, true, false]);
    expect(l.take("a")).toMatchObject({ ok: false, scope: "client" });
    // "a" was refused twice by its own bucket: one global token is still there for "b".
    expect(l.take("b").ok).toBe(true);
    expect(l.take("c")).toMatchObject({ ok: false, scope: "global", retryAfterMs: 1000 });
    at.now = 1000; // one token back in every bucket
    expect(l.take("a").ok).toBe(true);
  });

  it("the global bucket bounds rotating keys: each new key has a full burst, the total does not", () => {
    const l = limiter({ globalBurst: 50, globalRate: 10 });
    const ok = Array.from({ length: 12_000 }, (_, i) => l.take(`10.0.${i >> 8}.${i & 255}`).ok).filter(Boolean).length;
    expect(ok).toBe(50);
    // Keys refused by the empty global bucket are not remembered: a flood cannot grow the map.
    expect(l.size).toBe(50);
  });

  it("evicts the least recently used key, not every key, when full", () => {
    const l = limiter({ maxKeys: 3 });
    for (const k of ["a", "b", "c"]) l.take(k);
    l.take("a"); // a is now the most recently used
    l.take("d");
    expect(["a", "b", "c", "d"].map((k) => l.has(k))).toEqual([true, false, true, true]);
    expect(l.size).toBe(3);
  });

  it("a drained client stays limited while more keys than the map holds pass by", () => {
    const l = limiter({ maxKeys: 100 });
    expect(takeAll(l, "busy", 3)).toEqual([true, true, false]);
    for (let i = 0; i < 1000; i++) {
      l.take(`other-${i}`);
      // Active every few requests: it stays among the recently used and keeps its empty bucket.
      if (i % 10 === 0) expect(l.take("busy").ok).toBe(false);
    }
    expect(l.size).toBe(100);
    expect(l.take("busy").ok).toBe(false);
  });
});

describe("client keys", () => {
  it("IPv6 groups agree with the URL parser's reading of the address", () => {
    fc.assert(
      fc.property(fc.ipV6(), (addr) => {
        const g = ipv6Groups(addr)!;
        expect(g).toHaveLength(8);
        const full = g.map((x) => x.toString(16)).join(":");
        expect(new URL(`http://[${full}]/`).hostname).toBe(new URL(`http://[${addr}]/`).hostname);
      }),
      { numRuns: 500 },
    );
  });

  it("groups IPv6 by /64 and IPv4-mapped IPv6 as IPv4", () => {
    const same = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:DB8:1:2:abcd:1:2:3", "2001:db8:1:2::1%eth0"].map(clientKey);
    expect(new Set(same).size).toBe(1);
    expect(clientKey("2001:db8:1:3::1")).not.toBe(same[0]);
    expect(clientKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("::ffff:cb00:7109")).toBe("203.0.113.9");
    expect(unmapIPv4("::1")).toBe("::1");
    expect(clientKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("203.0.113.10")).not.toBe("203.0.113.9");
  });

  it("trusts loopback and private networks as proxies, nothing public", () => {
    const trusted = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1"];
    const public_ = ["8.8.8.8", "172.32.0.1", "172.15.0.1", "203.0.113.5", "2001:db8::1", "::ffff:8.8.8.8", "local"];
    expect(trusted.filter((a) => !isTrustedProxy(a))).toEqual([]);
    expect(public_.filter((a) => isTrustedProxy(a))).toEqual([]);
  });

  it("X-Forwarded-For: ignored unless trusted and from a proxy; then the right-most untrusted entry", () => {
    expect(clientAddress("127.0.0.1", "203.0.113.5", false)).toBe("127.0.0.1");
    // A client reaching the gateway directly can write any header.
    expect(clientAddress("198.51.100.7", "203.0.113.5", true)).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", "203.0.113.5", true)).toBe("203.0.113.5");
    // Left of the right-most untrusted entry is what the client sent: never used.
    expect(clientAddress("127.0.0.1", "1.1.1.1, 203.0.113.5, 10.0.0.2", true)).toBe("203.0.113.5");
    expect(clientAddress("10.0.0.1", "9.9.9.9,203.0.113.5:4711", true)).toBe("203.0.113.5");
    expect(clientAddress("10.0.0.1", "[2001:db8::7]:443", true)).toBe("2001:db8::7");
    // All private: the client is on the private network, the left-most valid entry.
    expect(clientAddress("127.0.0.1", "192.168.0.9, 10.0.0.2", true)).toBe("192.168.0.9");
    // A malformed entry ends the walk at the last address a proxy wrote.
    expect(clientAddress("127.0.0.1", "junk, 10.0.0.3", true)).toBe("10.0.0.3");
    expect(clientAddress("127.0.0.1", "", true)).toBe("127.0.0.1");
  });
});
