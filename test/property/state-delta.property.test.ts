import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Anchors, anchorsOf } from "../../src/server/checkpoint/delta-anchors";
import { applyDelta, DeltaError, encodeDelta } from "../../src/server/checkpoint/state-delta";

function sameAnchors(a: Anchors, b: Anchors): boolean {
  return a.length === b.length && a.pos.subarray(0, a.length).every((p, i) => p === b.pos[i] && a.hash[i] === b.hash[i]);
}

/** Deterministic bytes that look like state: records of a few fields, some repeated values. */
function stateLike(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i + 24 <= n; i += 24) {
    dv.setUint32(i, i / 24, true); // key
    dv.setFloat64(i + 4, 1.767e12 + (next() % 3_600_000), true); // a time
    dv.setUint32(i + 12, next() % 50, true); // a count
    dv.setFloat64(i + 16, next() % 100_000, true); // a sum
  }
  for (let i = n - (n % 24); i < n; i++) out[i] = next() & 0xff;
  return out;
}

type Edit = { kind: "set" | "insert" | "delete" | "move"; at: number; len: number; to: number; byte: number };

function applyEdits(base: Uint8Array, edits: Edit[]): Uint8Array {
  let b = Array.from(base);
  for (const e of edits) {
    const at = b.length ? e.at % (b.length + 1) : 0;
    if (e.kind === "set") for (let i = at; i < Math.min(b.length, at + e.len); i++) b[i] = (b[i] + e.byte + 1) & 0xff;
    if (e.kind === "insert") b.splice(at, 0, ...Array.from({ length: e.len }, (_, i) => (e.byte + i * 7) & 0xff));
    if (e.kind === "delete") b.splice(at, e.len);
    if (e.kind === "move") {
      const cut = b.splice(at, e.len);
      const to = b.length ? e.to % (b.length + 1) : 0;
      b.splice(to, 0, ...cut);
    }
  }
  return Uint8Array.from(b);
}

const anyEdit = fc.record({
  kind: fc.constantFrom("set", "insert", "delete", "move"),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 300 }),
  to: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
}) as fc.Arbitrary<Edit>;

describe("state delta", () => {
  it("turns the old state into the new one, whatever the edits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.nat(), fc.array(anyEdit, { maxLength: 30 }), (n, seed, edits) => {
        const old = stateLike(n, seed);
        const neu = applyEdits(old, edits);
        expect(Buffer.from(applyDelta(old, encodeDelta(old, neu).delta)).equals(Buffer.from(neu))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("handles unrelated, empty and identical states", () => {
    const a = stateLike(5000, 1);
    const b = stateLike(7000, 2);
    for (const [x, y] of [[a, b], [a, new Uint8Array(0)], [new Uint8Array(0), b], [new Uint8Array(0), new Uint8Array(0)], [a, a]]) {
      expect(Buffer.from(applyDelta(x, encodeDelta(x, y).delta)).equals(Buffer.from(y))).toBe(true);
    }
  });

  it("costs about what changed: in-place edits, a shift, records dropped from the front", () => {
    const old = stateLike(1 << 20, 3);
    expect(encodeDelta(old, old).delta.length).toBeLessThan(32);

    const edited = old.slice();
    for (let k = 0; k < 200; k++) edited[(k * 5231) % edited.length] ^= 0x5a; // 200 scattered one-byte edits
    expect(encodeDelta(old, edited).delta.length).toBeLessThan(200 * 12);

    const shifted = new Uint8Array(old.length + 3);
    shifted.set(old.subarray(0, 1000));
    shifted.set([1, 2, 3], 1000);
    shifted.set(old.subarray(1000), 1003);
    expect(encodeDelta(old, shifted).delta.length).toBeLessThan(64);

    const dropped = old.slice(24 * 1000); // a window's records expired: a shift from afar
    expect(encodeDelta(old, dropped).delta.length).toBeLessThan(256);
  });

  it("carries the anchors of the new state along, as a pass over it would find them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.nat(), fc.array(anyEdit, { maxLength: 20 }), fc.array(anyEdit, { maxLength: 20 }), (n, seed, e1, e2) => {
        const s0 = stateLike(n, seed);
        const s1 = applyEdits(s0, e1);
        const s2 = applyEdits(s1, e2);
        const first = encodeDelta(s0, s1);
        expect(sameAnchors(first.anchors, anchorsOf(s1))).toBe(true);
        const second = encodeDelta(s1, s2, first.anchors);
        expect(sameAnchors(second.anchors, anchorsOf(s2))).toBe(true);
        expect(Buffer.from(applyDelta(s1, second.delta)).equals(Buffer.from(s2))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a delta for another state, a damaged one, and garbage, with a DeltaError", () => {
    const old = stateLike(4000, 4);
    const neu = applyEdits(old, [{ kind: "insert", at: 100, len: 50, to: 0, byte: 9 }]);
    const d = encodeDelta(old, neu).delta;
    expect(() => applyDelta(old.subarray(1), d)).toThrow(DeltaError);
    expect(() => applyDelta(old, new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not an eddy state delta/);
    for (let n = 0; n < d.length; n++) expect(() => applyDelta(old, d.subarray(0, n)), `truncated at ${n}`).toThrow(DeltaError);
    expect(() => applyDelta(old, Uint8Array.from([...d, 0]))).toThrow(DeltaError);
  });
});
