/**
 * Side records that do not fit their topic's max.message.bytes are cut to fit with headers that
 * say so; result rows are keyed by a bounded key.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dlqMessage, boundedKey, MAX_ROW_KEY_BYTES, rowKey } from "../../src/server/sinks/kafka-sink";
import { fitRecord, recordSize } from "../../src/server/sinks/side-record-fit";

const side = (value: string | Uint8Array, key: string | null = "user-1") => ({
  record: { topic: "orders", partition: 2, offset: 7, key, value, readAt: 0 },
  reason: "not valid JSON",
});

describe("fitRecord", () => {
  it("keeps a record that fits unchanged (the same object)", () => {
    const m = dlqMessage(side("{oops"));
    expect(fitRecord(m, 1_048_576, "orders.dlq")).toBe(m);
  });

  it("cuts the value of a 2 MB record to fit 64 KiB, with the reason and the original size", () => {
    const m = dlqMessage(side("x".repeat(2_000_000)));
    const fit = fitRecord(m, 65_536, "orders.dlq");
    expect(recordSize(fit)).toBeLessThanOrEqual(65_536);
    expect(Buffer.from(fit.value as Buffer).toString()).toBe("x".repeat((fit.value as Buffer).length));
    expect((fit.value as Buffer).length).toBeGreaterThan(60_000);
    expect(fit.key).toBe("user-1");
    expect(fit.headers).toMatchObject({
      "eddy-error": "not valid JSON",
      "eddy-source-topic": "orders",
      "eddy-source-offset": "7",
      "eddy-original-size": "2000000",
      "eddy-truncated": expect.stringMatching(/^record of \d+ bytes does not fit max\.message\.bytes 65536 of orders\.dlq: cut to fit/),
    });
  });

  it("never splits a UTF-8 character, and cuts a huge key too when the value alone is not enough", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 3000 }), fc.integer({ min: 1200, max: 4000 }), (s, limit) => {
        const fit = fitRecord(dlqMessage(side(s)), limit, "t.dlq");
        expect(recordSize(fit)).toBeLessThanOrEqual(limit);
        const v = fit.value as Buffer | string;
        const bytes = typeof v === "string" ? Buffer.from(v) : v;
        expect(Buffer.from(s).subarray(0, bytes.length).equals(bytes)).toBe(true);
        // A prefix of the original bytes that is itself valid UTF-8: no character was split.
        expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    const fit = fitRecord(dlqMessage(side("v".repeat(10), "k".repeat(900_000))), 65_536, "t.dlq");
    expect(recordSize(fit)).toBeLessThanOrEqual(65_536);
    expect(fit.headers).toMatchObject({ "eddy-original-key-size": "900000", "eddy-original-size": "10" });
    expect((fit.value as Buffer).length).toBe(0);
  });

  it("writes a key that is not UTF-8 back as the bytes read", () => {
    const keyBytes = new Uint8Array([0xff, 0xfe, 0x41]);
    const m = dlqMessage({ record: { ...side("x").record, key: Buffer.from(keyBytes).toString(), keyBytes }, reason: "r" });
    expect(Buffer.isBuffer(m.key) && (m.key as Buffer).equals(Buffer.from(keyBytes))).toBe(true);
  });
});

describe("row keys", () => {
  it("are unchanged up to 256 bytes; longer ones are cut with a hash suffix, distinct per key and stable", () => {
    expect(boundedKey("page_views|prod-001")).toBe("page_views|prod-001");
    const long = "sessions|" + "u".repeat(256) + "|1767261600000";
    const b = boundedKey(long);
    expect(Buffer.byteLength(b)).toBeLessThanOrEqual(MAX_ROW_KEY_BYTES);
    expect(b).toMatch(/^sessions\|u+#[0-9a-f]{16}$/);
    expect(boundedKey(long)).toBe(b);
    expect(boundedKey(long.replace(/0$/, "1"))).not.toBe(b);
    const multi = "é".repeat(200);
    expect(Buffer.byteLength(boundedKey(multi))).toBeLessThanOrEqual(MAX_ROW_KEY_BYTES);
    expect(boundedKey(multi)).toMatch(/^é+#[0-9a-f]{16}$/);
    expect(rowKey({ metric: "page_views", product_id: "p".repeat(1000) })).toMatch(/^page_views\|p+#[0-9a-f]{16}$/);
  });
});
