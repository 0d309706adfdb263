import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  encodeColumns,
  encodeDeltas,
  assembleFrame,
  encodeFrame,
  type EventFrame,
  FLAG_IDS,
  FLAG_RESET,
  type FrameColumns,
  type FrameDelta,
  FrameError,
  HEADER_BYTES,
  isEventFrame,
  MAX_FRAME_EVENTS,
} from "../../src/core/frames";

const MS = 8.64e15;

/** Random but valid columns for n events. */
const columnsArb = (n: number) =>
  fc.record({
    topic: fc.uint8Array({ minLength: n, maxLength: n, max: 2 }),
    action: fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(255)), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a)),
    device: fc.uint8Array({ minLength: n, maxLength: n, max: 3 }),
    stream: fc.uint32Array({ minLength: n, maxLength: n }),
    user: fc.uint32Array({ minLength: n, maxLength: n }),
    product: fc.uint32Array({ minLength: n, maxLength: n }),
    category: fc.uint32Array({ minLength: n, maxLength: n }),
    url: fc.uint32Array({ minLength: n, maxLength: n }),
    t: fc.array(fc.integer({ min: -MS, max: MS }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
    kafkaTs: fc.array(fc.double({ min: 0, max: 4e12, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
    cents: fc.array(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
  }) as fc.Arbitrary<FrameColumns>;

const deltaArb: fc.Arbitrary<FrameDelta> = fc.record({
  dict: fc.integer({ min: 0, max: 4 }),
  start: fc.nat({ max: 1e6 }),
  strings: fc.array(fc.string({ unit: "grapheme", maxLength: 30 }), { minLength: 1, maxLength: 20 }),
});

const frameArb = fc.integer({ min: 0, max: 200 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    cols: columnsArb(n),
    deltas: fc.array(deltaArb, { maxLength: 5 }),
    ids: fc.option(fc.array(fc.string({ unit: "grapheme", maxLength: 40 }), { minLength: n, maxLength: n }), { nil: null }),
    header: fc.record({
      flags: fc.integer({ min: 0, max: 3 }),
      epoch: fc.nat({ max: 0xffffffff }),
      seq: fc.nat({ max: 0xffffffff }),
      dropped: fc.nat({ max: 0xffffffff }),
      invalid: fc.nat({ max: 0xffffffff }),
      sentAt: fc.integer({ min: 0, max: 4e12 }),
    }),
  }),
);

type Generated = { n: number; cols: FrameColumns; deltas: FrameDelta[]; ids: string[] | null; header: Record<string, number> };

function expectSame(f: EventFrame, x: Generated) {
  expect(f.n).toBe(x.n);
  expect(f.version).toBe(1);
  for (const k of ["epoch", "seq", "dropped", "invalid", "sentAt"] as const) expect(f[k]).toBe(x.header[k]);
  expect(f.flags).toBe(x.header.flags | (x.ids ? FLAG_IDS : 0));
  for (const k of Object.keys(x.cols) as (keyof FrameColumns)[]) expect(Array.from(f[k])).toEqual(Array.from(x.cols[k]));
  expect(f.deltas).toEqual(x.deltas);
  expect(f.ids).toEqual(x.ids);
}

describe("event frames", () => {
  it("round-trip: header, deltas, every column and the ids come back exactly", () => {
    fc.assert(
      fc.property(frameArb, (x) => {
        const bytes = encodeFrame(x.header, x.deltas, x.cols, x.n, x.ids);
        expect(bytes.length % 8).toBe(0);
        expect(isEventFrame(bytes)).toBe(true);
        expectSame(decodeFrame(bytes.buffer as ArrayBuffer), x);
      }),
      { numRuns: 300 },
    );
  });

  it("decodes from an unaligned view (a Node Buffer slice) by copying once", () => {
    fc.assert(
      fc.property(frameArb, fc.integer({ min: 1, max: 7 }), (x, shift) => {
        const bytes = encodeFrame(x.header, x.deltas, x.cols, x.n, x.ids);
        const host = new Uint8Array(bytes.length + shift);
        host.set(bytes, shift);
        expectSame(decodeFrame(host.subarray(shift)), x);
      }),
      { numRuns: 50 },
    );
  });

  it("column views share the received buffer (no per-event copy)", () => {
    const cols = fc.sample(columnsArb(10), { numRuns: 1, seed: 1 })[0];
    const bytes = encodeFrame({ flags: 0, epoch: 1, seq: 0, dropped: 0, invalid: 0, sentAt: 0 }, [], cols, 10, null);
    const f = decodeFrame(bytes.buffer as ArrayBuffer);
    expect(f.t.buffer).toBe(bytes.buffer);
    expect(f.user.buffer).toBe(bytes.buffer);
    expect(f.ids).toBeNull();
  });

  it("encodes a body once and assembles it with different headers and deltas", () => {
    const cols = fc.sample(columnsArb(5), { numRuns: 1, seed: 2 })[0];
    const body = encodeColumns(cols, 0, 5, ["", "tx-1", "", "", "o-9"]);
    const a = decodeFrame(assembleFrame({ flags: FLAG_RESET, epoch: 7, seq: 0, dropped: 0, invalid: 0, sentAt: 1 }, encodeDeltas([{ dict: 0, start: 0, strings: ["u1"] }]), body));
    const b = decodeFrame(assembleFrame({ flags: 0, epoch: 7, seq: 1, dropped: 3, invalid: 2, sentAt: 2 }, encodeDeltas([]), body));
    expect(a.flags).toBe(FLAG_RESET | FLAG_IDS);
    expect(a.deltas).toEqual([{ dict: 0, start: 0, strings: ["u1"] }]);
    expect(b.deltas).toEqual([]);
    expect(b.dropped).toBe(3);
    expect(Array.from(b.cents)).toEqual(Array.from(a.cents));
    expect(b.ids).toEqual(["", "tx-1", "", "", "o-9"]);
  });

  it("encodes a slice of the columns (from, n)", () => {
    const cols = fc.sample(columnsArb(20), { numRuns: 1, seed: 3 })[0];
    const f = decodeFrame(assembleFrame({ flags: 0, epoch: 0, seq: 0, dropped: 0, invalid: 0, sentAt: 0 }, encodeDeltas([]), encodeColumns(cols, 5, 10, null)));
    expect(Array.from(f.user)).toEqual(Array.from(cols.user.subarray(5, 15)));
    expect(Array.from(f.t)).toEqual(Array.from(cols.t.subarray(5, 15)));
  });
});

/**
 * Every reason decodeFrame gives for a bad frame (src/core/frames/decode.ts), by kind: the fuzz
 * tests below require each rejection to be a FrameError with one of these messages, and, where
 * the input fixes it, the very kind expected.
 */
const REASONS = {
  size: /^frame of \d+ bytes exceeds \d+$/,
  header: /^frame truncated: \d+ bytes, header needs \d+$/,
  magic: /^not an event frame \(bad magic\)$/,
  version: /^frame version \d+ not supported \(expected 1 or 2\)$/,
  kind: /^unknown frame kind \d+$/,
  count: /^frame claims \d+ events \(max \d+\)$/,
  sentAt: /^sentAt is not finite$/,
  truncated: /^frame truncated (in (a delta header|delta lengths|delta strings|the columns|the ids)|at the end)$/,
  dictionary: /^unknown dictionary \d+$/,
  deltas: /^delta string lengths (exceed the block|do not add up)$/,
  utf8: /^string is not valid UTF-8$/,
  code: /^event \d+: unknown (topic|action|device) code \d+$/,
  range: /^event \d+: (event time|Kafka timestamp|amount) out of range$/,
  trailing: /^frame has \d+ trailing bytes$/,
} as const;
type Outcome = "ok" | keyof typeof REASONS;

/** Decodes `b`: "ok", or the kind of its FrameError; any other error or an unlisted reason fails. */
function outcome(b: Uint8Array): Outcome {
  try {
    decodeFrame(b);
    return "ok";
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    const kind = (Object.keys(REASONS) as (keyof typeof REASONS)[]).find((k) => REASONS[k].test(err.message));
    if (!kind) throw new Error(`FrameError with an unlisted reason: ${err.message}`);
    return kind;
  }
}

const MAGIC = [0x45, 0x44, 0x46, 0x52];

describe("event frames: malformed input is rejected with FrameError", () => {
  it("every truncation of a valid frame is rejected as truncated, and trailing bytes as such", () => {
    fc.assert(
      fc.property(frameArb, (x) => {
        const bytes = encodeFrame(x.header, x.deltas, x.cols, x.n, x.ids);
        const cuts = new Set([0, 1, HEADER_BYTES - 1, HEADER_BYTES, bytes.length - 1, bytes.length >> 1]);
        for (let k = 0; k < 8; k++) cuts.add(Math.floor(Math.random() * bytes.length));
        for (const c of cuts) {
          if (c < bytes.length) expect(outcome(bytes.slice(0, c)), `cut at ${c} of ${bytes.length}`).toBe(c < HEADER_BYTES ? "header" : "truncated");
        }
        const longer = new Uint8Array(bytes.length + 8);
        longer.set(bytes);
        expect(outcome(longer)).toBe("trailing");
      }),
      { numRuns: 100 },
    );
  });

  it("random bytes are rejected for their header: too short, or not the magic", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const magic = b.length >= 4 && MAGIC.every((m, i) => b[i] === m);
        expect(outcome(b)).toBe(b.length < HEADER_BYTES ? "header" : magic ? outcome(b) : "magic");
      }),
      { numRuns: 2000 },
    );
  });

  it("random bytes behind a valid header reach the deeper checks, each with its reason", () => {
    const seen = new Map<Outcome, number>();
    // A random u32 event count is almost always over the limit: keep it (and the delta count)
    // small in most cases, so that the delta, column and id checks are reached.
    const header = fc.record({ n: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.nat()), deltas: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 600 }), header, (b, h) => {
        b.set([...MAGIC, 1, 1], 0);
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        dv.setUint32(16, h.n, true);
        dv.setUint16(28, h.deltas, true);
        const o = outcome(b);
        seen.set(o, (seen.get(o) ?? 0) + 1);
        expect(["magic", "version", "kind", "header", "size"]).not.toContain(o);
        expect(o === "count", `n = ${h.n}`).toBe(h.n > MAX_FRAME_EVENTS);
      }),
      { numRuns: 3000 },
    );
    const kinds = JSON.stringify([...seen]);
    // (Column values are fuzzed by the byte flips below: random lengths rarely fit the columns.)
    for (const k of ["count", "truncated", "dictionary"] as const) expect(seen.get(k) ?? 0, `${k} in ${kinds}`).toBeGreaterThan(0);
  });

  it("random byte flips of valid frames decode or are rejected with a listed reason", () => {
    const seen = new Map<Outcome, number>();
    fc.assert(
      fc.property(frameArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (x, flips) => {
        const bytes = encodeFrame(x.header, x.deltas, x.cols, x.n, x.ids);
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        const o = outcome(bytes);
        seen.set(o, (seen.get(o) ?? 0) + 1);
      }),
      { numRuns: 500 },
    );
    // Flips land in padding and values as well as in structure: frames that still decode, and
    // rejections by the value checks as well as by the structure checks.
    const kinds = JSON.stringify([...seen]);
    expect(seen.get("ok") ?? 0, kinds).toBeGreaterThan(0);
    expect((seen.get("code") ?? 0) + (seen.get("range") ?? 0), kinds).toBeGreaterThan(0);
    expect([...seen.keys()].filter((k) => k !== "ok" && k !== "code" && k !== "range").length, kinds).toBeGreaterThan(0);
  });

  it("names the problem: magic, version, codes, huge counts", () => {
    const cols = fc.sample(columnsArb(3), { numRuns: 1, seed: 4 })[0];
    const ok = () => encodeFrame({ flags: 0, epoch: 0, seq: 0, dropped: 0, invalid: 0, sentAt: 0 }, [{ dict: 1, start: 0, strings: ["p"] }], cols, 3, null);
    const at = (off: number, v: number) => {
      const b = ok();
      b[off] = v;
      return b;
    };
    expect(() => decodeFrame(at(0, 0))).toThrow(/magic/);
    expect(() => decodeFrame(at(4, 3))).toThrow(/version 3/);
    expect(() => decodeFrame(at(5, 9))).toThrow(/kind/);
    expect(() => decodeFrame(at(19, 0xff))).toThrow(/events/);
    expect(() => decodeFrame(at(HEADER_BYTES, 9))).toThrow(/dictionary 9/);
    const topicAt = HEADER_BYTES + 24 + 3 * 24 + 5 * 16;
    expect(() => decodeFrame(at(topicAt, 3))).toThrow(/topic code/);
    expect(() => decodeFrame(at(topicAt + 8, 6))).toThrow(/action code/);
    expect(() => decodeFrame(at(topicAt + 16, 4))).toThrow(/device code/);
    const badUtf8 = at(HEADER_BYTES + 20, 0xff);
    expect(() => decodeFrame(badUtf8)).toThrow(/UTF-8/);
    const nan = ok();
    new DataView(nan.buffer).setFloat64(HEADER_BYTES + 24, NaN, true);
    expect(() => decodeFrame(nan)).toThrow(/event time/);
  });
});
