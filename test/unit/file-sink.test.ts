import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterEach, describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";

const toJsonRow = (r: { metric: string; [k: string]: unknown }) => MetricRegistry.builtin().toJson(r);
import type { Epoch, OutputRow } from "../../src/server/io/types";
import { FileSink, partName } from "../../src/server/sinks/file-sink";
import { newRunStats, recordLatency } from "../../src/server/runner/run-stats";
import { writeRunSummary } from "../../src/server/sinks/run-summary";
import { readParquet } from "../helpers/parquet-read";
import { epochData } from "./file-sink-helpers";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "eddy-file-sink-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const W = Date.UTC(2026, 0, 1, 10, 0, 0);
const activity: OutputRow[] = [
  { metric: "product_activity", window_start: W, window_end: W + 60_000, product_id: "prod-001", views: 1234, clicks: 310, add_to_carts: 80, purchases: 45, revenue: 4567890, conversion_rate: 0.0365 },
  { metric: "product_activity", window_start: W, window_end: W + 60_000, product_id: "prod-é✓", views: 0, clicks: 1, add_to_carts: 0, purchases: 1, revenue: 1, conversion_rate: null },
  { metric: "product_activity", window_start: W + 60_000, window_end: W + 120_000, product_id: "prod-002", views: 2 ** 40, clicks: 0, add_to_carts: 0, purchases: 0, revenue: 9_007_199_254_740_99, conversion_rate: 0 },
];
const traffic: OutputRow = {
  metric: "traffic", window_start: W, window_end: W + 300_000, active_users: 3, events: 9, device_mobile: 1, device_desktop: 2,
  device_tablet: 3, device_unknown: 3, action_view: 4, action_click: 1, action_add_to_cart: 1, action_scroll: 1, action_hover: 1,
  action_error: 1, top_urls: [{ url: "https://shop.example.com/p/1", views: 4 }, { url: "/b", views: 1 }],
};

/** One full epoch through a single sink (the checkpoint commit is not needed to publish). */
async function publish(sink: FileSink, epoch: Epoch): Promise<unknown> {
  const book = await sink.prepare(epoch);
  await sink.finish(epoch);
  return book;
}

