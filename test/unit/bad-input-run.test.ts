/**
 * Well-typed but absurd input through the real runner and WASM pipeline: a far-future timestamp
 * no longer poisons the watermark, huge amounts go to the DLQ, sums that overflow read null in
 * every output (counted and warned about) instead of a wrong number or a crashed sink.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { wasmKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { instantiateCore } from "../../src/core/wasm";
import { main } from "../../src/server/cli";
import type { Epoch, Sink, SourceRecord } from "../../src/server/io/types";
import { Runner } from "../../src/server/runner/runner";
import { MemoryStore, ScriptedSource } from "../helpers/scripted-io";
import { RunnerMetrics } from "../../src/server/runner/runner-metrics";
import { readParquet } from "../helpers/parquet-read";

const dir = mkdtempSync(join(tmpdir(), "eddy-bad-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WALL = Date.UTC(2026, 10, 30, 12);
const MIN = 60_000;


/** Keeps every epoch it is given. */
class RecordingSink implements Sink {
  readonly name = "recording";
  readonly epochs: Epoch[] = [];
  async open(): Promise<void> {}
  async prepare(epoch: Epoch): Promise<unknown> {
    this.epochs.push(epoch);
    return {};
  }
  async close(): Promise<void> {}
}

let offset = 0;
function rec(topic: string, partition: number, value: Record<string, unknown>): SourceRecord {
  return { topic, partition, offset: offset++, key: String(value.user_id), value: JSON.stringify(value), readAt: 0 };
}
const click = (t: number, i: number) => rec("clickstream", 0, { event_id: `e${i}`, user_id: `u${i % 5}`, product_id: "p1", action: "view", timestamp: t });
const purchase = (t: number, i: number, amount = 10) => rec("transactions", 0, { transaction_id: `t${i}`, user_id: `u${i % 5}`, product_id: "p1", amount, timestamp: t });

async function runScript(script: Array<{ wall: number; records: SourceRecord[] }>) {
  const clock = { now: WALL };
  const source = new ScriptedSource(script, clock);
  const sink = new RecordingSink();
  const metrics = new RunnerMetrics();
  const logs: Array<{ event: string; fields: Record<string, unknown> }> = [];
  const core = await instantiateCore();
  const runner = new Runner({
    source, sinks: [sink], checkpoints: new MemoryStore(),
    createPipeline: (snap) => Pipeline.create({ kernels: wasmKernels(core) }, snap),
    topics: { clickstream: "clickstream", transactions: "transactions", orders: "orders" },
    checkpointIntervalMs: 1e12, triggerMs: 1e12, now: () => clock.now, metrics,
    log: (event, fields) => void logs.push({ event, fields: fields ?? {} }),
  });
  source.stop = () => runner.stop();
  await runner.run();
  await runner.close();
  const rows = sink.epochs.flatMap((e) => e.rows);
  const dlq = sink.epochs.flatMap((e) => e.dlq);
  const late = sink.epochs.flatMap((e) => e.late);
  return { runner, rows, dlq, late, metrics: metrics.registry.render(), logs };
}

describe("a far-future timestamp", () => {
  it("goes to the DLQ with its reason and is counted, and later events stay on time (it no longer poisons the watermark)", async () => {
    const t0 = WALL - 10 * MIN;
    const script = [
      // Both streams speak, then clickstream is quiet past the 30 s idle timeout.
      { wall: WALL, records: [...Array.from({ length: 20 }, (_, i) => click(t0 + i * 1000, i)), purchase(t0 + 5000, 1)] },
      { wall: WALL + 40_000, records: [purchase(Date.UTC(2100, 0, 1), 2)] },
      // Real events a little later: on time.
      { wall: WALL + 50_000, records: [...Array.from({ length: 20 }, (_, i) => click(t0 + 60_000 + i * 1000, 100 + i)), purchase(t0 + 61_000, 3)] },
      // Transactions quiet past the idle timeout: a current click closes both minutes above.
      { wall: WALL + 100_000, records: [click(WALL + 90_000, 200)] },
    ];
    const r = await runScript(script);
    expect(r.late).toEqual([]);
    expect(r.runner.stats.late).toBe(0);
    expect(r.dlq.map((d) => d.reason)).toEqual([
      "timestamp 2100-01-01T00:00:00.000Z is 73 years ahead of the wall clock, more than the allowed future skew of 1h (--max-future-skew)",
    ]);
    expect(r.metrics).toContain('eddy_future_events_total{topic="transactions"} 1');
    expect(r.metrics).toContain('eddy_invalid_events_total{topic="transactions"} 1');
    // Both minutes' page views closed with every click in them.
    const views = r.rows.filter((row) => row.metric === "page_views").map((row) => row.views);
    expect(views).toEqual([20, 20]);
  });
});

