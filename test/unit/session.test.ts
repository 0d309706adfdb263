import { beforeAll, describe, expect, it } from "vitest";
import { instantiateCore, type CoreExports } from "../../src/core/wasm";
import {
  SESSION_KIND_OTHER as OTHER, SESSION_KIND_PURCHASE as BUY, SESSION_KIND_VIEW as VIEW,
  WasmSession, sessionRowsToObjects, type SessionKernel, type SessionOptions, type SessionRow,
} from "../../src/core/kernels/session";
import { ReferenceSession } from "../../src/core/reference/session";

let core: CoreExports;
beforeAll(async () => {
  core = await instantiateCore();
});

interface Impl {
  make(o?: SessionOptions): SessionKernel;
  restore(bytes: Uint8Array): SessionKernel;
}
const impls: [string, Impl][] = [
  ["reference", { make: (o) => new ReferenceSession(o), restore: (b) => ReferenceSession.restore(b) }],
  ["wasm", { make: (o) => WasmSession.create(core, o, { batchCap: 8 }), restore: (b) => WasmSession.restore(core, b) }],
];

const MIN = 60_000;
const GAP = 30 * MIN;
const T0 = Date.UTC(2026, 0, 1, 10);

interface Ev {
  user?: number;
  t: number;
  kind?: number;
  amount?: number;
  wm?: number;
}

/** Pushes events (wm defaults to -Infinity: nothing late); returns the late indices. */
function push(k: SessionKernel, evs: Ev[]): number[] {
  const late = k.process({
    n: evs.length,
    user: Uint32Array.from(evs, (e) => e.user ?? 0),
    time: Float64Array.from(evs, (e) => e.t),
    kind: Uint8Array.from(evs, (e) => e.kind ?? OTHER),
    amount: Float64Array.from(evs, (e) => e.amount ?? 0),
    wm: Float64Array.from(evs, (e) => e.wm ?? -Infinity),
  });
  return Array.from(late);
}

const sorted = (rows: SessionRow[]) => [...rows].sort((a, b) => a.user - b.user || a.start - b.start);
const advance = (k: SessionKernel, wm: number) => {
  const rows = sessionRowsToObjects(k.advance(wm));
  // Rows leave ordered by (end, user).
  expect(rows).toEqual([...rows].sort((a, b) => a.end - b.end || a.user - b.user));
  return sorted(rows);
};
const row = (user: number, first: number, last: number, events: number, views = 0, purchases = 0, revenue = 0): SessionRow => ({
  user, start: first, end: last + GAP, duration: last - first, events, views, purchases, revenue,
});

describe.each(impls)("sessions (%s)", (_name, impl) => {
  it("a gap of exactly 30 minutes starts a new session, 1 ms less does not", () => {
    const k = impl.make();
    push(k, [{ t: T0 }, { t: T0 + GAP }, { user: 1, t: T0 }, { user: 1, t: T0 + GAP - 1 }]);
    expect(advance(k, Infinity)).toEqual([row(0, T0, T0, 1), row(0, T0 + GAP, T0 + GAP, 1), row(1, T0, T0 + GAP - 1, 2)]);
  });

  it("counts events, views, purchases and revenue in cents", () => {
    const k = impl.make();
    push(k, [
      { t: T0, kind: VIEW }, { t: T0 + MIN, kind: OTHER }, { t: T0 + 2 * MIN, kind: BUY, amount: 1999 },
      { t: T0 + 3 * MIN, kind: BUY, amount: 1 }, { t: T0 + 4 * MIN, kind: VIEW },
    ]);
    expect(advance(k, Infinity)).toEqual([row(0, T0, T0 + 4 * MIN, 5, 2, 2, 2000)]);
  });

  it("closes a session once the watermark reaches last + gap, not before", () => {
    const k = impl.make();
    push(k, [{ t: T0 }, { t: T0 + 10 * MIN }]);
    expect(advance(k, T0 + 10 * MIN + GAP - 1)).toEqual([]);
    expect(sessionRowsToObjects(k.peek())).toEqual([row(0, T0, T0 + 10 * MIN, 2)]);
    expect(advance(k, T0 + 10 * MIN + GAP)).toEqual([row(0, T0, T0 + 10 * MIN, 2)]);
    expect(advance(k, Infinity)).toEqual([]);
    expect(sessionRowsToObjects(k.peek())).toEqual([]);
  });

  it("merges two sessions when an out-of-order event bridges them", () => {
    const k = impl.make();
    push(k, [{ t: T0 }, { t: T0 + 40 * MIN }]);
    expect(sorted(sessionRowsToObjects(k.peek()))).toHaveLength(2);
    push(k, [{ t: T0 + 20 * MIN, kind: VIEW }]);
    expect(advance(k, Infinity)).toEqual([row(0, T0, T0 + 40 * MIN, 3, 1)]);
  });

  it("an event is late when t + gap <= wm, and changes nothing", () => {
    const k = impl.make();
    const late = push(k, [
      { t: T0, wm: T0 + GAP }, // t + gap == wm: late
      { t: T0 + 1, wm: T0 + GAP }, // t + gap > wm: on time
    ]);
    expect(late).toEqual([0]);
    expect(advance(k, Infinity)).toEqual([row(0, T0 + 1, T0 + 1, 1)]);
  });

  it("an on-time event after its session closed starts a new one, with or without advance() between", () => {
    const evs: Ev[] = [{ t: T0 }, { t: T0 + 10 * MIN, wm: T0 + GAP }];
    const expected = [row(0, T0, T0, 1), row(0, T0 + 10 * MIN, T0 + 10 * MIN, 1)];
    const one = impl.make();
    expect(push(one, evs)).toEqual([]);
    expect(advance(one, Infinity)).toEqual(expected);
    const two = impl.make();
    push(two, evs.slice(0, 1));
    const first = advance(two, T0 + GAP);
    push(two, evs.slice(1));
    expect(sorted([...first, ...advance(two, Infinity)])).toEqual(expected);
  });

  it("treats non-finite times as late and takes one watermark for a whole batch", () => {
    const k = impl.make();
    expect(push(k, [{ t: NaN }, { t: Infinity }, { t: T0 }])).toEqual([0, 1]);
    const late = k.process({ n: 2, user: [0, 0], time: [T0 - GAP, T0 + 1], kind: [VIEW, VIEW], wm: T0 });
    expect(Array.from(late)).toEqual([0]);
    expect(k.openSessions()).toBe(1);
    expect(advance(k, Infinity)).toEqual([row(0, T0, T0 + 1, 2, 1)]);
    expect(k.openSessions()).toBe(0);
  });

  it("keeps users apart and honours a configured gap", () => {
    const k = impl.make({ gapMs: 1000 });
    push(k, [{ user: 2, t: 0 }, { user: 3, t: 500 }, { user: 2, t: 999 }, { user: 3, t: 1499 }, { user: 2, t: 1998 }]);
    expect(advance(k, 2498)).toEqual([]);
    expect(advance(k, 2499)).toEqual([{ user: 3, start: 500, end: 2499, duration: 999, events: 2, views: 0, purchases: 0, revenue: 0 }]);
    expect(advance(k, 2997)).toEqual([]);
    expect(advance(k, 2998)).toEqual([{ user: 2, start: 0, end: 2998, duration: 1998, events: 3, views: 0, purchases: 0, revenue: 0 }]);
  });

  it("restores a snapshot into a fresh instance and continues identically", () => {
    const evs: Ev[] = [
      { t: T0, kind: VIEW }, { user: 1, t: T0 + MIN }, { t: T0 + 2 * MIN, kind: BUY, amount: 500 },
      { t: T0 + 60 * MIN, wm: T0 + 31 * MIN }, { user: 1, t: T0 + 20 * MIN }, { t: T0 + 25 * MIN, kind: BUY, amount: 7, wm: T0 + 31 * MIN },
    ];
    const whole = impl.make();
    push(whole, evs);
    const expected = advance(whole, Infinity);
    const first = impl.make();
    push(first, evs.slice(0, 4));
    const bytes = first.snapshot();
    const second = impl.restore(bytes);
    push(second, evs.slice(4));
    expect(advance(second, Infinity)).toEqual(expected);
    expect(expected).toEqual([row(0, T0, T0 + 25 * MIN, 3, 1, 2, 507), row(0, T0 + 60 * MIN, T0 + 60 * MIN, 1), row(1, T0 + MIN, T0 + 20 * MIN, 2)]);
  });
});

