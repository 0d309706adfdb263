import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { JOIN_KIND_CLICK, JOIN_KIND_TX, WasmJoin, conversionRowsToObjects, type ConversionRow, type JoinKernel } from "../../src/core/kernels/join";
import { ReferenceJoin } from "../../src/core/reference/join";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

const MIN = 60_000;
const H = 10 * MIN;
const T0 = Date.UTC(2026, 0, 1);

interface Stream {
  n: number;
  kind: Uint8Array;
  user: Uint32Array;
  product: Uint32Array;
  time: Float64Array;
  /** Watermark before each event: max earlier event time − delay (monotone). */
  wm: Float64Array;
  /** Watermark after events 0..i: what advance() gets after a batch ending at i. */
  wmAfter: Float64Array;
}

/**
 * Clicks and purchases of few users and products, drifting forward with out-of-order jitter
 * (±15 min) so that both arrival orders, late events and expiry all occur; some purchases land
 * exactly 10 minutes (or 10 min + 1 ms) after the pair's last click, and some clicks exactly
 * 10 minutes (or 10 min + 1 ms) before the pair's last purchase: the boundary, both ways.
 */
const stream = fc
  .record({
    delay: fc.constantFrom(0, 30_000, 5 * MIN, 12 * MIN),
    events: fc.array(
      fc.record({
        kind: fc.constantFrom(JOIN_KIND_CLICK, JOIN_KIND_CLICK, JOIN_KIND_TX, 2),
        user: fc.integer({ min: 0, max: 3 }),
        product: fc.integer({ min: 0, max: 2 }),
        step: fc.integer({ min: 0, max: 90_000 }),
        jitter: fc.integer({ min: -15 * MIN, max: 15 * MIN }),
        mode: fc.constantFrom("plain", "plain", "jitter", "edge", "edge+1"),
      }),
      { maxLength: 300, size: "max" },
    ),
  })
  .map(({ delay, events }): Stream => {
    const n = events.length;
    const s: Stream = {
      n, kind: new Uint8Array(n), user: new Uint32Array(n), product: new Uint32Array(n),
      time: new Float64Array(n), wm: new Float64Array(n), wmAfter: new Float64Array(n),
    };
    let clock = T0;
    let max = -Infinity;
    const lastClick = new Map<string, number>();
    const lastTx = new Map<string, number>();
    events.forEach((e, i) => {
      clock += e.step;
      const pair = `${e.user}:${e.product}`;
      let t = e.mode === "jitter" ? clock + e.jitter : clock;
      const edge = e.mode === "edge+1" ? 1 : 0;
      const [c, x] = [lastClick.get(pair), lastTx.get(pair)];
      if (e.mode.startsWith("edge") && e.kind === JOIN_KIND_TX && c !== undefined) t = c + H + edge;
      if (e.mode.startsWith("edge") && e.kind === JOIN_KIND_CLICK && x !== undefined) t = x - H - edge;
      if (e.kind === JOIN_KIND_CLICK) lastClick.set(pair, t);
      if (e.kind === JOIN_KIND_TX) lastTx.set(pair, t);
      s.kind[i] = e.kind;
      s.user[i] = e.user;
      s.product[i] = e.product;
      s.time[i] = t;
      s.wm[i] = max - delay;
      if (e.kind <= JOIN_KIND_TX) max = Math.max(max, t);
      s.wmAfter[i] = max - delay;
    });
    return s;
  });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

interface Result {
  late: number[];
  /** Rows of each advance, in emission order. */
  batches: ConversionRow[][];
  /** openEntries() after each advance. */
  open: number[];
}

