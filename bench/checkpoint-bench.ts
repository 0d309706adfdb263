/**
 * The checkpoint part of `npm run bench:e2e`: checkpoint bytes and time per epoch with the state
 * of 300,000 users, the whole-state checkpoints eddy wrote before (format 1) side by side with the
 * incremental ones (format 2), on the same states, and restore times.
 *
 * The state is built in-process: the generator's behaviour model (300k users) feeds the real
 * runner (validation, pipeline, snapshot) with a simulated wall clock that advances as events are
 * read at a given rate, so a 5 s checkpoint interval at 5,000 events/s spans 25,000 events. After
 * a warm-up long enough for sessions (30 min gap) and windows to reach their steady size, every
 * epoch's checkpoint goes to four stores in turn: Kafka before/after (each its own topic, group and
 * transactional producer on the bench broker) and files before/after (fsynced, in a temporary
 * folder). Then each is restored by a fresh store.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { rename } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { Pipeline } from "../src/core/pipeline/pipeline";
import { wasmKernels } from "../src/core/pipeline/kernel-factory";
import { instantiateCore } from "../src/core/wasm";
import { encodeFullCheckpoint } from "../src/server/checkpoint/file-checkpoint-format";
import { checkpointFileName, FileCheckpointStore } from "../src/server/checkpoint/file-checkpoint-store";
import { encodeCheckpoint } from "../src/server/checkpoint/kafka-checkpoint-codec";
import { CHECKPOINT_TOPIC_CONFIG, KafkaCheckpointStore } from "../src/server/checkpoint/kafka-checkpoint-store";
import { sha256 } from "../src/server/checkpoint/state-chain";
import { EventSource } from "../src/server/generator";
import type { Checkpoint, CheckpointStore, Source, SourceRecord } from "../src/server/io/types";
import { createKafka } from "../src/server/kafka/client";
import { TopicRegistry } from "../src/server/kafka/topics";
import { TransactionalProducer, transactionalIdFor } from "../src/server/kafka/transactional-producer";
import { Runner } from "../src/server/runner/runner";
import { fsyncDir, writeDurable } from "../src/server/sinks/atomic-fs";
import { alternativeBytes } from "./checkpoint-alternatives";
import { median } from "./report";

/** Options of {@link checkpointBench}. */
export interface CheckpointBenchOptions {
  brokers: string[];
  users?: number;
  /** Events before the first measured epoch (default 7M: ~32 min of the model's event time at 300k users). */
  warmupEvents?: number;
  /** Measured epochs per rate (default 12 at the first, 8 at the second). */
  epochs?: number[];
  rates?: number[];
  intervalMs?: number;
  log?: (s: string) => void;
}

interface Sample {
  bytes: number;
  ms: number;
  kind: string;
  /** Links a restore of this epoch reads. */
  chain: number;
}

/** One way of checkpointing, measured per epoch. */
interface Way {
  name: string;
  commit(cp: Checkpoint): Promise<Sample>;
  restore(): Promise<{ ms: number; epoch: number; sha256: string }>;
}

function kafkaWays(brokers: string[], run: string): Way[] {
  const kafka = createKafka({ brokers });
  const topic = (w: string) => `bench-ckpt-${run}-${w}`;
  const group = (w: string) => `bench-ckpt-${run}-${w}`;
  const producerOf = (w: string) => new TransactionalProducer(kafka, { transactionalId: transactionalIdFor(group(w)) });
  const timedRestore = async (w: string) => {
    const store = new KafkaCheckpointStore({ producer: producerOf(w), group: group(w), topic: topic(w), commitOffsets: false });
    const t0 = performance.now();
    const cp = await store.load();
    const ms = performance.now() - t0;
    await store.close();
    return { ms, epoch: cp?.epoch ?? 0, sha256: cp ? sha256(cp.state) : "" };
  };
  // Before: the whole state every epoch, as the store wrote it until format 2.
  const before = producerOf("before");
  let beforeOpen: Promise<void> | undefined;
  const after = new KafkaCheckpointStore({ producer: producerOf("after"), group: group("after"), topic: topic("after"), commitOffsets: false });
  let afterLoaded: Promise<unknown> | undefined;
  return [
    {
      name: "kafka before",
      async commit(cp) {
        beforeOpen ??= (async () => {
          await before.open();
          await new TopicRegistry(kafka, 1).ensure([topic("before")], CHECKPOINT_TOPIC_CONFIG);
        })();
        await beforeOpen;
        const t0 = performance.now();
        const messages = encodeCheckpoint(group("before"), cp);
        await before.send(topic("before"), messages);
        await before.commit();
        const ms = performance.now() - t0;
        let bytes = 0;
        for (const m of messages) bytes += Buffer.byteLength(m.key as string) + Buffer.byteLength(m.value as Buffer | string);
        return { bytes, ms, kind: "full", chain: 1 };
      },
      restore: async () => {
        await before.close();
        return timedRestore("before");
      },
    },
    {
      name: "kafka after",
      async commit(cp) {
        await (afterLoaded ??= after.load());
        const t0 = performance.now();
        await after.commit(cp);
        return { bytes: after.lastCommit!.bytes, ms: performance.now() - t0, kind: after.lastCommit!.kind, chain: after.lastCommit!.chainLength };
      },
      restore: async () => {
        await after.close();
        return timedRestore("after");
      },
    },
  ];
}

