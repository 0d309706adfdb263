import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import {
  JOIN_KIND_CLICK as CLICK, JOIN_KIND_TX as TX, WasmJoin, conversionRowsToObjects,
  type ConversionRow, type JoinKernel, type JoinOptions,
} from "../../src/core/kernels/join";
import { ReferenceJoin } from "../../src/core/reference/join";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

interface Impl {
  make(o?: JoinOptions): JoinKernel;
  restore(bytes: Uint8Array): JoinKernel;
}
const impls: [string, Impl][] = [
  ["reference", { make: (o) => new ReferenceJoin(o), restore: (b) => ReferenceJoin.restore(b) }],
  ["wasm", { make: (o) => WasmJoin.create(core, o, { batchCap: 8 }), restore: (b) => WasmJoin.restore(core, b) }],
];

const MIN = 60_000;
const H = 10 * MIN;
const T0 = Date.UTC(2026, 0, 1, 10); // a window start

interface Ev {
  kind: number;
  t: number;
  user?: number;
  product?: number;
  wm?: number;
}
const click = (t: number, more: Partial<Ev> = {}): Ev => ({ kind: CLICK, t, ...more });
const tx = (t: number, more: Partial<Ev> = {}): Ev => ({ kind: TX, t, ...more });

function push(k: JoinKernel, evs: Ev[]): number[] {
  const late = k.process({
    n: evs.length,
    kind: evs.map((e) => e.kind),
    user: evs.map((e) => e.user ?? 0),
    product: evs.map((e) => e.product ?? 0),
    time: Float64Array.from(evs, (e) => e.t),
    wm: Float64Array.from(evs, (e) => e.wm ?? -Infinity),
  });
  return Array.from(late);
}
const advance = (k: JoinKernel, wm: number) => conversionRowsToObjects(k.advance(wm));
const row = (start: number, clicks: number, converted: number, product = 0): ConversionRow => ({ product, start, end: start + MIN, clicks, converted });

describe.each(impls)("conversions join (%s)", (_name, impl) => {
  it("a click and a purchase exactly 10 minutes apart convert, 1 ms more does not, in either order", () => {
    const a = impl.make();
    const u1 = { user: 1 };
    push(a, [click(T0), tx(T0 + H), click(T0 + MIN, u1), tx(T0 + MIN + H + 1, u1)]);
    const b = impl.make();
    push(b, [tx(T0 + H), click(T0), tx(T0 + MIN + H + 1, u1), click(T0 + MIN, u1)]);
    const expected = [row(T0, 1, 1), row(T0 + MIN, 1, 0)];
    expect(advance(a, Infinity)).toEqual(expected);
    expect(advance(b, Infinity)).toEqual(expected);
  });

  it("a purchase at the click's own time converts it, one just before does not", () => {
    const k = impl.make();
    push(k, [tx(T0 + 5_000), click(T0 + 5_000), tx(T0 + 30_000 - 1, { user: 1 }), click(T0 + 30_000, { user: 1 })]);
    expect(advance(k, Infinity)).toEqual([row(T0, 2, 1)]);
  });

  it("counts distinct converted clicks, only for the same user and product", () => {
    const k = impl.make();
    push(k, [
      click(T0), click(T0 + 1000), // one transaction converts both
      tx(T0 + 2000),
      tx(T0 + 3000), // a second match converts nothing twice
      click(T0 + 4000, { user: 1 }), // another user's click
      click(T0 + 5000, { product: 7 }), // another product: its own row
      tx(T0 + 6000, { user: 2, product: 7 }), // another user's purchase
    ]);
    expect(advance(k, Infinity)).toEqual([row(T0, 3, 2), row(T0, 1, 0, 7)]);
  });

  it("a row is final once wm >= window end + 10 min, and its late click then changes nothing", () => {
    const k = impl.make();
    push(k, [click(T0 + 59_999)]);
    expect(advance(k, T0 + MIN + H - 1)).toEqual([]);
    expect(conversionRowsToObjects(k.peek())).toEqual([row(T0, 1, 0)]);
    // The click before the end can still convert at the last moment.
    expect(push(k, [tx(T0 + 59_999 + H, { wm: T0 + MIN + H - 1 })])).toEqual([]);
    expect(advance(k, T0 + MIN + H)).toEqual([row(T0, 1, 1)]);
    expect(push(k, [click(T0 + 30_000, { wm: T0 + MIN + H })])).toEqual([0]);
    expect(advance(k, Infinity)).toEqual([]);
    expect(k.openEntries()).toBe(0);
  });

  it("a transaction is late once every click window it could convert is final", () => {
    const k = impl.make();
    // s(T) = T0 + 5 min: late at wm >= T0 + 5 min + W + H.
    const T = T0 + 5 * MIN + 30_000;
    expect(push(k, [tx(T, { wm: T0 + 16 * MIN })])).toEqual([0]);
    expect(push(k, [tx(T, { wm: T0 + 16 * MIN - 1 }), click(T0 + 5 * MIN, { wm: T0 + 16 * MIN - 1 })])).toEqual([]);
    expect(advance(k, Infinity)).toEqual([row(T0 + 5 * MIN, 1, 1)]);
  });

  it("an on-time purchase skips clicks whose row is final but not yet emitted (batch independence)", () => {
    const evs = [click(T0), tx(T0 + 9 * MIN, { wm: T0 + MIN + H })];
    const one = impl.make();
    expect(push(one, evs)).toEqual([]);
    const rowsOne = advance(one, Infinity);
    const two = impl.make();
    push(two, evs.slice(0, 1));
    const rowsTwo = [...advance(two, T0 + MIN + H), ...(push(two, evs.slice(1)), advance(two, Infinity))];
    expect(rowsOne).toEqual([row(T0, 1, 0)]);
    expect(rowsTwo).toEqual(rowsOne);
  });

  it("drops state once nothing open can use it, keeps it exactly until then", () => {
    const k = impl.make();
    push(k, [tx(T0 + 30_000)]);
    expect(k.openEntries()).toBe(1);
    advance(k, T0 + MIN + H - 1);
    expect(k.openEntries()).toBe(1);
    expect(push(k, [click(T0, { wm: T0 + MIN + H - 1 })])).toEqual([]);
    expect(k.openEntries()).toBe(2); // the row, the transaction (the click converted on arrival)
    expect(advance(k, T0 + MIN + H)).toEqual([row(T0, 1, 1)]);
    expect(k.openEntries()).toBe(0);
    push(k, [click(T0 + 60 * MIN), click(T0 + 61 * MIN)]);
    expect(k.openEntries()).toBe(4);
    expect(advance(k, T0 + 72 * MIN)).toEqual([row(T0 + 60 * MIN, 1, 0), row(T0 + 61 * MIN, 1, 0)]);
    expect(k.openEntries()).toBe(0);
  });

  it("orders rows by window end, then product; skips other kinds; non-finite times are late", () => {
    const k = impl.make({ windowMs: 1000, horizonMs: 500 });
    expect(push(k, [click(2500, { product: 3 }), click(1000, { product: 9 }), click(2000, { product: 1 }), { kind: 7, t: 1 }, click(NaN), tx(Infinity)])).toEqual([4, 5]);
    const rows = advance(k, Infinity);
    expect(rows.map((r) => [r.start, r.product])).toEqual([[1000, 9], [2000, 1], [2000, 3]]);
    expect(rows.map((r) => r.end)).toEqual([2000, 3000, 3000]);
  });

  it("restores a snapshot into a fresh instance and continues identically", () => {
    const evs = [click(T0), click(T0 + 2 * MIN, { user: 1 }), tx(T0 + 4 * MIN, { user: 2 }), click(T0 + 3 * MIN, { user: 2 }), tx(T0 + 5 * MIN), tx(T0 + 11 * MIN, { user: 1 })];
    const whole = impl.make();
    push(whole, evs);
    const expected = advance(whole, Infinity);
    expect(expected).toEqual([row(T0, 1, 1), row(T0 + 2 * MIN, 1, 1), row(T0 + 3 * MIN, 1, 1)]);
    for (let cut = 0; cut <= evs.length; cut++) {
      const first = impl.make();
      push(first, evs.slice(0, cut));
      const second = impl.restore(first.snapshot());
      first.destroy();
      push(second, evs.slice(cut));
      expect(advance(second, Infinity)).toEqual(expected);
    }
  });
});