describe("FileSink output", () => {
  it("writes SPEC JSON lines and Parquet that DuckDB reads with the documented types", async () => {
    const out = tmp();
    const sink = new FileSink({ dir: out });
    await sink.open();
    await sink.recover(undefined);
    await publish(sink, { id: 7, rows: [...activity, traffic], dlq: [], late: [] });

    const lines = readFileSync(join(out, "product_activity.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(activity.map(toJsonRow));
    expect(JSON.parse(lines[0])).toEqual({
      metric: "product_activity", window_start: "2026-01-01T10:00:00.000Z", window_end: "2026-01-01T10:01:00.000Z",
      product_id: "prod-001", views: 1234, clicks: 310, add_to_carts: 80, purchases: 45, revenue: 45678.9, conversion_rate: 0.0365,
    });

    // DuckDB as an independent reader: the types parquet-encode.ts documents, exact values.
    const t = await readParquet(join(out, "product_activity", partName(7)));
    // Every column nullable, as Spark writes Parquet: a value a column cannot hold reads null.
    expect(t.schema).toEqual([
      { name: "window_start", type: "TIMESTAMP WITH TIME ZONE", nullable: true },
      { name: "window_end", type: "TIMESTAMP WITH TIME ZONE", nullable: true },
      { name: "product_id", type: "VARCHAR", nullable: true },
      { name: "views", type: "BIGINT", nullable: true },
      { name: "clicks", type: "BIGINT", nullable: true },
      { name: "add_to_carts", type: "BIGINT", nullable: true },
      { name: "purchases", type: "BIGINT", nullable: true },
      { name: "revenue", type: "DECIMAL(18,2)", nullable: true },
      { name: "conversion_rate", type: "DOUBLE", nullable: true },
    ]);
    // Money comes back as exact currency units (cents / 100 with two decimals), times as epoch ms.
    expect(t.rows).toEqual(activity.map(({ metric: _, ...r }) => ({ ...r, revenue: `${Math.trunc((r.revenue as number) / 100)}.${String((r.revenue as number) % 100).padStart(2, "0")}` })));

    const tt = await readParquet(join(out, "traffic", partName(7)));
    expect(tt.schema.find((f) => f.name === "top_urls")).toEqual({ name: "top_urls", type: "JSON", nullable: true });
    expect(tt.schema.filter((f) => f.name.startsWith("window_")).map((f) => f.type)).toEqual(["TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE"]);
    const { metric: _m, top_urls, ...trafficScalars } = traffic;
    expect(tt.rows).toEqual([{ ...trafficScalars, top_urls: expect.any(String) }]);
    expect(JSON.parse(tt.rows[0].top_urls as string)).toEqual(top_urls);

    // hyparquet as a second reader: same values, timestamps as Dates.
    const buf = readFileSync(join(out, "product_activity", partName(7)));
    const objs = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) });
    expect(objs.map((o) => [(o.window_start as Date).getTime(), o.product_id, Number(o.views), o.conversion_rate])).toEqual(
      activity.map((r) => [r.window_start, r.product_id, r.views, r.conversion_rate]),
    );
  });

  it("writes DLQ and late records per topic with the SPEC headers as fields and the message unchanged", async () => {
    const out = tmp();
    const sink = new FileSink({ dir: out });
    await sink.recover(undefined);
    const bytes = new Uint8Array([0xff, 0x00, 0x41]);
    await publish(sink, {
      id: 1,
      rows: [],
      dlq: [
        { record: { topic: "clickstream", partition: 2, offset: 41, key: "u1", value: "{oops", readAt: 0 }, reason: "not valid JSON" },
        { record: { topic: "clickstream", partition: 0, offset: 5, key: null, value: bytes, readAt: 0 }, reason: "not valid JSON" },
        { record: { topic: "../etc", partition: 0, offset: 0, key: null, value: "x", readAt: 0 }, reason: "unknown topic" },
      ],
      late: [{ record: { topic: "orders", partition: 1, offset: 9, key: "u2", value: '{"order_id":"o1"}', readAt: 0 }, reason: "late" }],
    });
    const dlq = readFileSync(join(out, "dlq", "clickstream.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(dlq).toEqual([
      { "eddy-error": "not valid JSON", "eddy-source-topic": "clickstream", "eddy-source-partition": 2, "eddy-source-offset": 41, key: "u1", value: "{oops" },
      { "eddy-error": "not valid JSON", "eddy-source-topic": "clickstream", "eddy-source-partition": 0, "eddy-source-offset": 5, key: null, value_base64: "/wBB" },
    ]);
    expect(readdirSync(join(out, "dlq")).sort()).toEqual([".._etc.jsonl", "clickstream.jsonl"]);
    const late = JSON.parse(readFileSync(join(out, "late", "orders.jsonl"), "utf8"));
    expect(late).toMatchObject({ "eddy-error": "late", "eddy-source-topic": "orders", "eddy-source-offset": 9, value: '{"order_id":"o1"}' });
  });

  it("appends epochs to one JSONL file per metric and one Parquet part per epoch", async () => {
    const out = tmp();
    const sink = new FileSink({ dir: out });
    await sink.recover(undefined);
    const expected: string[] = [];
    for (let e = 1; e <= 6; e++) {
      const ep = epochData(e);
      await publish(sink, ep);
      expected.push(...ep.rows.filter((r) => r.metric === "page_views").map((r) => JSON.stringify(toJsonRow(r))));
    }
    expect(readFileSync(join(out, "page_views.jsonl"), "utf8")).toBe(expected.join("\n") + "\n");
    // Epoch 4 has no rows: no part for it.
    expect(readdirSync(join(out, "page_views")).sort()).toEqual([1, 2, 3, 5, 6].map(partName));
    expect(existsSync(join(out, ".staging"))).toBe(false);
  });

  it("refuses an epoch before recover and a second prepare before finish", async () => {
    const sink = new FileSink({ dir: tmp() });
    await expect(sink.prepare(epochData(1))).rejects.toThrow(/recover/);
    await sink.recover(undefined);
    await sink.prepare(epochData(1));
    await expect(sink.prepare(epochData(2))).rejects.toThrow(/not finished/);
  });

  it("writes values a column cannot hold exactly (an overflowed sum's NaN, ±Infinity, beyond 2^53) as null in JSONL and Parquet, never failing the epoch", async () => {
    const out = tmp();
    const sink = new FileSink({ dir: out });
    await sink.recover(undefined);
    const rows: OutputRow[] = [
      { metric: "orders_metrics", window_start: W, window_end: W + 60_000, product_id: "prod-001", product_name: null, order_count: 10, total_revenue: NaN, avg_order_value: NaN },
      { metric: "category_revenue", window_start: W, window_end: W + 300_000, category: "books", revenue: Infinity, transactions: 2, avg_amount: -Infinity },
      { metric: "processed_orders", order_id: "o1", user_id: "u1", product_id: "prod-001", product_name: "x", amount: 9e17, timestamp: W },
    ];
    await publish(sink, { id: 3, rows, dlq: [], late: [] });
    const json = (m: string) => JSON.parse(readFileSync(join(out, `${m}.jsonl`), "utf8"));
    expect(json("orders_metrics")).toMatchObject({ order_count: 10, total_revenue: null, avg_order_value: null });
    expect(json("category_revenue")).toMatchObject({ transactions: 2, revenue: null, avg_amount: null });
    const om = await readParquet(join(out, "orders_metrics", partName(3)));
    expect(om.rows).toEqual([{ window_start: W, window_end: W + 60_000, product_id: "prod-001", product_name: null, order_count: 10, total_revenue: null, avg_order_value: null }]);
    const cr = await readParquet(join(out, "category_revenue", partName(3)));
    expect(cr.rows[0]).toMatchObject({ revenue: null, transactions: 2, avg_amount: null });
    const po = await readParquet(join(out, "processed_orders", partName(3)));
    expect(po.rows[0]).toMatchObject({ order_id: "o1", amount: null, timestamp: W });
  });

  it("rejects rows that do not fit the metric's schema", async () => {
    const sink = new FileSink({ dir: tmp() });
    await sink.recover(undefined);
    const bad = { metric: "page_views", window_start: W, window_end: W + 60_000, product_id: "p", views: 1.5 };
    await expect(sink.prepare({ id: 1, rows: [bad], dlq: [], late: [] })).rejects.toThrow(/views: expected an integer/);
    const unknown = { metric: "nope", window_start: W };
    const s2 = new FileSink({ dir: tmp() });
    await s2.recover(undefined);
    await expect(s2.prepare({ id: 1, rows: [unknown], dlq: [], late: [] })).rejects.toThrow(/unknown metric/);
  });
});

describe("metrics.json", () => {
  it("summarises the run stats", async () => {
    const out = tmp();
    const stats = newRunStats(1_000);
    Object.assign(stats, { updatedAt: 11_000, eventsIn: 1000, valid: 990, invalid: 7, late: 3, epochs: 4 });
    stats.rowsOut = { page_views: 12, funnel: 2 };
    for (let i = 1; i <= 100; i++) recordLatency(stats.latency, i);
    await writeRunSummary(out, stats);
    const s = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(s).toMatchObject({
      started_at: "1970-01-01T00:00:01.000Z",
      duration_s: 10,
      events: { in: 1000, valid: 990, invalid: 7, late: 3 },
      rows_out: { funnel: 2, page_views: 12 },
      rows_out_total: 14,
      throughput_events_per_s: 100,
      latency_ms: { samples: 100, p50: 50, p90: 90, p99: 99, max: 100 },
      epochs: 4,
    });
    expect(readdirSync(out)).toEqual(["metrics.json"]);
  });
});
