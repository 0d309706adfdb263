import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { categoryBand, DEFAULT_CATALOG, loadCatalog } from "../../src/core/catalog";
import { DEFAULT_MAX_FUTURE_SKEW_MS, parseTimestamp, validate as validateAt, type TopicKind } from "../../src/core/events";
import { run } from "../../src/server/commands/generate";
import { usersForRate } from "../../src/server/generator/model";
import { EventSource, jsonlLine, type GeneratedRecord, type SourceOptions } from "../../src/server/generator/source";

const dir = mkdtempSync(join(tmpdir(), "eddy-gen-"));

/** Validation as the runner does it: with the wall-clock bound on event time. */
function validate(kind: TopicKind, text: string) {
  return validateAt(kind, text, { future: { now: Date.now(), maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS } });
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function eventTimeOf(r: GeneratedRecord): number {
  const v = validate(r.kind, r.text);
  if (!v.ok) throw new Error(v.reason);
  return v.t;
}

function take(options: Partial<SourceOptions>, n: number): GeneratedRecord[] {
  const src = new EventSource({ seed: 42, startMs: Date.UTC(2026, 0, 1), ...options });
  return Array.from({ length: n }, () => src.next());
}

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    const code = await run(args);
    return { code, stderr: spy.mock.calls.map((c) => c.join(" ")).join("\n") };
  } finally {
    spy.mockRestore();
  }
}

