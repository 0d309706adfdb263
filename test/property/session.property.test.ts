import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import { WasmSession, sessionRowsToObjects, type SessionKernel, type SessionRow } from "../../src/core/kernels/session";
import { ReferenceSession } from "../../src/core/reference/session";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

const MIN = 60_000;
const GAP = 30 * MIN;
const T0 = Date.UTC(2026, 0, 1);

interface Stream {
  n: number;
  user: Uint32Array;
  time: Float64Array;
  kind: Uint8Array;
  amount: Float64Array;
  /** Watermark before each event: max earlier event time − delay (monotone). */
  wm: Float64Array;
  /** Watermark after events 0..i: what advance() gets after a batch ending at i. */
  wmAfter: Float64Array;
}

/** Event times drift forward with out-of-order jitter (up to ±45 min) so sessions split, merge and go late. */
const stream = fc
  .record({
    delay: fc.constantFrom(0, MIN, 5 * MIN, 20 * MIN),
    events: fc.array(
      fc.record({
        user: fc.integer({ min: 0, max: 5 }),
        step: fc.integer({ min: 0, max: 12 * MIN }),
        jitter: fc.integer({ min: -45 * MIN, max: 45 * MIN }),
        kind: fc.integer({ min: 0, max: 2 }),
        cents: fc.integer({ min: 1, max: 100_000 }),
        exactGap: fc.boolean(),
      }),
      { maxLength: 300, size: "max" },
    ),
  })
  .map(({ delay, events }): Stream => {
    const n = events.length;
    const s: Stream = {
      n, user: new Uint32Array(n), time: new Float64Array(n), kind: new Uint8Array(n),
      amount: new Float64Array(n), wm: new Float64Array(n), wmAfter: new Float64Array(n),
    };
    let clock = T0;
    let max = -Infinity;
    const lastOfUser = new Map<number, number>();
    events.forEach((e, i) => {
      clock += e.step;
      // Sometimes exactly one gap after the user's previous event: the boundary case.
      const prev = lastOfUser.get(e.user);
      const t = e.exactGap && prev !== undefined ? prev + GAP : clock + (e.jitter > 0 && e.jitter < 30 * MIN ? 0 : e.jitter);
      lastOfUser.set(e.user, t);
      s.user[i] = e.user;
      s.time[i] = t;
      s.kind[i] = e.kind;
      s.amount[i] = e.kind === 2 ? e.cents : 0;
      s.wm[i] = max - delay;
      max = Math.max(max, t);
      s.wmAfter[i] = max - delay;
    });
    return s;
  });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

interface Result {
  late: number[];
  /** Rows of each advance, in emission order. */
  batches: SessionRow[][];
}

/** Runs the stream cut into batches (advance after each), optionally snapshot/restore at a cut. */
function run(k: SessionKernel, s: Stream, cs: number[], snapshotAt = -1, restore?: (b: Uint8Array) => SessionKernel): Result {
  const bounds = [...new Set([0, ...cs.map((c) => c % (s.n + 1)), s.n])].sort((a, b) => a - b);
  const res: Result = { late: [], batches: [] };
  for (let b = 0; b + 1 < bounds.length; b++) {
    const [from, to] = [bounds[b]!, bounds[b + 1]!];
    if (from === snapshotAt && restore) {
      const bytes = k.snapshot();
      k.destroy();
      k = restore(bytes);
    }
    const sub = <T extends Float64Array | Uint32Array | Uint8Array>(a: T) => a.subarray(from, to) as T;
    const late = k.process({ n: to - from, user: sub(s.user), time: sub(s.time), kind: sub(s.kind), amount: sub(s.amount), wm: sub(s.wm) });
    res.late.push(...Array.from(late, (i) => i + from));
    res.batches.push(sessionRowsToObjects(k.advance(s.wmAfter[to - 1]!)));
  }
  res.batches.push(sessionRowsToObjects(k.advance(Infinity)));
  expect(k.openSessions()).toBe(0);
  k.destroy();
  return res;
}

const all = (r: Result) => r.batches.flat().sort((a, b) => a.user - b.user || a.start - b.start);

describe("sessions: wasm == reference", () => {
  it("same late events and the same rows in the same order, batch by batch", () => {
    let rows = 0;
    let late = 0;
    fc.assert(
      fc.property(stream, cuts, (s, cs) => {
        const ref = run(new ReferenceSession(), s, cs);
        const wasm = run(WasmSession.create(core, {}, { batchCap: 16 }), s, cs);
        expect(wasm).toStrictEqual(ref);
        rows += all(ref).length;
        late += ref.late.length;
      }),
      { numRuns: 300 },
    );
    expect(rows).toBeGreaterThan(1000);
    expect(late).toBeGreaterThan(100);
  });

  it("results do not depend on batch boundaries", () => {
    fc.assert(
      fc.property(stream, cuts, cuts, (s, a, b) => {
        const x = run(WasmSession.create(core), s, a);
        const y = run(WasmSession.create(core), s, b);
        expect(y.late).toStrictEqual(x.late);
        expect(all(y)).toStrictEqual(all(x));
        const r = run(new ReferenceSession(), s, b);
        expect(all(r)).toStrictEqual(all(x));
      }),
      { numRuns: 200 },
    );
  });

  it("snapshot after any prefix, restore into a fresh instance, the rest == no snapshot", () => {
    fc.assert(
      fc.property(stream, cuts, fc.nat(), (s, cs, at) => {
        const cut = at % (s.n + 1);
        const whole = run(WasmSession.create(core), s, [...cs, cut]);
        const resumed = run(WasmSession.create(core), s, [...cs, cut], cut, (b) => WasmSession.restore(core, b));
        expect(resumed).toStrictEqual(whole);
        const ref = run(new ReferenceSession(), s, [...cs, cut], cut, (b) => ReferenceSession.restore(b));
        expect(ref).toStrictEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("peek shows the reference's open sessions at any point", () => {
    fc.assert(
      fc.property(stream, fc.nat(), (s, at) => {
        const cut = at % (s.n + 1);
        const ref = new ReferenceSession();
        const wasm = WasmSession.create(core);
        for (const k of [ref, wasm]) {
          k.process({ n: cut, user: s.user, time: s.time, kind: s.kind, amount: s.amount, wm: s.wm });
          if (cut > 0) k.advance(s.wmAfter[cut - 1]!);
        }
        expect(sessionRowsToObjects(wasm.peek())).toStrictEqual(sessionRowsToObjects(ref.peek()));
        expect(wasm.openSessions()).toBe(ref.openSessions());
        wasm.destroy();
      }),
      { numRuns: 200 },
    );
  });
});