describe("sessions wasm wrapper", () => {
  it("splits pushes larger than the batch capacity and offsets late indices", () => {
    const w = WasmSession.create(core, {}, { batchCap: 3 });
    const evs: Ev[] = Array.from({ length: 10 }, (_, i) => ({ user: i % 2, t: T0 + i * MIN, wm: i === 7 ? T0 + 40 * MIN : -Infinity }));
    expect(push(w, evs)).toEqual([7]);
    expect(w.openSessions()).toBe(2);
    expect(advance(w, Infinity).map((r) => r.events)).toEqual([5, 4]);
    expect(w.openSessions()).toBe(0);
  });
});

describe("sessions wasm at scale", () => {
  it("equals the reference over 200k events (slab and heap growth, record reuse)", () => {
    // Deterministic LCG stream: 20 events/s, 3,000 users in rotating bursts, ±5 min disorder,
    // 0.5% of events an hour old (late), watermark = max - 5 min.
    let seed = 987654;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const n = 200_000;
    const user = new Uint32Array(n), time = new Float64Array(n), kind = new Uint8Array(n), amount = new Float64Array(n), wm = new Float64Array(n);
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      let t = T0 + i * 50 - Math.floor(rnd() * 300_000);
      if (rnd() < 0.005) t -= 3_600_000;
      wm[i] = max - 300_000;
      max = Math.max(max, t);
      time[i] = t;
      user[i] = (Math.floor(i / 300) + Math.floor(rnd() * 400)) % 3000;
      kind[i] = Math.floor(rnd() * 3);
      amount[i] = kind[i] === BUY ? 1 + Math.floor(rnd() * 50_000) : 0;
    }
    const ref = new ReferenceSession();
    const wasm = WasmSession.create(core, {}, { batchCap: 4096 });
    let rows = 0;
    for (let from = 0; from < n; from += 4096) {
      const to = Math.min(n, from + 4096);
      const batch = { n: to - from, user: user.subarray(from, to), time: time.subarray(from, to), kind: kind.subarray(from, to), amount: amount.subarray(from, to), wm: wm.subarray(from, to) };
      expect(Array.from(wasm.process(batch))).toEqual(Array.from(ref.process(batch)));
      const a = sessionRowsToObjects(wasm.advance(wm[to - 1]!));
      expect(a).toEqual(sessionRowsToObjects(ref.advance(wm[to - 1]!)));
      expect(wasm.openSessions()).toBe(ref.openSessions());
      rows += a.length;
    }
    expect(sessionRowsToObjects(wasm.advance(Infinity))).toEqual(sessionRowsToObjects(ref.advance(Infinity)));
    expect(rows).toBeGreaterThan(300);
    wasm.destroy();
  });
});