describe("eddy generate --out", () => {
  it("same seed gives a byte-identical file; another seed a different one", async () => {
    const args = ["--count", "20000", "--invalid-fraction", "0.05", "--late-fraction", "0.02", "--anomaly-fraction", "0.01"];
    const a = join(dir, "a.jsonl"), b = join(dir, "b.jsonl"), c = join(dir, "c.jsonl");
    expect((await cli([...args, "--seed", "9", "--out", a])).code).toBe(0);
    expect((await cli([...args, "--seed", "9", "--out", b])).code).toBe(0);
    expect((await cli([...args, "--seed", "10", "--out", c])).code).toBe(0);
    const bytesA = readFileSync(a);
    expect(bytesA.length).toBeGreaterThan(1_000_000);
    expect(bytesA.equals(readFileSync(b))).toBe(true);
    expect(bytesA.equals(readFileSync(c))).toBe(false);
    const lines = bytesA.toString("utf8").trimEnd().split("\n");
    expect(lines.length).toBe(20_000);
    // With --seed and no --start the event clock starts at 2026-01-01T00:00:00Z.
    const first = JSON.parse(lines.find((l) => l.includes('"action":"view"'))!);
    expect(Math.abs(parseTimestamp(first.value.timestamp)! - Date.UTC(2026, 0, 1))).toBeLessThan(3_600_000);
  });

  it.each([
    [["--speed", "max", "--count", "20000"]],
    [["--speed", "60", "--rate", "20000", "--count", "4000"]],
    [["--speed", "max", "--rate", "max", "--start", "-1h", "--count", "20000"]],
  ])("accelerated (%j): no event is ahead of the wall clock, so none trips the allowed future skew", async (args) => {
    const file = join(dir, `speed-${args.join("")}.jsonl`);
    expect((await cli([...args, "--out", file])).code).toBe(0);
    const wall = Date.now();
    const lines = readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { topic: TopicKind; value: unknown });
    expect(lines.length).toBeGreaterThan(3000);
    let latest = -Infinity;
    for (const l of lines) {
      const v = validateAt(l.topic, JSON.stringify(l.value), { future: { now: wall, maxFutureSkewMs: 0 } });
      expect(v.ok, JSON.stringify(l.value)).toBe(true);
      if (v.ok) latest = Math.max(latest, v.t);
    }
    expect(latest).toBeLessThanOrEqual(wall);
  });

  it("writes {topic,key,value} lines: value is the event, or a string for a malformed message", () => {
    const recs = take({ invalidFraction: 0.3 }, 3000);
    const raw = recs.find((r) => r.raw)!;
    const obj = recs.find((r) => !r.raw)!;
    expect(JSON.parse(jsonlLine(raw))).toEqual({ topic: raw.topic, key: raw.key, value: raw.text });
    expect(JSON.parse(jsonlLine(obj))).toEqual({ topic: obj.topic, key: obj.key, value: JSON.parse(obj.text) });
  });

  it("pins the output to --start with a seed, and says that a file's event time is simulated", async () => {
    const a = join(dir, "start-a.jsonl"), b = join(dir, "start-b.jsonl");
    const args = ["--count", "3000", "--seed", "4", "--start", "2026-06-01T12:00:00+02:00"];
    const { code, stderr } = await cli([...args, "--out", a]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^eddy generate: event time is simulated as fast as events are produced, not the wall clock: it starts at 2026-06-01T10:00:00\.000Z, .* ago and never passes the wall clock$/m);
    expect((await cli([...args, "--out", b])).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const times = readFileSync(a, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l).value).filter((v) => typeof v === "object" && v.action === "view").map((v) => parseTimestamp(v.timestamp)!);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.UTC(2026, 5, 1, 10) - 120_000);
  });

  it("prints a one-line summary, and refuses bad flags with exit code 2", async () => {
    const { code, stderr } = await cli(["--seed", "1", "--count", "500", "--out", join(dir, "s.jsonl")]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^generated 500 events \(\d+ clickstream, \d+ transactions, \d+ orders\) in [\d.]+s = .+\/s, invalid 0, late 0, anomalies 0, errors 0, retries 0, seed 1$/m);
    await expect(run(["--rate", "fast"])).rejects.toThrow(/--rate: expected a number > 0 or max/);
    await expect(run(["--invalid-fraction", "2"])).rejects.toThrow(/--invalid-fraction/);
    await expect(run(["--out", join(dir, "x.jsonl"), "--rate", "max"])).rejects.toThrow(/needs --count or --duration/);
    await expect(run(["--catalog", join(dir, "missing.json"), "--count", "1", "--out", "-"])).rejects.toThrow(/--catalog: cannot read/);
  });

  it("refuses event-time flags that cannot work, naming the fix", async () => {
    const out = ["--out", join(dir, "t.jsonl"), "--count", "10"];
    await expect(run(["--speed", "0.5", ...out])).rejects.toThrow(/--speed: expected a number >= 1 or max, got '0.5'/);
    await expect(run(["--start", "2099-01-01T00:00:00Z", ...out])).rejects.toThrow(/--start 2099-01-01T00:00:00Z is ahead of the wall clock/);
    await expect(run(["--start", "-2h", "--rate", "100", ...out])).rejects.toThrow(/--start needs --speed N or max: at --speed 1 event time is the wall clock/);
    await expect(run(["--rate", "100", "--users", "5000", ...out])).rejects.toThrow(/--rate and --users both set the rate at --speed 1/);
    await expect(run(["--speed", "10", ...out])).rejects.toThrow(/--rate max at --speed 10 needs --users/);
    await expect(run(["--rate", "90000", ...out])).rejects.toThrow(/90000 events\/s at speed 1 needs ~[\d,]+ simulated users .*raise the speed or lower the rate/);
  });
});

