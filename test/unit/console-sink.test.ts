import { describe, expect, it } from "vitest";
import type { Epoch, OutputRow } from "../../src/server/io/types";
import { ConsoleSink, renderStatus, type ConsoleStatus } from "../../src/server/sinks/console-sink";
import { formatCell, renderTable } from "../../src/server/sinks/console-table";

const W = Date.UTC(2026, 0, 1, 10, 0, 0);
const pv = (product: string, views: number, ws = W): OutputRow => ({ metric: "page_views", window_start: ws, window_end: ws + 60_000, product_id: product, views });
const epoch = (id: number, rows: OutputRow[] = []): Epoch => ({ id, rows, dlq: [], late: [] });

function capture() {
  const chunks: string[] = [];
  return { out: { write: (s: string) => chunks.push(s) }, chunks };
}

describe("console table", () => {
  it("renders Spark's show() layout: rules, right-aligned cells, truncation at 20", () => {
    expect(renderTable(["value", "count"], [["cat", "1"], ["a-much-longer-value-than-twenty", "12345"]])).toBe(
      [
        "+--------------------+-----+",
        "|               value|count|",
        "+--------------------+-----+",
        "|                 cat|    1|",
        "|a-much-longer-val...|12345|",
        "+--------------------+-----+",
        "",
      ].join("\n"),
    );
  });

  it("formats cells by field type", () => {
    expect(formatCell("timestamp", W)).toBe("2026-01-01 10:00:00");
    expect(formatCell("timestamp", W + 5)).toBe("2026-01-01 10:00:00.005");
    expect(formatCell("cents", 4567890)).toBe("45678.90");
    expect(formatCell("double", 1 / 3)).toBe("0.333333");
    expect(formatCell("double", null)).toBe("null");
    expect(formatCell("json", [{ url: "/a", views: 2 }])).toBe('[{"url":"/a","views":2}]');
    expect(formatCell("int", 7)).toBe("7");
  });

  it("never truncates columns flagged whole", () => {
    const ts = "2026-01-01 10:00:00.005";
    expect(renderTable(["t", "s"], [[ts, ts]], 20, [true, false])).toContain(`|${ts}|2026-01-01 10:00:...|`);
  });
});

describe("ConsoleSink", () => {
  it("prints a Batch block per trigger with the rows changed since the last one", async () => {
    const { out, chunks } = capture();
    const sink = new ConsoleSink({ out });
    await sink.open();
    sink.updates([pv("p1", 3), pv("p2", 5)]);
    expect(chunks[0]).toBe(
      [
        "-------------------------------------------",
        "Batch: 0",
        "-------------------------------------------",
        "page_views:",
        "+-------------------+-------------------+----------+-----+",
        "|       window_start|         window_end|product_id|views|",
        "+-------------------+-------------------+----------+-----+",
        "|2026-01-01 10:00:00|2026-01-01 10:01:00|        p1|    3|",
        "|2026-01-01 10:00:00|2026-01-01 10:01:00|        p2|    5|",
        "+-------------------+-------------------+----------+-----+",
        "",
        "",
      ].join("\n"),
    );
    // Next trigger: p1 unchanged, p2 changed, p3 new.
    sink.updates([pv("p1", 3), pv("p2", 6), pv("p3", 1)]);
    expect(chunks[1]).toContain("Batch: 1");
    expect(chunks[1]).toContain("|        p2|    6|");
    expect(chunks[1]).toContain("|        p3|    1|");
    expect(chunks[1]).not.toContain("p1");
    // Nothing changed.
    sink.updates([pv("p1", 3), pv("p2", 6), pv("p3", 1)]);
    expect(chunks[2]).toContain("Batch: 2\n-------------------------------------------\n(no rows changed)\n");
  });

  it("shows final rows from checkpoints at the next trigger, over the partial row of the same window", async () => {
    const { out, chunks } = capture();
    const sink = new ConsoleSink({ out });
    sink.updates([pv("p1", 3), pv("p2", 5)]);
    await sink.prepare(epoch(1, [pv("p1", 4)])); // p1's window closed with 4
    await sink.prepare(epoch(2, [pv("p2", 5)]));
    expect(chunks).toHaveLength(1); // a checkpoint alone prints nothing
    sink.updates([pv("p1", 3)]); // a stale partial row of a window that has just closed
    expect(chunks[1]).toContain("|        p1|    4|");
    expect(chunks[1]).toContain("|        p2|    5|");
    expect(chunks[1]).not.toContain("|    3|");
    // Finals not yet shown are printed on close.
    await sink.prepare(epoch(3, [pv("p9", 9)]));
    await sink.close();
    expect(chunks[2]).toContain("Batch: 2");
    expect(chunks[2]).toContain("|        p9|    9|");
    await sink.close();
    expect(chunks).toHaveLength(3);
  });

  it("orders metrics as SPEC lists them and caps each table at numRows", async () => {
    const { out, chunks } = capture();
    const sink = new ConsoleSink({ out, numRows: 2 });
    const funnel: OutputRow = { metric: "funnel", window_start: W, window_end: W + 300_000, viewers: 3, carters: 1, purchasers: 0,
      view_to_cart_rate: 1 / 3, cart_to_purchase_rate: 0, view_to_purchase_rate: null };
    sink.updates([funnel, pv("p3", 1, W + 60_000), pv("p1", 1), pv("p2", 1)]);
    const text = chunks[0];
    expect(text.indexOf("page_views:")).toBeLessThan(text.indexOf("funnel:"));
    expect(text).toContain("only showing top 2 rows");
    expect(text).toMatch(/p1\|.*\n.*p2\|/);
    expect(text).not.toContain("p3");
    expect(text).toContain("|         0|         0.333333|                   0|                null|");
  });

  it("appends the status block and side-output counts", async () => {
    const { out, chunks } = capture();
    const status: ConsoleStatus = { eventsPerSecond: 12345.6, lag: { "clickstream:0": 10, "orders:0": 2 }, watermark: W, anomalies: 4, openSessions: 17, invalid: 3 };
    const sink = new ConsoleSink({ out, status: () => status });
    const rec = { topic: "orders", partition: 0, offset: 1, key: null, value: "x", readAt: 0 };
    await sink.prepare({ id: 1, rows: [], dlq: [{ record: rec, reason: "bad" }], late: [] });
    sink.updates([]);
    expect(chunks[0]).toContain("Side outputs since the last batch: 1 invalid (DLQ), 0 late\n");
    expect(chunks[0]).toContain(
      "Status: events/s: 12,346 | lag: 12 (clickstream:0=10, orders:0=2) | watermark: 2026-01-01 10:00:00 | open sessions: 17 | anomalies: 4 | invalid: 3\n",
    );
    expect(renderStatus({ ...status, lag: {}, watermark: Infinity })).toContain("lag: unknown | watermark: +inf (end of input)");
    expect(renderStatus({ ...status, watermark: null })).toContain("watermark: none");
  });
});
