import { describe, expect, it } from "vitest";
import type { SourceInfo, TopicInfo } from "../../src/core/frames";
import { createGateway } from "../../src/server/gateway/app";
import type { Hub } from "../../src/server/gateway/hub";
import type { MessageLog } from "../../src/server/gateway/message-log";
import type { GatewaySource, OutgoingMessage, TopicListing } from "../../src/server/gateway/source";

/** A source that records what /collect produces (the Kafka and embedded sources have their own tests). */
class RecordingSource implements GatewaySource {
  readonly info: SourceInfo = { kind: "embedded", description: "recording" };
  readonly topics: TopicInfo[] = [
    { name: "clickstream", kind: "clickstream" },
    { name: "transactions", kind: "transactions" },
    { name: "orders", kind: "orders" },
  ];
  readonly resultsTopic = null;
  produced: { topic: string; messages: OutgoingMessage[] }[] = [];
  async start(_hub: Hub, _log: MessageLog): Promise<void> {}
  async stop(): Promise<void> {}
  async listTopics(): Promise<TopicListing[]> {
    return this.topics.map((t) => ({ name: t.name, kind: t.kind, partitions: [{ partition: 0, low: "0", high: "4", messages: 4 }], groups: [] }));
  }
  async produce(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.produced.push({ topic, messages });
  }
}

const click = (i = 0) => ({ event_id: `e${i}`, user_id: "u1", product_id: "prod-001", action: "view", timestamp: "2026-01-01T10:00:00Z" });
const post = (body: string, type = "application/json") => ({ method: "POST", body, headers: { "content-type": type } });

function gateway(opts: Partial<Parameters<typeof createGateway>[0]> = {}, now = () => 0) {
  const source = new RecordingSource();
  const gw = createGateway({ source, collect: { now, batchMs: 1 }, ...opts });
  return { gw, source, app: gw.app };
}