describe("conversions join wasm wrapper", () => {
  it("splits batches larger than the batch capacity and offsets late indices", () => {
    const w = WasmJoin.create(core, {}, { batchCap: 3 });
    const evs = Array.from({ length: 10 }, (_, i) => click(T0 + i * 1000, { wm: i === 7 ? T0 + 20 * MIN : -Infinity }));
    expect(push(w, evs)).toEqual([7]);
    expect(advance(w, Infinity)).toEqual([row(T0, 9, 0)]);
  });

  it("rejects bad options and key ids out of range", () => {
    expect(() => WasmJoin.create(core, { windowMs: 0 })).toThrow(RangeError);
    expect(() => push(WasmJoin.create(core), [click(T0, { user: 2 ** 28 })])).toThrow(/key id/);
  });
});

describe("conversions join wasm at scale", () => {
  it("equals the reference over 300k events (table growth, reindexing, compaction, recycled windows)", () => {
    // Deterministic LCG stream: 100 events/s, 2,000 users x 50 products, 5% purchases of
    // recently clicked pairs, ±3 s disorder, watermark = max - 5 s.
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const n = 300_000;
    const kind = new Uint8Array(n), user = new Uint32Array(n), product = new Uint32Array(n), time = new Float64Array(n), wm = new Float64Array(n);
    const recent: [number, number][] = [];
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = T0 + i * 10 - Math.floor(rnd() * 3000);
      wm[i] = max - 5000;
      max = Math.max(max, t);
      time[i] = t;
      if (recent.length > 100 && rnd() < 0.05) {
        const [u, p] = recent[Math.floor(rnd() * recent.length)]!;
        kind[i] = TX;
        user[i] = u;
        product[i] = p;
      } else {
        kind[i] = CLICK;
        user[i] = Math.floor(rnd() * 2000);
        product[i] = Math.floor(rnd() * 50);
        if (recent.length < 5000) recent.push([user[i]!, product[i]!]);
        else recent[Math.floor(rnd() * 5000)] = [user[i]!, product[i]!];
      }
    }
    const ref = new ReferenceJoin();
    const wasm = WasmJoin.create(core, {}, { batchCap: 4096 });
    let rows = 0;
    for (let from = 0; from < n; from += 4096) {
      const to = Math.min(n, from + 4096);
      const batch = { n: to - from, kind: kind.subarray(from, to), user: user.subarray(from, to), product: product.subarray(from, to), time: time.subarray(from, to), wm: wm.subarray(from, to) };
      expect(Array.from(wasm.process(batch))).toEqual(Array.from(ref.process(batch)));
      const a = conversionRowsToObjects(wasm.advance(wm[to - 1]!));
      expect(a).toEqual(conversionRowsToObjects(ref.advance(wm[to - 1]!)));
      expect(wasm.openEntries()).toBe(ref.openEntries());
      rows += a.length;
    }
    expect(conversionRowsToObjects(wasm.advance(Infinity))).toEqual(conversionRowsToObjects(ref.advance(Infinity)));
    expect(rows).toBeGreaterThan(1000);
    wasm.destroy();
  });
});
