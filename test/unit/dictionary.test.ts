import { describe, expect, it } from "vitest";
import { Dictionary } from "../../src/core/dictionary";

describe("Dictionary", () => {
  it("assigns dense ids in order of first appearance and decodes them", () => {
    const d = new Dictionary();
    expect(d.encodeAll(["b", "a", "b", "é€😀", ""])).toEqual(Uint32Array.from([0, 1, 0, 2, 3]));
    expect(d.size).toBe(4);
    expect([0, 1, 2, 3].map((i) => d.decode(i))).toEqual(["b", "a", "é€😀", ""]);
    expect(d.lookup("a")).toBe(1);
    expect(d.lookup("zz")).toBeUndefined();
    expect(d.size).toBe(4);
    expect(() => d.decode(4)).toThrow(RangeError);
  });

  it("gives the strings added since a mark, and a replayed delta reproduces the ids", () => {
    const a = new Dictionary();
    a.encodeAll(["p1", "p2"]);
    const b = new Dictionary();
    b.applyDelta(a.since(0));
    const mark = a.mark();
    a.encodeAll(["p3", "p1", "p4"]);
    const delta = a.since(mark);
    expect(delta).toEqual({ start: 2, strings: ["p3", "p4"] });
    b.applyDelta(delta);
    b.applyDelta(delta); // idempotent
    expect(b.since(0)).toEqual(a.since(0));
    expect(() => b.applyDelta({ start: 9, strings: ["x"] })).toThrow(RangeError);
    expect(() => b.applyDelta({ start: 1, strings: ["nope"] })).toThrow(/conflicts/);
    expect(() => a.since(99)).toThrow(RangeError);
  });

  it("round-trips through a snapshot and rejects damaged bytes", () => {
    const d = new Dictionary();
    d.encodeAll(["user-1", "user-2", "ünïcødé", ""]);
    const bytes = d.snapshot();
    const r = Dictionary.restore(bytes);
    expect(r.since(0)).toEqual(d.since(0));
    expect(r.encode("user-3")).toBe(4);
    expect(() => Dictionary.restore(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => Dictionary.restore(bad)).toThrow(/not a dictionary/);
    expect(() => Dictionary.restore(new Uint8Array([...bytes, 0]))).toThrow(/trailing/);
  });
});