/** Runs the stream cut into batches (advance after each), optionally snapshot/restore at a cut. */
function run(k: JoinKernel, s: Stream, cs: number[], snapshotAt = -1, restore?: (b: Uint8Array) => JoinKernel): Result {
  const bounds = [...new Set([0, ...cs.map((c) => c % (s.n + 1)), s.n])].sort((a, b) => a - b);
  const res: Result = { late: [], batches: [], open: [] };
  for (let b = 0; b + 1 < bounds.length; b++) {
    const [from, to] = [bounds[b]!, bounds[b + 1]!];
    if (from === snapshotAt && restore) {
      const bytes = k.snapshot();
      k.destroy();
      k = restore(bytes);
    }
    const sub = <T extends Float64Array | Uint32Array | Uint8Array>(a: T) => a.subarray(from, to) as T;
    const late = k.process({ n: to - from, kind: sub(s.kind), user: sub(s.user), product: sub(s.product), time: sub(s.time), wm: sub(s.wm) });
    res.late.push(...Array.from(late, (i) => i + from));
    res.batches.push(conversionRowsToObjects(k.advance(s.wmAfter[to - 1]!)));
    res.open.push(k.openEntries());
  }
  res.batches.push(conversionRowsToObjects(k.advance(Infinity)));
  expect(k.openEntries()).toBe(0);
  k.destroy();
  return res;
}

const all = (r: Result) => r.batches.flat().sort((a, b) => a.start - b.start || a.product - b.product);

describe("conversions join: wasm == reference", () => {
  it("same late events, rows (same order) and state sizes, batch by batch", () => {
    const seen = { rows: 0, converted: 0, late: 0 };
    fc.assert(
      fc.property(stream, cuts, (s, cs) => {
        const ref = run(new ReferenceJoin(), s, cs);
        const wasm = run(WasmJoin.create(core, {}, { batchCap: 16 }), s, cs);
        expect(wasm).toStrictEqual(ref);
        seen.rows += all(ref).length;
        seen.converted += all(ref).reduce((n, r) => n + r.converted, 0);
        seen.late += ref.late.length;
      }),
      { numRuns: 300 },
    );
    expect(seen.rows).toBeGreaterThan(1000);
    expect(seen.converted).toBeGreaterThan(300);
    expect(seen.late).toBeGreaterThan(100);
  });

  it("results do not depend on batch boundaries", () => {
    fc.assert(
      fc.property(stream, cuts, cuts, (s, a, b) => {
        const x = run(WasmJoin.create(core), s, a);
        const y = run(WasmJoin.create(core), s, b);
        expect(y.late).toStrictEqual(x.late);
        expect(all(y)).toStrictEqual(all(x));
        expect(all(run(new ReferenceJoin(), s, b))).toStrictEqual(all(x));
      }),
      { numRuns: 200 },
    );
  });

  it("snapshot after any prefix, restore into a fresh instance, the rest == no snapshot", () => {
    fc.assert(
      fc.property(stream, cuts, fc.nat(), (s, cs, at) => {
        const cut = at % (s.n + 1);
        const whole = run(WasmJoin.create(core), s, [...cs, cut]);
        const resumed = run(WasmJoin.create(core), s, [...cs, cut], cut, (b) => WasmJoin.restore(core, b));
        expect(resumed).toStrictEqual(whole);
        const ref = run(new ReferenceJoin(), s, [...cs, cut], cut, (b) => ReferenceJoin.restore(b));
        expect(ref).toStrictEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("peek shows the reference's open rows at any point", () => {
    fc.assert(
      fc.property(stream, fc.nat(), (s, at) => {
        const cut = at % (s.n + 1);
        const ref = new ReferenceJoin();
        const wasm = WasmJoin.create(core);
        for (const k of [ref, wasm]) {
          k.process({ n: cut, kind: s.kind, user: s.user, product: s.product, time: s.time, wm: s.wm });
          if (cut > 0) k.advance(s.wmAfter[cut - 1]!);
        }
        expect(conversionRowsToObjects(wasm.peek())).toStrictEqual(conversionRowsToObjects(ref.peek()));
        expect(wasm.openEntries()).toBe(ref.openEntries());
        wasm.destroy();
      }),
      { numRuns: 200 },
    );
  });
});
