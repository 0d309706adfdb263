/**
 * `npm run bench:snapshot`: what a checkpoint's `pipeline.snapshot()` costs, which the runner
 * pays synchronously in its loop (the commit itself runs beside processing). A pipeline on the
 * WASM kernels is fed generator events for EDDY_BENCH_USERS simulated users (default 300,000)
 * until most of them have state (sessions, distinct-user windows, the join), then snapshotted
 * five times: median and max ms, state bytes. Writes bench/results/snapshot.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { DEFAULT_MAX_FUTURE_SKEW_MS, type TopicKind, validate } from "../src/core/events";
import { wasmKernels } from "../src/core/pipeline/kernel-factory";
import { Pipeline } from "../src/core/pipeline/pipeline";
import { instantiateCore } from "../src/core/wasm";
import { EventSource } from "../src/server/generator/source";
import { median } from "./report";

const USERS = Number(process.env.EDDY_BENCH_USERS ?? 300_000);
/** Events per simulated user fed before measuring (the generator picks users at random). */
const EVENTS_PER_USER = Number(process.env.EDDY_BENCH_EVENTS_PER_USER ?? 24);
const REPEATS = 5;

async function main(): Promise<void> {
  const core = await instantiateCore();
  const p = Pipeline.create({ kernels: wasmKernels(core) });
  // Event time ends near the wall clock, so windows of the last minutes are still open.
  const events = USERS * EVENTS_PER_USER;
  const src = new EventSource({ seed: 3, startMs: Date.now() - 30 * 60_000, users: USERS });
  const future = { now: Date.now() + 3_600_000, maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS };
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    const r = src.next();
    const v = validate(r.kind as TopicKind, r.text, { future });
    if (!v.ok) continue;
    if (p.batch.full) {
      p.process(0);
      p.advance();
    }
    p.add(r.kind, v.event, v.t, `${r.topic}:0`, 0);
  }
  p.process(0);
  p.advance();
  const feedSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    bytes = p.snapshot().byteLength;
    times.push(performance.now() - t);
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length },
    users: USERS,
    events,
    dictionaries: p.dictionarySizes(),
    feedSeconds: Math.round(feedSeconds * 10) / 10,
    snapshotMs: { median: Math.round(median(times) * 10) / 10, max: Math.round(Math.max(...times) * 10) / 10, runs: times.map((t) => Math.round(t * 10) / 10) },
    stateBytes: bytes,
  };
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  writeFileSync(join(import.meta.dirname, "results/snapshot.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(
    `pipeline.snapshot() at ${USERS.toLocaleString("en-US")} users (${result.dictionaries.users.toLocaleString("en-US")} with state): ` +
      `median ${result.snapshotMs.median} ms, max ${result.snapshotMs.max} ms, ${(bytes / 2 ** 20).toFixed(1)} MiB\nwrote bench/results/snapshot.json`,
  );
  p.destroy();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
