import { describe, expect, it } from "vitest";
import { ManualClock, Pacer } from "../../src/server/generator/pacer";
import { generate } from "../../src/server/generator/run";
import { MemoryTarget } from "../../src/server/generator/target";

describe("Pacer (virtual clock)", () => {
  it.each([1, 7, 200, 5000, 250_000])("holds %d/s over 30 virtual seconds without running ahead", async (rate) => {
    const clock = new ManualClock(1_000);
    const pacer = new Pacer(rate, clock);
    let total = 0;
    const slack = Math.max(1, Math.floor(rate / 100)); // one 10 ms tick's batch
    while (clock.now() - 1_000 < 30_000) {
      total += await pacer.take(1_000_000);
      // Never more than the schedule allows at this instant.
      expect(total).toBeLessThanOrEqual(Math.floor(((clock.now() - 1_000) * rate) / 1000) + slack);
    }
    const expected = rate * 30;
    expect(Math.abs(total - expected)).toBeLessThanOrEqual(slack + 1);
  });

  it("hands out at most `max` per call and spreads over time", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(1000, clock);
    const sizes: number[] = [];
    for (let i = 0; i < 100; i++) sizes.push(await pacer.take(3));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(pacer.total).toBe(sizes.reduce((a, b) => a + b, 0));
    // 100 calls of <= 3 at 1000/s take about total/1000 s.
    expect(clock.now()).toBeGreaterThanOrEqual(pacer.total - 10);
  });

  it("forgets a backlog longer than a second instead of bursting", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(100, clock);
    await pacer.take(10);
    clock.t += 60_000; // the caller stalled for a minute
    const burst = await pacer.take(1_000_000);
    expect(burst).toBeLessThanOrEqual(100);
    const before = clock.now();
    let n = 0;
    while (clock.now() - before < 10_000) n += await pacer.take(1_000_000);
    expect(Math.abs(n - 1000)).toBeLessThanOrEqual(2);
  });

  it("at rate max hands out everything at once without waiting", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(Infinity, clock);
    expect(await pacer.take(5000)).toBe(5000);
    expect(clock.now()).toBe(0);
  });

  it("rejects a non-positive rate", () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});

describe("generate() pacing (simulated event time)", () => {
  it("produces rate × duration records on an injected clock", async () => {
    const clock = new ManualClock();
    const target = new MemoryTarget();
    const s = await generate({ seed: 1, speed: Infinity, startMs: 0, rate: 500, durationMs: 20_000 }, target, { clock });
    expect(Math.abs(s.produced - 10_000)).toBeLessThanOrEqual(10);
    expect(target.records.length).toBe(s.produced);
    expect(s.rate).toBeGreaterThan(495);
    expect(s.rate).toBeLessThan(505);
  });

  it("stops at --count exactly", async () => {
    const s = await generate({ seed: 2, speed: Infinity, startMs: 0, rate: Infinity, count: 12_345 }, new MemoryTarget(), { clock: new ManualClock() });
    expect(s.produced).toBe(12_345);
    expect(s.target.delivered).toBe(12_345);
  });

  it("stops when aborted", async () => {
    const ac = new AbortController();
    let seen = 0;
    const target = new MemoryTarget((batch) => {
      seen += batch.length;
      if (seen >= 3000) ac.abort();
    });
    const s = await generate({ seed: 3, speed: Infinity, startMs: 0, rate: Infinity, maxBatch: 1000 }, target, { signal: ac.signal });
    expect(s.produced).toBe(3000);
  });
});