describe("sums that overflow", () => {
  it("read null, are counted per metric and warned about once, naming the counter", async () => {
    const t = WALL - 10 * MIN;
    // Ten purchases of 9,999,999,999,999.99 in each of two minutes: 9.99e15 cents each, beyond 2^53.
    const big = [0, 2 * MIN].flatMap((m) => Array.from({ length: 10 }, (_, i) => purchase(t + m + i, m + i, 9_999_999_999_999.99)));
    const r = await runScript([{ wall: WALL, records: big }, { wall: WALL + 1000, records: [purchase(t + 30 * MIN, 99)] }]);
    expect(r.dlq).toEqual([]);
    const activity = r.rows.filter((row) => row.metric === "product_activity" && (row.window_start as number) < t + 5 * MIN);
    expect(activity.map((row) => [row.purchases, row.revenue])).toEqual([[10, NaN], [10, NaN]]);
    expect(r.metrics).toMatch(/eddy_sum_overflow_rows_total\{metric="product_activity"\} 2\n/);
    const warns = r.logs.filter((l) => l.event === "sum-overflow" && l.fields.metric === "product_activity");
    expect(warns).toHaveLength(1);
    expect(warns[0].fields.level).toBe("warn");
    expect(warns[0].fields.msg).toContain('eddy_sum_overflow_rows_total{metric="product_activity"}');
  });
});

describe("eddy run --input with huge amounts", () => {
  it("sends amounts of 10^13 and more to the DLQ, writes overflowed sums as null in JSONL and Parquet, and exits 0", async () => {
    const t = WALL - 60 * MIN;
    const order = (i: number, amount: unknown) => ({ topic: "orders", key: "u1", value: { order_id: `o${i}`, user_id: "u1", product_id: "prod-001", amount, timestamp: t + i } });
    const lines = [
      order(0, 9e15), // crashed the Parquet encoder (processed_orders amount) on every restart
      { topic: "transactions", key: "u1", value: { transaction_id: "t0", user_id: "u1", product_id: "prod-001", amount: 1e308, timestamp: t } },
      ...Array.from({ length: 10 }, (_, i) => order(i + 1, 9_999_999_999_999.99)),
    ];
    const input = join(dir, "huge.jsonl");
    writeFileSync(input, lines.map((l) => JSON.stringify(l) + "\n").join(""));
    const out = join(dir, "huge-out");
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((c: unknown) => (stderr.push(String(c)), true));
    let code: number;
    try {
      code = await main(["run", "--input", input, "--output", out, "--sink", "files", "--log-format", "json"]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const dlq = [...readFileSync(join(out, "dlq", "orders.jsonl"), "utf8").trim().split("\n"), ...readFileSync(join(out, "dlq", "transactions.jsonl"), "utf8").trim().split("\n")].map((l) => JSON.parse(l));
    expect(dlq.map((d) => d["eddy-error"])).toEqual([
      "amount must be less than 10^13 currency units (cents must stay exact), got 9000000000000000",
      "amount must be less than 10^13 currency units (cents must stay exact), got 1e+308",
    ]);
    const metrics = readFileSync(join(out, "orders_metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ product_id: "prod-001", order_count: 10, total_revenue: null, avg_order_value: null });
    const processed = readFileSync(join(out, "processed_orders.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(processed.map((p) => p.amount)).toEqual(Array(10).fill(9_999_999_999_999.99));
    const parts = readdirSync(join(out, "orders_metrics"));
    expect(parts).toHaveLength(1);
    const parquet = await readParquet(join(out, "orders_metrics", parts[0]));
    expect(parquet.rows).toHaveLength(1);
    expect(parquet.rows[0]).toMatchObject({ order_count: 10, total_revenue: null, avg_order_value: null });
    const warning = stderr.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.event === "sum-overflow");
    expect(warning).toMatchObject({ level: "warn", metric: "orders_metrics", rows: 1 });
  });
});