function fileWays(root: string): Way[] {
  const beforeDir = join(root, "before");
  const afterDir = join(root, "after");
  const after = new FileCheckpointStore({ dir: afterDir });
  let afterLoaded: Promise<unknown> | undefined;
  const timedRestore = async (dir: string) => {
    const t0 = performance.now();
    const cp = await new FileCheckpointStore({ dir }).load();
    return { ms: performance.now() - t0, epoch: cp?.epoch ?? 0, sha256: cp ? sha256(cp.state) : "" };
  };
  let last: number | undefined;
  return [
    {
      name: "file before",
      async commit(cp) {
        // As the file store did until format 2: the whole state, fsynced, renamed, previous dropped.
        mkdirSync(beforeDir, { recursive: true });
        const t0 = performance.now();
        const bytes = encodeFullCheckpoint(cp);
        const name = join(beforeDir, checkpointFileName(cp.epoch));
        await writeDurable(`${name}.tmp`, bytes);
        await rename(`${name}.tmp`, name);
        await fsyncDir(beforeDir);
        if (last !== undefined) rmSync(join(beforeDir, checkpointFileName(last)), { force: true });
        last = cp.epoch;
        return { bytes: bytes.length, ms: performance.now() - t0, kind: "full", chain: 1 };
      },
      restore: () => timedRestore(beforeDir),
    },
    {
      name: "file after",
      async commit(cp) {
        await (afterLoaded ??= after.load());
        const t0 = performance.now();
        await after.commit(cp);
        return { bytes: after.lastCommit!.bytes, ms: performance.now() - t0, kind: after.lastCommit!.kind, chain: after.lastCommit!.chainLength };
      },
      restore: () => timedRestore(afterDir),
    },
  ];
}

