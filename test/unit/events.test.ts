import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_AMOUNT, parseTimestamp, validate, validateValue } from "../../src/core/events";

const click = {
  event_id: "e1",
  user_id: "user-0001",
  product_id: "prod-001",
  action: "view",
  timestamp: "2026-01-01T10:00:00Z",
  category: "books",
  url: "https://shop.example.com/products/prod-001",
  session_id: "s1",
  device: "mobile",
  browser: "safari",
};
const tx = { transaction_id: "t1", user_id: "user-0001", product_id: "prod-001", amount: 12.5, timestamp: 1767261600000, currency: "USD" };
const order = { order_id: "o1", user_id: "user-0001", product_id: "prod-001", amount: 99.99, timestamp: "2026-01-01T12:00:00+02:00" };

function reason(kind: "clickstream" | "transactions" | "orders", value: unknown): string {
  const r = validate(kind, typeof value === "string" ? value : JSON.stringify(value));
  if (r.ok) throw new Error(`expected ${JSON.stringify(value)} to be invalid`);
  return r.reason;
}

describe("parseTimestamp", () => {
  const T = Date.UTC(2026, 0, 1, 10, 0, 0);
  it.each([
    ["2026-01-01T10:00:00Z", T],
    ["2026-01-01T10:00:00z", T],
    ["2026-01-01 10:00:00Z", T],
    ["2026-01-01T10:00Z", T],
    ["2026-01-01T12:00:00+02:00", T],
    ["2026-01-01T12:00:00+0200", T],
    ["2026-01-01T12:00:00+02", T],
    ["2026-01-01T05:30:00-04:30", T],
    ["2026-01-01T10:00:00.123Z", T + 123],
    ["2026-01-01T10:00:00.1Z", T + 100],
    ["2026-01-01T10:00:00.123999Z", T + 123],
    ["2026-01-01T10:00:00,5Z", T + 500],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["2000-02-29T00:00:00Z", Date.UTC(2000, 1, 29)],
    ["1969-12-31T23:59:59.999Z", -1],
  ])("accepts %s", (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it("accepts epoch milliseconds and floors fractions to integer ms", () => {
    expect(parseTimestamp(T)).toBe(T);
    expect(parseTimestamp(T + 0.9)).toBe(T);
    expect(parseTimestamp(0)).toBe(0);
  });

  it.each([
    "2026-01-01T10:00:00", // no zone
    "2026-01-01",
    "yesterday",
    "",
    "2026-13-01T10:00:00Z",
    "2026-02-29T10:00:00Z", // not a leap year
    "1900-02-29T10:00:00Z",
    "2026-04-31T10:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T10:60:00Z",
    "2026-01-01T10:00:60Z",
    "2026-01-01T10:00:00.Z",
    "2026-01-01T10:00:00Zjunk",
    "2026-01-01T10:00:00+2:00",
    "2026-01-01T10:00:00+24:00",
    "2026-01-01T10:00:00+02:",
    "2026-1-01T10:00:00Z",
    "1767261600000", // digits in a string are not a SPEC timestamp
  ])("rejects %j", (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it.each([NaN, Infinity, -Infinity, 1e300, null, true, {}, [1]])("rejects %j", (v) => {
    expect(parseTimestamp(v)).toBeUndefined();
  });

  it("agrees with Date for any instant rendered as ISO-8601 with any offset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (t, off) => {
          const local = new Date(t + off * 60_000).toISOString().slice(0, -1);
          const a = Math.abs(off);
          const zone = off === 0 ? "Z" : `${off < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
          return parseTimestamp(local + zone) === t;
        },
      ),
    );
  });
});

describe("validate", () => {
  it("accepts valid events of each topic with their event time", () => {
    const c = validate("clickstream", JSON.stringify(click));
    expect(c).toEqual({ ok: true, event: click, t: Date.UTC(2026, 0, 1, 10) });
    const t = validate("transactions", JSON.stringify(tx));
    expect(t.ok && t.t).toBe(1767261600000);
    const o = validate("orders", JSON.stringify(order));
    expect(o.ok && o.t).toBe(Date.UTC(2026, 0, 1, 10));
  });

  it("reads UTF-8 bytes and rejects invalid UTF-8", () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...click, product_id: "prod-é" }));
    const r = validate("clickstream", bytes);
    expect(r.ok && r.event.product_id).toBe("prod-é");
    expect(validate("clickstream", new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, reason: "not valid UTF-8" });
  });

  it("accepts required fields only, extra fields, and null optional fields (read as absent)", () => {
    const { category, url, session_id, device, browser, ...bare } = click;
    void [category, url, session_id, device, browser];
    expect(validate("clickstream", JSON.stringify(bare)).ok).toBe(true);
    expect(validate("clickstream", JSON.stringify({ ...click, extra: [1, 2] })).ok).toBe(true);
    const r = validate("clickstream", JSON.stringify({ ...click, category: null, device: null }));
    expect(r.ok && r.event.category).toBeUndefined();
    expect(r.ok && r.event.device).toBeUndefined();
  });

  it("rejects an object whose own toString is not a function, instead of throwing while naming it", () => {
    const v = validate("transactions", '{"transaction_id":"t1","user_id":"u","product_id":"p","amount":{"toString":null},"timestamp":1767261600000}');
    expect(v).toEqual({ ok: false, reason: expect.stringMatching(/amount/) });
    const c = validate("clickstream", '{"event_id":"e","user_id":"u","product_id":"p","action":{"toString":1},"timestamp":1767261600000}');
    expect(c).toEqual({ ok: false, reason: expect.stringMatching(/action/) });
  });

  it("rejects text that is not JSON or not an object", () => {
    expect(reason("clickstream", '{"event_id": "e1",')).toMatch(/^not valid JSON: /);
    expect(reason("clickstream", "[1,2]")).toBe("not a JSON object (got array)");
    expect(reason("clickstream", "null")).toBe("not a JSON object (got null)");
    expect(reason("orders", "42")).toBe("not a JSON object (got number)");
  });

  it("names a missing required field, for every field of every topic", () => {
    const cases: Array<["clickstream" | "transactions" | "orders", Record<string, unknown>]> = [
      ["clickstream", click],
      ["transactions", tx],
      ["orders", order],
    ];
    const required = {
      clickstream: ["event_id", "user_id", "product_id", "action", "timestamp"],
      transactions: ["transaction_id", "user_id", "product_id", "amount", "timestamp"],
      orders: ["order_id", "user_id", "product_id", "amount", "timestamp"],
    };
    for (const [kind, event] of cases) {
      for (const f of required[kind]) {
        const copy = { ...event };
        delete copy[f];
        expect(reason(kind, copy)).toBe(`missing required field '${f}'`);
      }
    }
  });

  it("rejects wrong types and empty ids", () => {
    expect(reason("clickstream", { ...click, user_id: 42 })).toBe("field 'user_id' must be a string, got number");
    expect(reason("clickstream", { ...click, event_id: "" })).toBe("required field 'event_id' is empty");
    expect(reason("clickstream", { ...click, action: 1 })).toBe("field 'action' must be a string, got number");
    expect(reason("clickstream", { ...click, url: {} })).toBe("field 'url' must be a string, got object");
    expect(reason("transactions", { ...tx, currency: 1 })).toBe("field 'currency' must be a string, got number");
    expect(reason("orders", { ...order, product_id: ["p"] })).toBe("field 'product_id' must be a string, got array");
  });

  it("rejects non-positive, non-finite and non-numeric amounts with the value", () => {
    expect(reason("transactions", { ...tx, amount: -3 })).toBe("amount must be a finite number > 0, got -3");
    expect(reason("orders", { ...order, amount: 0 })).toBe("amount must be a finite number > 0, got 0");
    expect(reason("orders", '{"order_id":"o","user_id":"u","product_id":"p","amount":1e999,"timestamp":0}')).toBe(
      "amount must be a finite number > 0, got Infinity",
    );
    expect(reason("transactions", { ...tx, amount: "12.50" })).toBe('amount must be a finite number > 0, got string "12.50"');
  });

  it("rejects unknown actions and devices, listing the accepted ones", () => {
    expect(reason("clickstream", { ...click, action: "purchase" })).toBe(
      'unknown action "purchase" (expected one of view, click, add_to_cart, scroll, hover, error)',
    );
    expect(reason("clickstream", { ...click, device: "watch" })).toBe('unknown device "watch" (expected one of mobile, desktop, tablet)');
  });

  it("rejects unparseable timestamps with the reason", () => {
    expect(reason("clickstream", { ...click, timestamp: "2026-01-01T10:00:00" })).toBe(
      'timestamp "2026-01-01T10:00:00" has no zone (add Z or an offset such as +02:00)',
    );
    expect(reason("clickstream", { ...click, timestamp: "yesterday" })).toBe('timestamp "yesterday" is not ISO-8601');
    expect(reason("clickstream", { ...click, timestamp: "2026-02-30T10:00:00Z" })).toMatch(/is not a valid date and time$/);
    expect(reason("transactions", { ...tx, timestamp: true })).toBe(
      "timestamp must be epoch milliseconds or an ISO-8601 string with a zone, got boolean",
    );
    expect(reason("transactions", { ...tx, timestamp: null })).toBe("missing required field 'timestamp'");
  });

  it("validateValue checks an already-parsed value the same way", () => {
    expect(validateValue("orders", { ...order }).ok).toBe(true);
    expect(validateValue("orders", "text")).toEqual({ ok: false, reason: "not a JSON object (got string)" });
  });
});

describe("validate (fuzz): every rejection names its kind", () => {
  const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  /** Every reason validate gives (src/core/events.ts), one pattern per kind. */
  const REASONS = [
    /^not valid JSON: /,
    /^not valid UTF-8$/,
    /^not a JSON object \(got (null|array|number|string|boolean)\)$/,
    /^missing required field '\w+'$/,
    /^required field '\w+' is empty$/,
    /^field '\w+' must be a string, got (null|array|number|boolean|object)$/,
    /^amount must be a finite number > 0, got /,
    /^unknown (action|device) .+ \(expected one of [\w, ]+\)$/,
    /^timestamp /,
  ];
  const kinds = fc.constantFrom("clickstream", "transactions", "orders");

  it("any text or JSON value is accepted or rejected with a listed reason, never thrown", () => {
    const text = fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.constantFrom(JSON.stringify(click), JSON.stringify(tx)));
    fc.assert(
      fc.property(kinds, text, (kind, t) => {
        const r = validate(kind, t);
        if (!r.ok) expect(REASONS.some((re) => re.test(r.reason)), r.reason).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("an id field replaced by any JSON value is accepted only as a non-empty string, else rejected naming that field", () => {
    fc.assert(
      fc.property(fc.constantFrom("event_id", "user_id", "product_id"), fc.jsonValue(), (field, v) => {
        const r = validate("clickstream", JSON.stringify({ ...click, [field]: v }));
        if (typeof v === "string" && v.length > 0) expect(r).toMatchObject({ ok: true });
        else if (v === null) expect(r).toEqual({ ok: false, reason: `missing required field '${field}'` });
        else if (v === "") expect(r).toEqual({ ok: false, reason: `required field '${field}' is empty` });
        else expect(r).toEqual({ ok: false, reason: `field '${field}' must be a string, got ${typeName(v)}` });
      }),
      { numRuns: 1000 },
    );
  });

  it("an amount replaced by any JSON value is accepted only as a finite positive number below 10^13, else rejected naming the amount", () => {
    fc.assert(
      fc.property(fc.constantFrom(tx, order), fc.oneof(fc.jsonValue(), fc.double()), (base, v) => {
        const kind = base === tx ? "transactions" : "orders";
        const r = validate(kind, JSON.stringify({ ...base, amount: v }));
        // JSON has no NaN or Infinity: they arrive as null.
        const sent = JSON.parse(JSON.stringify(v)) as unknown;
        if (typeof sent === "number" && sent > 0 && sent < MAX_AMOUNT) expect(r).toMatchObject({ ok: true });
        else if (typeof sent === "number" && sent >= MAX_AMOUNT) expect(r.ok ? "accepted" : r.reason).toMatch(/^amount must be less than 10\^13 currency units/);
        else if (sent === null) expect(r).toEqual({ ok: false, reason: "missing required field 'amount'" });
        else expect(r.ok ? "accepted" : r.reason).toMatch(/^amount must be a finite number > 0, got /);
      }),
      { numRuns: 1000 },
    );
  });
});
