import { describe, expect, it } from "vitest";
import { validate, type TopicKind } from "../../src/core/events";
import { EventClock } from "../../src/server/generator/event-clock";
import { ManualClock } from "../../src/server/generator/pacer";
import { generate, type GenerateOptions, planGeneration } from "../../src/server/generator/run";
import { MemoryTarget } from "../../src/server/generator/target";
import type { GeneratedRecord } from "../../src/server/generator/source";
import { humanDuration } from "../../src/server/human-duration";

const H = 3_600_000;
const WALL = Date.UTC(2026, 10, 30, 7, 39);

/** Event time of a valid record. */
function eventTime(r: GeneratedRecord): number | undefined {
  const v = validate(r.kind as TopicKind, r.text);
  return v.ok ? v.t : undefined;
}

/**
 * Runs generate() on a virtual clock from wall time WALL, recording the wall time at which each
 * batch was written and the largest event time in it.
 */
async function run(options: GenerateOptions): Promise<{ batches: Array<{ wall: number; records: GeneratedRecord[] }>; caughtUp: number[]; description: string }> {
  const clock = new ManualClock();
  const batches: Array<{ wall: number; records: GeneratedRecord[] }> = [];
  const caughtUp: number[] = [];
  let description = "";
  await generate(options, new MemoryTarget((records) => void batches.push({ wall: WALL + clock.now(), records })), {
    clock,
    wallMs: WALL,
    onStart: (p) => (description = p.description),
    onCaughtUp: (w) => caughtUp.push(w),
  });
  return { batches, caughtUp, description };
}

describe("EventClock", () => {
  it("at speed 1 is the wall clock", () => {
    const c = new EventClock(1, WALL, WALL);
    expect(c.limit(WALL + 12_345)).toBe(WALL + 12_345);
    expect(c.describe()).toBe("event time is the wall clock");
  });

  it("at speed N starts (N-1) h back, runs N× faster and is capped at the wall clock once it catches up", () => {
    const c = new EventClock(60, EventClock.defaultStart(60, WALL), WALL);
    expect(c.limit(WALL)).toBe(WALL - 59 * H);
    expect(c.limit(WALL + 30 * 60_000)).toBe(WALL - 59 * H + 30 * H);
    expect(c.caughtUp(WALL + 30 * 60_000)).toBe(false);
    expect(c.catchUpWallMs).toBe(WALL + H);
    for (const w of [WALL + H, WALL + 2 * H, WALL + 100 * H]) expect(c.limit(w)).toBe(w);
    expect(c.describe()).toBe(`event time runs 60× faster than the wall clock, starting ${new Date(WALL - 59 * H).toISOString()}, 2 d 11 h ago; it reaches the wall clock after 1 h and then keeps wall speed`);
  });

  it("says when an event time becomes due, before and after catching up", () => {
    const c = new EventClock(10, WALL - 9 * H, WALL);
    for (const [t, w] of [[WALL - 5 * H, WALL], [WALL + 5 * 60_000, WALL + 30 * 60_000], [WALL - 9 * H, WALL]]) {
      const wait = c.wallUntil(t, w);
      expect(c.limit(w + wait)).toBeGreaterThanOrEqual(t);
      if (wait > 1) expect(c.limit(w + wait - 1)).toBeLessThan(t);
    }
  });

  it("refuses a start ahead of the wall clock and speeds below 1", () => {
    expect(() => new EventClock(1, WALL + 1, WALL)).toThrow(/cannot start ahead of the wall clock/);
    expect(() => new EventClock(0.5, WALL, WALL)).toThrow(RangeError);
  });
});

