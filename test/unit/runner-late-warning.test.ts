import { describe, expect, it } from "vitest";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { EventSource } from "../../src/server/generator/source";
import { humanDuration } from "../../src/server/human-duration";
import type { SourceRecord } from "../../src/server/io/types";
import { Runner } from "../../src/server/runner/runner";
import { MemoryStore, ScriptedSource } from "../helpers/scripted-io";

const H = 3_600_000;
const BASE = Date.UTC(2026, 10, 30, 7, 39);

/** Polls of generator records starting at `startMs` (no invalid, no late ones of their own). */
function polls(startMs: number, sizes: number[], lateFraction = 0): SourceRecord[][] {
  const src = new EventSource({ seed: 9, startMs, lateFraction, outOfOrderMs: 30_000 });
  let offset = 0;
  return sizes.map((n) => Array.from({ length: n }, () => {
    const r = src.next();
    return { topic: r.topic, partition: 0, offset: offset++, key: r.key, value: r.text, readAt: 0 };
  }));
}


/** Runs the polls through a runner on `store`; returns its log lines. */
async function run(store: MemoryStore, script: SourceRecord[][], maxFutureSkewMs?: number): Promise<Array<{ event: string; fields: Record<string, unknown> }>> {
  const logs: Array<{ event: string; fields: Record<string, unknown> }> = [];
  const source = new ScriptedSource(script);
  const runner = new Runner({
    source, sinks: [], checkpoints: store,
    createPipeline: (snap) => Pipeline.create({ kernels: referenceKernels() }, snap),
    topics: { clickstream: "clickstream", transactions: "transactions", orders: "orders" },
    checkpointIntervalMs: 1e9, triggerMs: 1e9, now: () => BASE, maxFutureSkewMs,
    log: (event, fields) => void logs.push({ event, fields: fields ?? {} }),
  });
  source.stop = () => runner.stop();
  await runner.run();
  await runner.close();
  return logs;
}

describe("the runner's mostly-late warning", () => {
  it("warns once, at warn level, after restoring a checkpoint whose event time was ahead: how far behind, why, and the fix", async () => {
    const store = new MemoryStore();
    // The first run's event time was 10 h ahead (a simulated clock, allowed by a wide
    // --max-future-skew); the second run's is the wall clock.
    expect((await run(store, polls(BASE + 10 * H, [2000, 2000]), 24 * H)).some((l) => l.event === "late-events")).toBe(false);
    const logs = await run(store, polls(BASE, [500, 500, 500]));
    const warnings = logs.filter((l) => l.event === "late-events");
    expect(warnings).toHaveLength(1);
    const w = warnings[0].fields;
    expect(w.level).toBe("warn");
    expect(w.late as number).toBeGreaterThan((w.valid as number) / 2);
    // Behind by the 10 h head start, give or take the watermark delay and the runs' few minutes.
    expect(w.medianBehindMs as number).toBeGreaterThan(9.5 * H);
    expect(w.medianBehindMs as number).toBeLessThan(10.5 * H);
    expect(w.message).toContain(`typically ${humanDuration(w.medianBehindMs as number)} behind the watermark`);
    expect(w.message).toMatch(/restored checkpoint epoch \d+, probably written by a run whose event time was ahead/);
    expect(w.message).toContain("use a new --group (this checkpoint belongs to group 'demo')");
  });

  it("stays quiet for a few late events, and for a poll too small to judge", async () => {
    const quiet = await run(new MemoryStore(), polls(BASE, [3000, 3000], 0.05));
    expect(quiet.some((l) => l.event === "late-events")).toBe(false);
    const store = new MemoryStore();
    await run(store, polls(BASE + 10 * H, [1000]), 24 * H);
    const small = await run(store, polls(BASE, [60, 60]));
    expect(small.some((l) => l.event === "late-events")).toBe(false);
  });
});