describe("gateway HTTP API (app.request)", () => {
  it("health names the source and the epoch", async () => {
    const { app, gw } = gateway();
    const r = await app.request("/api/health");
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, source: { kind: "embedded" }, epoch: gw.hub.epoch, clients: 0 });
  });

  it("lists topics with partitions and offsets", async () => {
    const { app } = gateway();
    const body = (await (await app.request("/api/topics")).json()) as { topics: TopicListing[] };
    expect(body.topics.map((t) => t.name)).toEqual(["clickstream", "transactions", "orders"]);
    expect(body.topics[0].partitions[0]).toEqual({ partition: 0, low: "0", high: "4", messages: 4 });
  });

  it("recent messages of a topic, newest last, within the limit; unknown topic 404, bad limit 400", async () => {
    const { app, gw } = gateway();
    for (let i = 0; i < 5; i++) gw.log.append("clickstream", 0, String(i), 1000 + i, "u1", JSON.stringify(click(i)));
    const r = (await (await app.request("/api/topics/clickstream/messages?limit=3")).json()) as { messages: { offset: string; value: string }[] };
    expect(r.messages.map((m) => m.offset)).toEqual(["2", "3", "4"]);
    expect(JSON.parse(r.messages[2].value).event_id).toBe("e4");
    expect((await app.request("/api/topics/nope/messages")).status).toBe(404);
    expect((await app.request("/api/topics/clickstream/messages?limit=0")).status).toBe(400);
  });

  it("live tail streams new messages as server-sent events", async () => {
    const { app, gw } = gateway();
    gw.log.append("orders", 0, "0", 1, null, "{\"a\":1}");
    const ac = new AbortController();
    const r = await app.request("/api/topics/orders/messages?follow=1&limit=5", { signal: ac.signal });
    expect(r.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const until = async (s: string) => {
      while (!text.includes(s)) text += dec.decode((await reader.read()).value);
    };
    await until('\\"a\\":1');
    gw.log.append("orders", 1, "7", 2, "k", "{\"b\":2}");
    await until('\\"b\\":2');
    expect(text).toMatch(/event: message/);
    expect(text).toContain('"offset":"7"');
    ac.abort();
    await reader.cancel();
  });

  it("/metrics exposes the gateway counters", async () => {
    const { app, gw } = gateway();
    gw.hub.ingest({ topic: "clickstream", partition: 0, value: JSON.stringify(click()), timestamp: 1 });
    gw.hub.ingest({ topic: "clickstream", partition: 0, value: "nope", timestamp: 1 });
    const text = await (await app.request("/metrics")).text();
    expect(text).toContain('eddy_gateway_events_total{topic="clickstream"} 1');
    expect(text).toContain('eddy_gateway_invalid_total{topic="clickstream"} 1');
    expect(text).toContain("eddy_gateway_clients 0");
  });

  it("EDDY_TOKEN guards the API, /metrics and /ws (Bearer or ?token=), not /collect", async () => {
    const { app } = gateway({ token: "s3cret" });
    expect((await app.request("/api/health")).status).toBe(401);
    expect((await app.request("/api/health", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await app.request("/api/health", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await app.request("/api/topics?token=s3cret")).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(401);
    expect((await app.request("/ws", { headers: { upgrade: "websocket" } })).status).toBe(401);
    expect((await app.request("/collect", post(JSON.stringify(click())))).status).toBe(202);
  });

  it("/ws refuses a foreign Origin unless allowed", async () => {
    const { app } = gateway({ allowedOrigins: ["http://localhost:5173"] });
    // No Node server behind app.request: an accepted upgrade ends in the adapter's 500, a refused one in 403.
    const ws = (origin: string) => app.request("http://127.0.0.1:8787/ws", { headers: { upgrade: "websocket", origin, host: "127.0.0.1:8787" } }, {});
    expect((await ws("https://evil.example")).status).toBe(403);
    expect((await ws("http://127.0.0.1:8787")).status).not.toBe(403);
    expect((await ws("http://localhost:5173")).status).not.toBe(403);
  });
});

describe("Host check without EDDY_TOKEN (DNS rebinding)", () => {
  const get = (app: ReturnType<typeof gateway>["app"], url: string, init: RequestInit = {}) => app.request(url, init, {});

  it("/api/topics, /metrics, /collect and unknown paths refuse a foreign Host with a plain reason", async () => {
    const { app } = gateway();
    for (const path of ["/api/topics", "/api/health", "/metrics", "/nope"]) {
      const r = await get(app, `http://attacker.example:8787${path}`);
      expect(r.status, path).toBe(403);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await r.text()).toMatch(/host attacker\.example is not allowed.*--allowed-hosts attacker\.example.*EDDY_TOKEN/);
    }
    expect((await get(app, "http://attacker.example/collect", post(JSON.stringify(click())))).status).toBe(403);
  });

  it("answers loopback names on any port", async () => {
    const { app } = gateway();
    const hosts = ["localhost", "localhost:5173", "127.0.0.1:8787", "127.0.0.2", "[::1]:8787", "eddy.localhost:80", "LOCALHOST.", "127.1"];
    for (const h of hosts) expect((await get(app, `http://${h}/api/topics`)).status, h).toBe(200);
    expect((await get(app, "http://localhost.attacker.example/api/topics")).status).toBe(403);
    expect((await get(app, "http://128.0.0.1/metrics")).status).toBe(403);
  });

  it("answers --allowed-hosts names (a leading dot for subdomains)", async () => {
    const { app } = gateway({ allowedHosts: ["eddy.lan", ".example.com"] });
    for (const h of ["eddy.lan:8787", "example.com", "a.b.example.com:1"]) expect((await get(app, `http://${h}/metrics`)).status, h).toBe(200);
    for (const h of ["eddy.lan.attacker.example", "notexample.com", "attacker.example"]) expect((await get(app, `http://${h}/metrics`)).status, h).toBe(403);
  });

  it("with EDDY_TOKEN the token guards instead, whatever the Host", async () => {
    const { app } = gateway({ token: "s3cret" });
    expect((await get(app, "http://eddy.example.com/api/topics")).status).toBe(401);
    expect((await get(app, "http://eddy.example.com/api/topics", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
  });

  it("/ws needs a loopback or allowed Origin: a rebinding page's Origin equals its Host and is still refused", async () => {
    const { app } = gateway({ allowedHosts: ["eddy.lan"] });
    const ws = (url: string, origin: string) => get(app, url, { headers: { upgrade: "websocket", origin, host: new URL(url).host } });
    expect((await ws("http://127.0.0.1:8787/ws", "http://attacker.example:8787")).status).toBe(403);
    expect((await ws("http://attacker.example:8787/ws", "http://attacker.example:8787")).status).toBe(403);
    expect((await ws("http://127.0.0.1:8787/ws", "null")).status).toBe(403);
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:8787", "http://[::1]:3000", "https://eddy.lan"]) {
      expect((await ws("http://127.0.0.1:8787/ws", origin)).status, origin).not.toBe(403);
    }
  });

  it("with EDDY_TOKEN, /ws also accepts the page's own origin under any name", async () => {
    const { app } = gateway({ token: "s3cret" });
    const ws = (origin: string) => get(app, "http://eddy.example.com/ws?token=s3cret", { headers: { upgrade: "websocket", origin, host: "eddy.example.com" } });
    expect((await ws("https://eddy.example.com")).status).not.toBe(403);
    expect((await ws("https://attacker.example")).status).toBe(403);
  });
});

describe("POST /collect", () => {
  it("accepts valid events (one or a list), batches them to the clickstream topic keyed by user", async () => {
    const { app, gw, source } = gateway();
    const one = await app.request("/collect", post(JSON.stringify(click(1))));
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ accepted: 1 });
    const many = await app.request("/collect", post(JSON.stringify({ events: [click(2), { ...click(3), user_id: "u9" }] }), "text/plain;charset=UTF-8"));
    expect(await many.json()).toEqual({ accepted: 2 });
    await gw.collect.flush();
    const msgs = source.produced.flatMap((p) => p.messages.map((m) => ({ topic: p.topic, ...m })));
    expect(msgs.map((m) => [m.topic, m.key, JSON.parse(m.value).event_id])).toEqual([
      ["clickstream", "u1", "e1"],
      ["clickstream", "u1", "e2"],
      ["clickstream", "u9", "e3"],
    ]);
    expect(gw.metrics.collected.get()).toBe(3);
  });

  it("rejects bad input with a reason and accepts nothing from that request", async () => {
    const { app, gw, source } = gateway();
    const bad = await app.request("/collect", post(JSON.stringify([click(1), { ...click(2), action: "dance" }])));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/event 1: unknown action "dance"/), index: 1 });
    expect((await app.request("/collect", post("{nope"))).status).toBe(400);
    expect((await app.request("/collect", post("[]"))).status).toBe(400);
    expect((await app.request("/collect", post(JSON.stringify(click()), "application/x-www-form-urlencoded"))).status).toBe(415);
    expect((await app.request("/collect", post(JSON.stringify({ events: Array.from({ length: 101 }, (_, i) => click(i)) })))).status).toBe(413);
    const huge = JSON.stringify({ ...click(), url: "x".repeat(70_000) });
    const tooBig = await app.request("/collect", post(huge));
    expect(tooBig.status).toBe(413);
    await gw.collect.flush();
    expect(source.produced).toEqual([]);
    expect(gw.metrics.collectRejected.get({ reason: "invalid" })).toBe(1);
  });

  it("refuses an event stamped beyond the allowed future skew (400 with the reason), and one over an id bound", async () => {
    const { app, gw, source } = gateway();
    const future = await app.request("/collect", post(JSON.stringify([click(1), { ...click(2), timestamp: "2100-01-01T00:00:00Z" }])));
    expect(future.status).toBe(400);
    expect(await future.json()).toEqual({ error: expect.stringMatching(/^event 1: timestamp 2100-01-01T00:00:00.000Z is \d+ years ahead of the wall clock, more than the allowed future skew of 1h/), index: 1 });
    const soon = Date.now() + 10 * 60_000; // within the default hour
    expect((await app.request("/collect", post(JSON.stringify({ ...click(3), timestamp: soon })))).status).toBe(202);
    const tight = gateway({ maxFutureSkewMs: 60_000 });
    expect((await tight.app.request("/collect", post(JSON.stringify({ ...click(4), timestamp: soon })))).status).toBe(400);
    const longId = await app.request("/collect", post(JSON.stringify({ ...click(5), product_id: "p".repeat(300) })));
    expect(await longId.json()).toEqual({ error: "event 0: field 'product_id' is longer than 256 bytes of UTF-8 (300 characters)", index: 0 });
    await gw.collect.flush();
    expect(source.produced.flatMap((p) => p.messages.map((m) => JSON.parse(m.value as string).event_id))).toEqual(["e3"]);
  });

  /** Posts one event as if from `peer` (the socket address), with an optional X-Forwarded-For. */
  const from = (app: ReturnType<typeof gateway>["app"], peer: string, xff?: string) =>
    app.request("/collect", { ...post(JSON.stringify(click())), headers: { "content-type": "application/json", ...(xff ? { "x-forwarded-for": xff } : {}) } }, {
      incoming: { socket: { remoteAddress: peer } },
    });
  const accepted = async (rs: (Response | Promise<Response>)[]) => (await Promise.all(rs)).filter((r) => r.status === 202).length;

  it("rotating addresses do not get around the limit: the global bucket bounds them", async () => {
    const { app, gw } = gateway({ collect: { now: () => 0, batchMs: 1, globalRatePerSecond: 50 } });
    const rs: (Response | Promise<Response>)[] = [];
    for (let i = 0; i < 12_000; i++) rs.push(from(app, `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
    expect(await accepted(rs)).toBe(100); // the global burst: twice the global rate
    const refused = await from(app, "203.0.113.1");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(gw.metrics.collectRejected.get({ reason: "rate_global" })).toBe(12_000 - 100 + 1);
  });

  it("a limited client stays limited while more than 10,000 other addresses pass", async () => {
    const { app } = gateway({ collect: { now: () => 0, batchMs: 1, globalRatePerSecond: 1_000_000 } });
    expect(await accepted(Array.from({ length: 45 }, () => from(app, "203.0.113.1")))).toBe(40);
    for (let i = 0; i < 12_000; i++) {
      await from(app, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      if (i % 1000 === 0) expect((await from(app, "203.0.113.1")).status).toBe(429);
    }
    expect((await from(app, "203.0.113.1")).status).toBe(429);
  });

  it("IPv6 addresses of one /64 share a bucket; IPv4-mapped IPv6 counts as IPv4", async () => {
    const { app } = gateway();
    const in64 = Array.from({ length: 45 }, (_, i) => from(app, `2001:db8:1:2:${i.toString(16)}::${(i * 7).toString(16)}`));
    expect(await accepted(in64)).toBe(40);
    expect((await from(app, "2001:db8:1:3::1")).status).toBe(202);
    const v4 = Array.from({ length: 45 }, (_, i) => from(app, i % 2 ? "::ffff:198.51.100.4" : "198.51.100.4"));
    expect(await accepted(v4)).toBe(40);
  });

  it("X-Forwarded-For is ignored by default and counts only behind a trusted proxy with trustProxy", async () => {
    const rotate = (n: number) => Array.from({ length: n }, (_, i) => `203.0.113.${i}`);
    const plain = gateway().app;
    expect(await accepted(rotate(45).map((a) => from(plain, "127.0.0.1", a)))).toBe(40);
    const trusting = gateway({ collect: { now: () => 0, batchMs: 1, trustProxy: true } }).app;
    // From the proxy (loopback): each forwarded client has its own bucket.
    expect(await accepted(rotate(45).map((a) => from(trusting, "127.0.0.1", a)))).toBe(45);
    // Straight from the internet: the header is the client's own words.
    expect(await accepted(rotate(45).map((a) => from(trusting, "198.51.100.7", a)))).toBe(40);
    // Forged entries left of what the proxy appended change nothing.
    expect(await accepted(rotate(45).map((a) => from(trusting, "10.0.0.1", `${a}, 192.0.2.77`)))).toBe(40);
  });

  it("rate-limits per client: a burst of 40, then 20 per second", async () => {
    let now = 0;
    const { app } = gateway({}, () => now);
    const codes: number[] = [];
    for (let i = 0; i < 45; i++) codes.push((await app.request("/collect", post(JSON.stringify(click(i))))).status);
    expect(codes.filter((c) => c === 202).length).toBe(40);
    expect(codes.slice(40)).toEqual([429, 429, 429, 429, 429]);
    now += 100; // two tokens back
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await app.request("/collect", post(JSON.stringify(click(i))))).status);
    expect(after).toEqual([202, 202, 429]);
  });
});