describe("EventSource", () => {
  it("starts in the steady state at the rate usersForRate sizes for (flat, not ramping up)", () => {
    const users = 2000;
    const src = new EventSource({ seed: 3, startMs: 0, users, outOfOrderMs: 0 });
    const perHalfHour = new Array(6).fill(0);
    for (;;) {
      const r = src.nextBy(3 * 3_600_000);
      if (!r) break;
      perHalfHour[Math.floor(eventTimeOf(r) / 1_800_000)]++;
    }
    const expected = users / usersForRate(1, { clickstream: true, transactions: true, orders: true }, 0.05) * 1800;
    for (const n of perHalfHour) expect(Math.abs(n / expected - 1)).toBeLessThan(0.05);
  });

  it("never releases a record later than the limit it is asked for", () => {
    const src = new EventSource({ seed: 8, startMs: 0, lateFraction: 0.05 });
    for (let limit = 0; limit < 600_000; limit += 7_000) {
      for (let r = src.nextBy(limit); r; r = src.nextBy(limit)) expect(eventTimeOf(r)).toBeLessThanOrEqual(limit);
      expect(src.peekTime()).toBeGreaterThan(limit);
    }
  });

  it("every valid record passes the SPEC validator and every injected invalid one fails it", () => {
    const recs = take({ invalidFraction: 0.1, lateFraction: 0.05, anomalyFraction: 0.05 }, 40_000);
    const kinds = new Set<string>();
    for (const r of recs) {
      const v = validate(r.kind, r.text);
      if (r.invalid) {
        kinds.add(r.invalid);
        expect(v.ok, `${r.invalid}: ${r.text}`).toBe(false);
      } else {
        expect(v.ok, `${r.text}: ${v.ok ? "" : v.reason}`).toBe(true);
        if (v.ok) expect(v.event.user_id).toBe(r.key);
        expect(r.topic).toBe(r.kind);
      }
    }
    // Every SPEC invalid case is exercised.
    expect([...kinds].sort()).toEqual(
      [
        "bad-amount", "bad-timestamp", "future-timestamp", "huge-amount", "long-id", "long-url", "missing-field", "non-finite-amount",
        "not-json", "unknown-action", "unknown-device", "wrong-type",
      ],
    );
  });

  it.each([0.01, 0.05, 0.2, 0.5])("injects invalid fraction %f within 1 percentage point", (f) => {
    const n = 20_000;
    const recs = take({ invalidFraction: f, seed: Math.round(f * 1000) }, n);
    const invalid = recs.filter((r) => !validate(r.kind, r.text).ok).length;
    expect(Math.abs(invalid / n - f)).toBeLessThan(0.01);
  });

  it("has about 80% clickstream to 20% transactions, orders at ~5%, and funnel order view > click > add_to_cart", () => {
    const recs = take({}, 60_000);
    const count = (k: TopicKind) => recs.filter((r) => r.kind === k).length;
    const cs = count("clickstream"), tx = count("transactions"), ord = count("orders");
    expect(tx / (cs + tx)).toBeGreaterThan(0.17);
    expect(tx / (cs + tx)).toBeLessThan(0.23);
    expect(ord / recs.length).toBeGreaterThan(0.04);
    expect(ord / recs.length).toBeLessThan(0.06);
    const actions = new Map<string, number>();
    const devices = new Set<string>(), browsers = new Set<string>();
    for (const r of recs) {
      if (r.kind !== "clickstream") continue;
      const e = JSON.parse(r.text);
      actions.set(e.action, (actions.get(e.action) ?? 0) + 1);
      devices.add(e.device);
      browsers.add(e.browser);
      expect(e.url).toMatch(/^https:\/\/shop\.example\.com\//);
    }
    expect(actions.get("view")!).toBeGreaterThan(actions.get("click")!);
    expect(actions.get("click")!).toBeGreaterThan(actions.get("add_to_cart")!);
    for (const a of ["scroll", "hover", "error"]) expect(actions.get(a)).toBeGreaterThan(0);
    expect([...devices].sort()).toEqual(["desktop", "mobile", "tablet"]);
    expect(browsers.size).toBeGreaterThanOrEqual(4);
  });

  it("orders use the first 5 products and amounts of $10–$500", () => {
    const recs = take({ topics: ["orders"] }, 5000);
    expect(recs.every((r) => r.kind === "orders")).toBe(true);
    const products = new Set<string>();
    for (const r of recs) {
      const o = JSON.parse(r.text);
      products.add(o.product_id);
      expect(o.amount).toBeGreaterThanOrEqual(10);
      expect(o.amount).toBeLessThanOrEqual(500);
    }
    expect([...products].sort()).toEqual(["prod-001", "prod-002", "prod-003", "prod-004", "prod-005"]);
  });

  it("browses with Zipf-like popularity", () => {
    const views = new Map<string, number>();
    for (const r of take({ topics: ["clickstream"] }, 50_000)) {
      const e = JSON.parse(r.text);
      if (e.action === "view") views.set(e.product_id, (views.get(e.product_id) ?? 0) + 1);
    }
    const sorted = [...views.values()].sort((a, b) => b - a);
    expect(sorted.length).toBe(DEFAULT_CATALOG.products.length);
    // Rank 1 about twice rank 2 and ten times rank 10 (s = 1), within sampling noise.
    expect(sorted[0] / sorted[1]).toBeGreaterThan(1.5);
    expect(sorted[0] / sorted[9]).toBeGreaterThan(6);
  });

  it("users come and go: sessions separated by gaps of 30+ minutes, events within a session seconds apart", () => {
    const byUser = new Map<string, number[]>();
    for (const r of take({ outOfOrderMs: 0, topics: ["clickstream", "transactions"] }, 100_000)) {
      const t = validate(r.kind, r.text);
      if (!t.ok) throw new Error(t.reason);
      const list = byUser.get(r.key) ?? [];
      list.push(t.t);
      byUser.set(r.key, list);
    }
    let gaps = 0, long = 0, short = 0;
    for (const ts of byUser.values()) {
      for (let i = 1; i < ts.length; i++) {
        const g = ts[i] - ts[i - 1];
        expect(g).toBeGreaterThanOrEqual(0); // without jitter a user's events are in time order
        gaps++;
        if (g >= 30 * 60_000) long++;
        if (g < 60_000) short++;
      }
    }
    expect(byUser.size).toBe(1000);
    expect(long).toBeGreaterThan(1000); // most users have had several sessions
    expect(short / gaps).toBeGreaterThan(0.9);
  });

  it("moves events out of order by at most --out-of-order-ms; late events are older than the watermark delay", () => {
    const ooo = 120_000, delay = 300_000;
    const recs = take({ outOfOrderMs: ooo, lateFraction: 0.05, watermarkDelayMs: delay }, 30_000);
    let max = -Infinity, late = 0, disordered = 0;
    for (const r of recs) {
      const v = validate(r.kind, r.text);
      if (!v.ok) throw new Error(v.reason);
      if (r.late) {
        late++;
        // Beyond the delay plus the 30-minute session gap: late for every metric (SPEC sessions too).
        expect(max - v.t).toBeGreaterThan(delay + 30 * 60_000);
      } else {
        // Never late: at most the jitter bound behind the newest event seen so far.
        expect(max - v.t).toBeLessThanOrEqual(ooo + 60_000);
        if (v.t < max) disordered++;
        max = Math.max(max, v.t);
      }
    }
    expect(Math.abs(late / recs.length - 0.05)).toBeLessThan(0.01);
    expect(disordered).toBeGreaterThan(1000);
  });

  it("anomalous purchases are far above their category's range; normal ones within their product's band or at a bound of the category's regular range", () => {
    const recs = take({ anomalyFraction: 0.05, topics: ["transactions"] }, 10_000);
    let anomalies = 0;
    const clamped = new Map<string, Set<number>>();
    for (const r of recs) {
      const e = JSON.parse(r.text);
      const p = DEFAULT_CATALOG.byId.get(e.product_id)!;
      const cents = Math.round(e.amount * 100);
      if (r.anomaly) {
        anomalies++;
        expect(cents).toBeGreaterThanOrEqual(8 * categoryBand(DEFAULT_CATALOG, p.category)!.max);
      } else if (cents < p.price_min_cents || cents > p.price_max_cents) {
        // Clamped to its category's regular range (generator/amounts.ts): one of its two bounds.
        const band = categoryBand(DEFAULT_CATALOG, p.category)!;
        expect(cents).toBeGreaterThanOrEqual(band.min);
        expect(cents).toBeLessThanOrEqual(band.max);
        if (!clamped.has(p.category)) clamped.set(p.category, new Set());
        clamped.get(p.category)!.add(cents);
      }
    }
    for (const [category, values] of clamped) expect(values.size, category).toBeLessThanOrEqual(2);
    expect(Math.abs(anomalies / recs.length - 0.05)).toBeLessThan(0.01);
  });

  it("uses a custom catalog, a topic prefix and the user count", () => {
    const catalog = loadCatalog([
      { product_id: "a", name: "A", category: "x", price_min_cents: 100, price_max_cents: 200 },
      { product_id: "b", name: "B", category: "y", price_min_cents: 300, price_max_cents: 400 },
    ]);
    const recs = take({ catalog, topicPrefix: "t1-", users: 7 }, 3000);
    const products = new Set<string>(), users = new Set<string>(), topics = new Set<string>();
    for (const r of recs) {
      const e = JSON.parse(r.text);
      products.add(e.product_id);
      users.add(e.user_id);
      topics.add(r.topic);
    }
    expect([...products].sort()).toEqual(["a", "b"]);
    expect(users.size).toBe(7);
    expect([...topics].sort()).toEqual(["t1-clickstream", "t1-orders", "t1-transactions"]);
  });
});
