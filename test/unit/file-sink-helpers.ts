/**
 * Shared by the file-sink tests: a deterministic fake pipeline whose epoch `e` always yields the
 * same rows and side records, an epoch driver that runs the two-phase protocol with a file
 * checkpoint store (and can crash at any step), and a snapshot of an output folder. Parquet is
 * read back with DuckDB (test/helpers/parquet-read.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FileCheckpointStore } from "../../src/server/checkpoint/file-checkpoint-store";
import type { Epoch, OutputRow, SideRecord } from "../../src/server/io/types";
import { FileSink } from "../../src/server/sinks/file-sink";

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

/** The rows, DLQ and late records of epoch `e` (empty for every 4th epoch). */
export function epochData(e: number): Epoch {
  const rows: OutputRow[] = [];
  const dlq: SideRecord[] = [];
  const late: SideRecord[] = [];
  if (e % 4 !== 0) {
    const ws = T0 + e * 60_000;
    for (let k = 0; k < (e % 3) + 1; k++) {
      rows.push({ metric: "page_views", window_start: ws, window_end: ws + 60_000, product_id: `prod-${e}-${k}`, views: e * 10 + k });
    }
    rows.push({
      metric: "product_activity",
      window_start: ws,
      window_end: ws + 60_000,
      product_id: `prod-${e}`,
      views: e,
      clicks: 2,
      add_to_carts: 1,
      purchases: e % 2,
      revenue: e * 1234 + 1,
      conversion_rate: e % 5 === 0 ? null : (e % 2) / e,
    });
    if (e % 3 === 0) {
      const record = { topic: "clickstream", partition: 0, offset: e, key: `u${e}`, value: `{bad json ${e}`, readAt: 0 };
      dlq.push({ record, reason: "not valid JSON" });
    }
    if (e % 5 === 1) {
      const record = { topic: "transactions", partition: 0, offset: e, key: null, value: `{"transaction_id":"t${e}"}`, readAt: 0 };
      late.push({ record, reason: "late: every window closed" });
    }
  }
  return { id: e, rows, dlq, late };
}

/** Thrown by a crash hook. */
export class Crash extends Error {}

/**
 * Runs epochs 1..`last` as a runner would, resuming from the store: load → recover → (prepare,
 * commit, finish)*. `crashAt(step)` is called at every step boundary (sink steps and
 * `driver:*`); returning true there throws a {@link Crash}. Returns the steps seen.
 */
export async function drive(out: string, ckDir: string, last: number, crashAt: (step: string) => boolean = () => false): Promise<string[]> {
  const steps: string[] = [];
  const at = (s: string) => {
    steps.push(s);
    if (crashAt(s)) throw new Crash(s);
  };
  const store = new FileCheckpointStore({ dir: ckDir });
  const sink = new FileSink({ dir: out, onStep: at });
  await sink.open();
  const ck = await store.load();
  await sink.recover(ck);
  at("driver:recovered");
  for (let e = (ck?.epoch ?? 0) + 1; e <= last; e++) {
    const epoch = epochData(e);
    const book = await sink.prepare(epoch);
    at("driver:prepared");
    await store.commit({ epoch: e, positions: { "in:0": e }, state: new Uint8Array([e & 255]), sinks: { files: book }, committedAt: e });
    at("driver:committed");
    await sink.finish(epoch);
    at("driver:finished");
  }
  await sink.close();
  await store.close();
  return steps;
}

/** Every file under `dir` (relative path → bytes), sorted. */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}