describe("generate() event time", () => {
  it("by default stamps events with the wall clock minus the requested disorder, at about the requested rate", async () => {
    const outOfOrderMs = 30_000;
    const { batches, description } = await run({ seed: 5, rate: 300, durationMs: 120_000, outOfOrderMs, lateFraction: 0.01 });
    expect(description).toMatch(/^event time is the wall clock \([\d,]+ simulated users make ~300 events\/s; sessions take real minutes\)$/);
    let n = 0, late = 0;
    for (const b of batches) {
      for (const r of b.records) {
        n++;
        const t = eventTime(r)!;
        expect(t).toBeLessThanOrEqual(b.wall); // never ahead of the wall clock
        if (r.late) late++;
        // The model's time is the wall clock of the batch, to within one wake-up (10 ms).
        else expect(t).toBeGreaterThanOrEqual(b.wall - outOfOrderMs - 10);
      }
    }
    // Flat from the first second: the users start in the model's steady state.
    const firstMinute = batches.filter((b) => b.wall < WALL + 60_000).reduce((s, b) => s + b.records.length, 0);
    expect(Math.abs(firstMinute / 60 - 300) / 300).toBeLessThan(0.1);
    expect(Math.abs(n / 120 - 300) / 300).toBeLessThan(0.05);
    expect(late).toBeGreaterThan(0);
  });

  it("at speed N runs ahead of the start N× faster, never past the wall clock, then keeps wall speed", async () => {
    const startMs = WALL - 59 * 60_000; // catches up after one virtual minute at 60×
    const { batches, caughtUp, description } = await run({ seed: 6, rate: 100, speed: 60, startMs, durationMs: 3 * 60_000, outOfOrderMs: 0 });
    expect(description).toContain("event time runs 60× faster than the wall clock");
    expect(caughtUp).toHaveLength(1);
    expect(caughtUp[0]).toBeGreaterThanOrEqual(WALL + 60_000);
    expect(caughtUp[0]).toBeLessThan(WALL + 61_000);
    let maxFirstMinute = -Infinity, produced = 0, afterCatchUp = 0;
    for (const b of batches) {
      for (const r of b.records) {
        const t = eventTime(r)!;
        expect(t).toBeLessThanOrEqual(b.wall);
        expect(t).toBeLessThanOrEqual(startMs + 60 * (b.wall - WALL));
        produced++;
        if (b.wall < WALL + 60_000) maxFirstMinute = Math.max(maxFirstMinute, t);
        else afterCatchUp++;
      }
    }
    expect(maxFirstMinute).toBeGreaterThan(WALL - 2 * 60_000); // 59 min of event time in one minute
    // ~100/s while accelerated, ~100/60 per second after: most records came in the first minute.
    expect(afterCatchUp).toBeLessThan(produced / 10);
    expect(afterCatchUp).toBeGreaterThan(0);
  });

  it("at speed max simulates from the start and, reaching the wall clock, waits for it", async () => {
    const { batches, caughtUp, description } = await run({ seed: 7, rate: Infinity, speed: Infinity, startMs: WALL - 10 * 60_000, users: 1000, durationMs: 5 * 60_000 });
    expect(description).toMatch(/^event time is simulated as fast as events are produced, not the wall clock: it starts at .*, 10 min ago and never passes the wall clock$/);
    expect(caughtUp).toEqual([WALL]);
    for (const b of batches) for (const r of b.records) expect(eventTime(r) ?? -Infinity).toBeLessThanOrEqual(b.wall);
    expect(batches.at(-1)!.wall).toBeGreaterThan(WALL + 4 * 60_000);
  });

  it("plans users from the rate, a default start early enough for the expected run, and refuses impossible rates", () => {
    const wall = planGeneration({ seed: 1, rate: 200 }, WALL);
    expect(wall.startMs).toBe(WALL);
    expect(wall.users).toBeGreaterThan(10_000);
    expect(planGeneration({ seed: 1, rate: 200, speed: 20 }, WALL).users).toBe(Math.ceil(wall.users / 20));
    const file = planGeneration({ seed: 1, rate: Infinity, speed: Infinity, count: 1_000_000 }, WALL);
    expect(file.users).toBe(1000);
    // 1M records from 1,000 users at ~46 records an hour each take ~21.6 h of event time.
    expect(file.startMs).toBeLessThan(WALL - 22 * H);
    expect(() => planGeneration({ seed: 1, rate: 50_000 }, WALL)).toThrow(/needs ~[\d,]+ simulated users .*raise the speed or lower the rate/);
    expect(() => planGeneration({ seed: 1, rate: Infinity, speed: 1 }, WALL)).toThrow(/give users, or a finite rate/);
  });
});

describe("humanDuration", () => {
  it.each([
    [450, "450 ms"], [45_000, "45 s"], [90_000, "1 min 30 s"], [2 * H + 14 * 60_000, "2 h 14 min"], [59 * H, "2 d 11 h"], [H - 100, "1 h"], [86_399_000, "1 d"], [25.5 * H, "1 d 2 h"],
  ])("%d ms is %s", (ms, text) => expect(humanDuration(ms)).toBe(text));
});