/** Runs the bench; resolves with the JSON-ready results. */
export async function checkpointBench(o: CheckpointBenchOptions): Promise<CheckpointResult> {
  const users = o.users ?? 300_000;
  const warmup = o.warmupEvents ?? 7_000_000;
  const epochs = o.epochs ?? [12, 8];
  const rates = o.rates ?? [5_000, 50_000];
  const intervalMs = o.intervalMs ?? 5_000;
  const log = o.log ?? (() => {});
  const run = Date.now().toString(36);
  const root = mkdtempSync(join(os.tmpdir(), "eddy-bench-ckpt-"));
  const ways = [...kafkaWays(o.brokers, run), ...fileWays(root)];

  // The simulated source: the model's records, the clock advancing at the current rate.
  let clock = Date.now();
  let rate = rates[rates.length - 1];
  let offset = 0;
  const events = new EventSource({ seed: 1, startMs: Date.now() - 12 * 3_600_000, users });
  const source: Source = {
    kind: "generator",
    bounded: false,
    async start() {},
    async poll(_wait, max) {
      const n = Math.min(max, 5_000);
      const out: SourceRecord[] = [];
      for (let i = 0; i < n; i++) {
        const r = events.next();
        out.push({ topic: r.kind, partition: 0, offset: offset++, key: r.key, value: r.text, readAt: clock });
      }
      clock += (n / rate) * 1000;
      return out;
    },
    positions: () => ({ "generator:0": offset }),
    lag: () => ({}),
    async close() {},
  };

  const perRate: Array<{ rate: number; stateBytes: number[]; samples: Map<string, Sample[]>; alternatives: Array<Record<string, number>> }> = [];
  let previous: Uint8Array | undefined;
  let phase = -1; // -1 = warm-up
  let measured = 0;
  let runner: Runner;
  const store: CheckpointStore = {
    async load() {
      return undefined;
    },
    async commit(cp) {
      if (phase >= rates.length) return; // the runner's last checkpoint after stop()
      if (phase < 0) {
        if (offset < warmup) return;
        phase = 0;
        rate = rates[0];
        log(`checkpoints: warm-up done, ${offset.toLocaleString("en-US")} events, state ${(cp.state.length / 1e6).toFixed(1)} MB`);
        perRate.push({ rate, stateBytes: [], samples: new Map(), alternatives: [] });
        previous = cp.state;
        return; // the first measured epoch spans a full interval at the new rate
      }
      const cur = perRate[phase];
      cur.stateBytes.push(cp.state.length);
      for (const w of ways) {
        const s = await w.commit(cp);
        const list = cur.samples.get(w.name) ?? [];
        list.push(s);
        cur.samples.set(w.name, list);
      }
      if (previous) cur.alternatives.push(alternativeBytes(previous, cp.state));
      previous = cp.state;
      measured++;
      const line = ways.map((w) => `${w.name} ${(cur.samples.get(w.name)!.at(-1)!.bytes / 1e6).toFixed(2)} MB ${cur.samples.get(w.name)!.at(-1)!.ms.toFixed(0)} ms`).join(", ");
      log(`checkpoints: ${cur.rate} ev/s epoch ${cur.stateBytes.length}: ${line}`);
      if (cur.stateBytes.length >= epochs[phase]) {
        if (++phase >= rates.length) runner.stop();
        else {
          rate = rates[phase];
          perRate.push({ rate, stateBytes: [], samples: new Map(), alternatives: [] });
        }
      }
    },
    async close() {},
  };
  const core = await instantiateCore();
  runner = new Runner({
    source,
    sinks: [],
    checkpoints: store,
    topics: { clickstream: "clickstream", transactions: "transactions", orders: "orders" },
    createPipeline: (s) => Pipeline.create({ kernels: wasmKernels(core) }, s),
    checkpointIntervalMs: intervalMs,
    triggerMs: 3_600_000,
    now: () => clock,
  });
  const t0 = performance.now();
  await runner.run(); // the final checkpoint after stop() is one more epoch of the last rate
  const snapshotMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    runner.current.snapshot();
    snapshotMs.push(performance.now() - t);
  }
  await runner.close();
  log(`checkpoints: ${offset.toLocaleString("en-US")} events in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const restore: Record<string, { ms: number; epoch: number; chainLength: number }> = {};
  let expected: string | undefined;
  for (const w of ways) {
    const r = await w.restore();
    const chainLength = perRate.at(-1)!.samples.get(w.name)!.at(-1)!.chain;
    restore[w.name] = { ms: Math.round(r.ms), epoch: r.epoch, chainLength };
    expected ??= r.sha256;
    if (r.sha256 !== expected) throw new Error(`${w.name} restored another state than ${ways[0].name}`);
  }
  rmSync(root, { recursive: true, force: true });

  const basesOf = (name: string) => perRate.flatMap((p) => p.samples.get(name) ?? []).filter((x) => x.kind === "base");
  const summary = (name: string, xs: Sample[], stateBytes: number): WaySummary => {
    const out: WaySummary = {
      medianBytes: Math.round(median(xs.map((x) => x.bytes))),
      medianMs: Math.round(median(xs.map((x) => x.ms))),
      maxMs: Math.round(Math.max(...xs.map((x) => x.ms))),
      kinds: xs.map((x) => x.kind).join(" "),
    };
    const deltas = xs.filter((x) => x.kind === "delta");
    const bases = basesOf(name);
    if (deltas.length && bases.length) {
      // Over a whole chain: one base, then deltas until they add up to the state (or 32 of them).
      const d = median(deltas.map((x) => x.bytes));
      const k = Math.min(32, Math.ceil(stateBytes / d));
      const base = median(bases.map((x) => x.bytes));
      const baseMs = median(bases.map((x) => x.ms));
      out.medianDeltaBytes = Math.round(d);
      out.medianDeltaMs = Math.round(median(deltas.map((x) => x.ms)));
      out.baseBytes = Math.round(base);
      out.baseMs = Math.round(baseMs);
      out.epochsPerChain = k + 1;
      out.amortizedBytes = Math.round((base + k * d) / (k + 1));
      out.amortizedMs = Math.round((baseMs + k * median(deltas.map((x) => x.ms))) / (k + 1));
    }
    return out;
  };
  return {
    users,
    warmupEvents: warmup,
    intervalMs,
    snapshotMs: Math.round(median(snapshotMs)),
    rates: perRate.map((p) => ({
      rate: p.rate,
      eventsPerEpoch: (p.rate * intervalMs) / 1000,
      epochs: p.stateBytes.length,
      medianStateBytes: Math.round(median(p.stateBytes)),
      ways: Object.fromEntries([...p.samples].map(([name, xs]) => [name, summary(name, xs, median(p.stateBytes))])),
      alternativesMedianBytes: Object.fromEntries(Object.keys(p.alternatives[0] ?? {}).map((k) => [k, Math.round(median(p.alternatives.map((a) => a[k])))])),
    })),
    restore,
    measuredEpochs: measured,
  };
}

/** Per-epoch figures of one way of checkpointing at one rate (bytes and ms are medians). */
export interface WaySummary {
  medianBytes: number;
  medianMs: number;
  maxMs: number;
  /** Base, delta or full, epoch by epoch. */
  kinds: string;
  medianDeltaBytes?: number;
  medianDeltaMs?: number;
  baseBytes?: number;
  baseMs?: number;
  /** Epochs of a chain at this rate: one base and the deltas until they add up to the state. */
  epochsPerChain?: number;
  amortizedBytes?: number;
  amortizedMs?: number;
}

/** What {@link checkpointBench} resolves with. */
export interface CheckpointResult {
  users: number;
  warmupEvents: number;
  intervalMs: number;
  snapshotMs: number;
  rates: Array<{
    rate: number;
    eventsPerEpoch: number;
    epochs: number;
    medianStateBytes: number;
    ways: Record<string, WaySummary>;
    /** What other incremental layouts would have written per epoch (checkpoint-alternatives.ts). */
    alternativesMedianBytes: Record<string, number>;
  }>;
  /** Restore by a fresh store of the last epoch, which reads a chain of `chainLength` links. */
  restore: Record<string, { ms: number; epoch: number; chainLength: number }>;
  measuredEpochs: number;
}

/** The checkpoint results as a Markdown table. */
export function checkpointTable(c: CheckpointResult): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const lines = [
    `checkpoints, ${c.users.toLocaleString("en-US")} users, 5 s interval, medians per epoch (the pipeline snapshot, ${c.snapshotMs} ms, comes on top of both)`,
    "",
    "| events/s | state | store | before: whole state | after: delta epochs | after, amortized with its bases |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of c.rates) {
    for (const store of ["kafka", "file"]) {
      const b = r.ways[`${store} before`];
      const a = r.ways[`${store} after`];
      const delta = a.medianDeltaBytes !== undefined ? `${mb(a.medianDeltaBytes)}, ${a.medianDeltaMs} ms` : `${mb(a.medianBytes)}, ${a.medianMs} ms`;
      const am = a.amortizedBytes !== undefined ? `${mb(a.amortizedBytes)}, ${a.amortizedMs} ms (a ${mb(a.baseBytes!)} base, ${a.baseMs} ms, every ${a.epochsPerChain} epochs)` : "-";
      lines.push(`| ${r.rate.toLocaleString("en-US")} | ${mb(r.medianStateBytes)} | ${store} | ${mb(b.medianBytes)}, ${b.medianMs} ms | ${delta} | ${am} |`);
    }
  }
  lines.push("", "other incremental layouts, bytes of changed chunks per epoch (median):");
  for (const r of c.rates) lines.push(`  ${r.rate.toLocaleString("en-US")} events/s: ${Object.entries(r.alternativesMedianBytes).map(([k, v]) => `${k} ${mb(v)}`).join(", ")}`);
  lines.push("", `restore: ${Object.entries(c.restore).map(([k, v]) => `${k} ${v.ms} ms${v.chainLength > 1 ? ` (base + ${v.chainLength - 1} deltas)` : ""}`).join(", ")}`);
  return lines.join("\n");
}
