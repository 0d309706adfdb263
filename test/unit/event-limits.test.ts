/**
 * The bounds of src/core/event-limits.ts as `validate` applies them: ids of at most 256 bytes of
 * UTF-8 (url 2048), amounts below 10^13 with exact cents, event time at most the allowed future
 * skew ahead of the wall clock. Each absurd value is rejected with a reason naming it; none throws.
 */
import { describe, expect, it } from "vitest";
import { type TopicKind, validate } from "../../src/core/events";
import { MAX_AMOUNT, MAX_ID_BYTES, MAX_URL_BYTES } from "../../src/core/event-limits";
import { toCents } from "../../src/core/pipeline/batch";

const NOW = Date.UTC(2026, 10, 30, 12);
const click = { event_id: "e1", user_id: "u1", product_id: "p1", action: "view", timestamp: NOW - 60_000 };
const tx = { transaction_id: "t1", user_id: "u1", product_id: "p1", amount: 12.5, timestamp: NOW - 60_000 };
const order = { order_id: "o1", user_id: "u1", product_id: "p1", amount: 99.99, timestamp: NOW - 60_000 };
const BASE: Record<TopicKind, Record<string, unknown>> = { clickstream: click, transactions: tx, orders: order };
const future = { now: NOW, maxFutureSkewMs: 3_600_000 };

function check(kind: TopicKind, patch: Record<string, unknown>) {
  return validate(kind, JSON.stringify({ ...BASE[kind], ...patch }), { future });
}

describe("id bounds", () => {
  const ids: Array<[TopicKind, string]> = [
    ["clickstream", "event_id"], ["clickstream", "user_id"], ["clickstream", "product_id"], ["clickstream", "session_id"],
    ["clickstream", "category"], ["clickstream", "browser"], ["transactions", "transaction_id"], ["transactions", "user_id"],
    ["transactions", "product_id"], ["transactions", "category"], ["transactions", "currency"], ["orders", "order_id"],
    ["orders", "user_id"], ["orders", "product_id"],
  ];
  it.each(ids)("%s.%s: 256 bytes of UTF-8 pass, 257 are invalid naming the field", (kind, field) => {
    expect(check(kind, { [field]: "x".repeat(MAX_ID_BYTES) }).ok).toBe(true);
    expect(check(kind, { [field]: "x".repeat(MAX_ID_BYTES + 1) })).toEqual({
      ok: false,
      reason: `field '${field}' is longer than 256 bytes of UTF-8 (257 characters)`,
    });
  });

  it("counts bytes, not characters: 128 two-byte or 64 four-byte characters pass, one more does not", () => {
    expect(check("clickstream", { product_id: "é".repeat(128) }).ok).toBe(true);
    expect(check("clickstream", { product_id: "é".repeat(129) })).toEqual({ ok: false, reason: "field 'product_id' is longer than 256 bytes of UTF-8 (258 bytes)" });
    expect(check("clickstream", { user_id: "🙂".repeat(64) }).ok).toBe(true);
    expect(check("clickstream", { user_id: "🙂".repeat(65) })).toMatchObject({ ok: false, reason: expect.stringContaining("'user_id' is longer than 256 bytes") });
    expect(check("orders", { order_id: "€".repeat(85) }).ok).toBe(true); // 255 bytes
    expect(check("orders", { order_id: "€".repeat(86) })).toMatchObject({ ok: false, reason: expect.stringContaining("(258 bytes)") });
  });

  it("rejects a 900 KB product_id (it hung the runner) with its reason", () => {
    const r = check("clickstream", { product_id: "x".repeat(900_000) });
    expect(r).toEqual({ ok: false, reason: "field 'product_id' is longer than 256 bytes of UTF-8 (900000 characters)" });
  });

  it("bounds url at 2048 bytes", () => {
    expect(check("clickstream", { url: "u".repeat(MAX_URL_BYTES) }).ok).toBe(true);
    expect(check("clickstream", { url: "u".repeat(MAX_URL_BYTES + 1) })).toEqual({ ok: false, reason: "field 'url' is longer than 2048 bytes of UTF-8 (2049 characters)" });
  });
});

describe("amount bounds", () => {
  it("takes amounts below 10^13 to their exact cents", () => {
    const cents: Array<[number, number]> = [[0.01, 1], [12.34, 1234], [1234567.89, 123456789], [9_999_999_999_999.99, 999_999_999_999_999], [1234567890123.45, 123456789012345]];
    for (const [a, c] of cents) {
      expect(check("orders", { amount: a }).ok).toBe(true);
      expect(toCents(a)).toBe(c);
    }
  });

  it.each([MAX_AMOUNT, 9e15, 1e308, Number.MAX_VALUE])("rejects amount %d as over the bound", (amount) => {
    for (const kind of ["transactions", "orders"] as const) {
      expect(check(kind, { amount })).toEqual({ ok: false, reason: `amount must be less than 10^13 currency units (cents must stay exact), got ${amount}` });
    }
  });

  it("rejects an amount object whose toString is not a function instead of throwing", () => {
    // String() of {"toString": ""} throws; validation must answer with a reason, not crash the runner.
    const text = '{"order_id":"o1","user_id":"u1","product_id":"p1","amount":{"toString":""},"timestamp":1}';
    expect(validate("orders", text)).toEqual({ ok: false, reason: 'amount must be a finite number > 0, got an object' });
    const click2 = '{"event_id":"e","user_id":"u","product_id":"p","action":{"toString":""},"timestamp":1}';
    expect(validate("clickstream", click2)).toEqual({ ok: false, reason: "field 'action' must be a string, got object" });
  });
});

describe("future skew", () => {
  it("accepts an event up to the allowed skew ahead of the wall clock and rejects one beyond, with the reason", () => {
    expect(check("clickstream", { timestamp: NOW + 3_600_000 }).ok).toBe(true);
    const r = check("clickstream", { timestamp: NOW + 3_600_001 });
    expect(r).toEqual({
      ok: false,
      future: true,
      reason: "timestamp 2026-11-30T13:00:00.001Z is 1h ahead of the wall clock, more than the allowed future skew of 1h (--max-future-skew)",
    });
    expect(check("transactions", { timestamp: "2100-01-01T00:00:00Z" })).toMatchObject({ ok: false, future: true, reason: expect.stringMatching(/^timestamp 2100-01-01T00:00:00.000Z is 73 years ahead/) });
  });

  it("bounds only the future: old events pass, and without a bound nothing is checked", () => {
    expect(check("orders", { timestamp: "2001-09-09T01:46:40Z" }).ok).toBe(true);
    expect(validate("orders", JSON.stringify({ ...order, timestamp: "2100-01-01T00:00:00Z" })).ok).toBe(true);
  });
});
