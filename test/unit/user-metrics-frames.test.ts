/**
 * User-defined metrics in the web console compute what the headless pipeline computes: the same
 * messages (SPEC events and a declared input, with invalid, late, mistyped and missing fields)
 * go once through `Pipeline.add` as the runner adds them, and once through the gateway's hub into
 * version-2 frames and into a pipeline fed by frame-input.ts (the worker's path) — with several
 * seeds, frame sizes and batch sizes; the rows must be equal. The worker's engine, configured
 * from the hub's `welcome`, keeps the same final rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { FRAME_VERSION_FIELDS } from "../../src/core/frames";
import { appendFrame, applyFrameDeltas, frameDictionarySizes } from "../../src/core/pipeline/frame-input";
import { type KernelFactory, wasmKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { instantiateCore } from "../../src/core/wasm";
import { ConsoleEngine } from "../../src/web/worker/console-engine";
import { canonical } from "../helpers/pipeline";
import { gatewayFrames, headlessRows, testMessages, testMetrics } from "../helpers/user-frames";

let kernels: KernelFactory;
beforeAll(async () => {
  kernels = wasmKernels(await instantiateCore());
});

const { info, user } = testMetrics();
const names = user.metrics.map((m) => m.name);

describe("user-defined metrics over gateway frames", () => {
  it.each([
    [31, 700, 500, 1000],
    [32, 4096, 97, 333],
    [33, 1000, 2500, 4096],
  ])("seed %i (frames of ≤ %i events, flushed every %i messages, batches of %i): the worker's rows are the headless rows", (seed, frameEvents, chunk, batch) => {
    const msgs = testMessages(12_000, seed);
    const oracle = headlessRows(Pipeline.create({ kernels, user, capacity: batch }), user, msgs, batch, true);
    const { hub, socket } = gatewayFrames(user, info, msgs, chunk, {}, { maxFrameEvents: frameEvents });
    expect(socket.json[0]).toMatchObject({ type: "welcome", metrics: info, topics: expect.arrayContaining([{ name: "reviews", kind: "declared", input: "reviews" }]) });

    const p = Pipeline.create({ kernels, user, capacity: batch });
    const rows: OutputRow[] = [];
    let invalid = 0;
    for (const f of socket.frames) {
      expect(f.version).toBe(FRAME_VERSION_FIELDS);
      invalid += f.invalid;
      applyFrameDeltas(p, f);
      for (let i = 0; i < f.n; ) {
        i = appendFrame(p, f, i);
        if (p.batch.full || i === f.n) rows.push(...p.process(0).rows, ...p.advance());
      }
    }
    rows.push(...p.finish());
    expect(invalid).toBe(oracle.invalid);
    expect(hub.invalid.reviews).toBeGreaterThan(1); // the fixture's bad reviews and the 300-byte country
    expect(frameDictionarySizes(p)).toEqual(hub.dictionarySizes());
    for (const name of names) expect(oracle.rows.filter((r) => r.metric === name).length, name).toBeGreaterThan(0);
    const mine = (rs: OutputRow[]) => canonical(rs.filter((r) => names.includes(r.metric)));
    expect(mine(rows)).toEqual(mine(oracle.rows));
    // The built-in metrics are unchanged by the user metrics' columns.
    expect(canonical(rows)).toEqual(canonical(oracle.rows));
  });

  it("the worker's engine runs the metrics its welcome names and keeps the headless final rows", () => {
    const msgs = testMessages(8000, 34);
    const oracle = headlessRows(Pipeline.create({ kernels, user }), user, msgs, 4096, false);
    const { socket } = gatewayFrames(user, info, msgs, 600);
    const engine = new ConsoleEngine(kernels, { keepFinal: 100_000 });
    const welcome = socket.json.find((m) => m.type === "welcome");
    const configured = engine.configure(welcome?.type === "welcome" ? welcome.metrics : null);
    expect(configured.charts.map((c) => [c.metric, c.kind])).toEqual(names.map((n) => [n, n === "browsing_sessions" ? "table" : "lines"]));
    for (const f of socket.frames) engine.ingest(f, 0);
    for (const name of names) {
      const expected = oracle.rows.filter((r) => r.metric === name);
      expect(canonical(engine.finalRows(name)), name).toEqual(canonical(expected));
    }
    const d = engine.update(Date.now());
    for (const c of configured.charts) {
      if (c.kind === "lines") expect(d.series[c.id].x.length, c.id).toBeGreaterThan(0);
      else expect(d.tables[c.id].rows.length, c.id).toBeGreaterThan(0);
    }
    engine.destroy();
  });
});

