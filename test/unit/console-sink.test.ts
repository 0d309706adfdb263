import { describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { Epoch, OutputRow } from "../../src/server/io/types";
import { ConsoleSink } from "../../src/server/sinks/console-sink";
import { renderTable } from "../../src/server/sinks/console-table";
import { formatValue, topRows } from "../../src/server/sinks/console-view";
import { formatDuration, formatInt, formatMoney, formatNumber, formatPercent, TimeZone } from "../../src/server/term/format";

// 2026-01-01 10:00 UTC = 11:00 in Berlin (CET, UTC+1).
const W = Date.UTC(2026, 0, 1, 10, 0, 0);
const NOW = W + 90_000;
const BERLIN = new TimeZone("Europe/Berlin");
const pv = (product: string, views: number, ws = W): OutputRow => ({ metric: "page_views", window_start: ws, window_end: ws + 60_000, product_id: product, views });
const epoch = (id: number, rows: OutputRow[] = []): Epoch => ({ id, rows, dlq: [], late: [] });
const ANSI = /\x1b\[/;

function capture(isTTY = false) {
  const chunks: string[] = [];
  return { out: { write: (s: string) => chunks.push(s), isTTY }, chunks };
}

function sink(o: Partial<ConstructorParameters<typeof ConsoleSink>[0]> = {}) {
  const { out, chunks } = capture();
  return { sink: new ConsoleSink({ out, zone: BERLIN, now: () => NOW, ...o }), chunks };
}

/** The data lines of a metric's table in a block: the lines after its header line, up to the next blank or title. */
function tableLines(block: string, metric: string): string[] {
  const lines = block.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`${metric} `));
  expect(at, `no ${metric} in:\n${block}`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith("  ")) break;
    out.push(l.trim());
  }
  return out;
}

describe("number and time formatting", () => {
  it("formats numbers with thousands separators, money with 2 decimals, ratios as percentages", () => {
    expect(formatInt(1234567)).toBe("1,234,567");
    expect(formatInt(0)).toBe("0");
    expect(formatMoney(1234.5)).toBe("1,234.50");
    expect(formatMoney(0.005)).toBe("0.01");
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatPercent(1)).toBe("100.0%");
    expect(formatNumber(-3.14159)).toBe("-3.142");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4m 05s");
  });

  it("names the zone by its abbreviation, or by its offset when it has none, at the instant shown", () => {
    const summer = Date.UTC(2026, 6, 1, 10, 0, 0);
    expect(BERLIN.name(W)).toBe("CET");
    expect(BERLIN.name(summer)).toBe("CEST");
    expect(new TimeZone("America/New_York").name(W)).toBe("EST");
    expect(new TimeZone("UTC").name(W)).toBe("UTC");
    expect(new TimeZone("Asia/Kolkata").name(W)).toBe("UTC+05:30");
  });

  it("shows times in the zone, with the day only when it is not today's", () => {
    expect(BERLIN.clockTime(W)).toBe("11:00:00");
    expect(BERLIN.time(W + 5_000, NOW)).toBe("11:00:05");
    expect(BERLIN.time(W, NOW + 86_400_000)).toBe("2026-01-01 11:00:00");
    expect(BERLIN.window(W, W + 60_000, NOW)).toBe("11:00–11:01");
    expect(BERLIN.window(W + 30_000, W + 90_000, NOW)).toBe("11:00:30–11:01:30");
    expect(new TimeZone("Asia/Kolkata").window(W, W + 60_000, NOW)).toBe("15:30–15:31");
    // 23:30 UTC on Dec 31 is already Jan 1 in Berlin.
    expect(BERLIN.window(W - 10.5 * 3_600_000, W - 10.5 * 3_600_000 + 60_000, NOW)).toBe("00:30–00:31");
  });

  it("takes the machine's zone from TZ when none is given", () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = "America/New_York";
      const tz = new TimeZone();
      expect(tz.id).toBe("America/New_York");
      expect(tz.clockTime(W)).toBe("05:00:00");
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it("formats cells by kind", () => {
    expect(formatValue("money", 4567890, BERLIN, NOW)).toBe("45,678.90");
    expect(formatValue("int", 12345, BERLIN, NOW)).toBe("12,345");
    expect(formatValue("pct", 1 / 3, BERLIN, NOW)).toBe("33.3%");
    expect(formatValue("pct", null, BERLIN, NOW)).toBe("–");
    expect(formatValue("urls", [{ url: "https://shop.example.com/a?x=1", views: 2 }, { url: "/b", views: 1 }], BERLIN, NOW)).toBe("/a?x=1 2, /b 1");
    expect(formatValue("time", W, BERLIN, NOW)).toBe("11:00:00");
  });
});

describe("console table", () => {
  it("aligns numbers right and text left, cuts long text with …", () => {
    const text = renderTable(
      [{ header: "name", align: "left" }, { header: "count", align: "right" }],
      [["cat", "1"], ["a-much-longer-value-than-ten", "12,345"]],
      { maxWidth: 10, indent: "" },
    );
    expect(text).toBe(["name         count", "cat              1", "a-much-lo…  12,345", ""].join("\n"));
  });
});

describe("console views", () => {
  it("names an existing field of its metric as main value and as every column", () => {
    for (const m of MetricRegistry.builtin().metrics) {
      const names = new Set(m.fields.map((f) => f.name));
      expect(names.has(m.main), m.name).toBe(true);
      for (const c of m.view?.columns ?? []) expect(names.has(c), `${m.name}.${c}`).toBe(true);
    }
  });

  it("picks the top N rows by the main value; ties go to the later window, then the smaller key", () => {
    const rows = [pv("a", 5), pv("b", 9), pv("c", 1), pv("d", 9, W - 60_000), pv("e", 9), pv("f", 7)];
    expect(topRows(MetricRegistry.builtin().get("page_views"), rows, 3).map((r) => r.product_id)).toEqual(["b", "e", "d"]);
    expect(topRows(MetricRegistry.builtin().get("page_views"), rows, 0).map((r) => r.product_id)).toEqual(["b", "e", "d", "f", "a", "c"]);
  });

  it("ranks anomalies by |z| and treats a missing main value as the smallest", () => {
    const a = (id: string, z: number | null): OutputRow => ({ metric: "purchase_anomalies", transaction_id: id, z, timestamp: W });
    expect(topRows(MetricRegistry.builtin().get("purchase_anomalies"), [a("t1", 3.5), a("t2", -6), a("t3", null), a("t4", 4)], 4).map((r) => r.transaction_id)).toEqual(["t2", "t4", "t1", "t3"]);
  });
});

describe("ConsoleSink", () => {
  it("prints one block per trigger with the metrics whose rows changed", async () => {
    const { sink: s, chunks } = sink();
    await s.open();
    s.updates([pv("p1", 3), pv("p2", 1500)]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^── trigger 0 · 11:01:30 CET ─+\n/);
    expect(chunks[0]).toContain("page_views · 2 changed · by views\n");
    expect(chunks[0]).toContain("window (CET)");
    expect(tableLines(chunks[0], "page_views")).toEqual(["11:00–11:01   p2          1,500", "11:00–11:01   p1              3"]);
    // Next trigger: p1 unchanged, p2 changed, p3 new.
    s.updates([pv("p1", 3), pv("p2", 1501), pv("p3", 1)]);
    expect(chunks[1]).toContain("trigger 1");
    expect(tableLines(chunks[1], "page_views").map((l) => l.split(/\s+/)[1])).toEqual(["p2", "p3"]);
    // Nothing changed and no status: nothing printed.
    s.updates([pv("p1", 3), pv("p2", 1501), pv("p3", 1)]);
    expect(chunks).toHaveLength(2);
  });

  it("shows each metric's top N by its main value and says how many changed", async () => {
    const { sink: s, chunks } = sink({ top: 2 });
    const cat = (category: string, revenue: number): OutputRow => ({ metric: "category_revenue", window_start: W, window_end: W + 300_000, category, revenue, transactions: 3, avg_amount: revenue / 3 });
    s.updates([pv("p1", 1), pv("p2", 30), pv("p3", 20), cat("books", 123456), cat("toys", 99), cat("garden", 500000)]);
    const text = chunks[0];
    expect(text.indexOf("page_views")).toBeLessThan(text.indexOf("category_revenue"));
    expect(text).toContain("page_views · 3 changed · top 2 by views");
    expect(tableLines(text, "page_views").map((l) => l.split(/\s+/)[1])).toEqual(["p2", "p3"]);
    expect(text).toContain("category_revenue · 3 changed · top 2 by revenue");
    const cats = tableLines(text, "category_revenue");
    expect(cats.map((l) => l.split(/\s+/)[1])).toEqual(["garden", "books"]);
    expect(cats[0]).toMatch(/garden\s+5,000\.00\s+3\s+1,666\.67$/);
    expect(text).not.toContain("funnel");
  });

  it("shows ratios as percentages and missing values as –", async () => {
    const { sink: s, chunks } = sink();
    const funnel: OutputRow = { metric: "funnel", window_start: W, window_end: W + 300_000, viewers: 3000, carters: 1000, purchasers: 0,
      view_to_cart_rate: 1 / 3, cart_to_purchase_rate: 0, view_to_purchase_rate: null };
    s.updates([funnel]);
    const lines = tableLines(chunks[0], "funnel");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^11:00–11:05\s+3,000\s+1,000\s+0\s+33\.3%\s+0\.0%\s+–$/);
  });

  it("shows final rows from checkpoints at the next trigger, over the partial row of the same window", async () => {
    const { sink: s, chunks } = sink();
    s.updates([pv("p1", 3), pv("p2", 5)]);
    await s.prepare(epoch(1, [pv("p1", 4)])); // p1's window closed with 4
    await s.prepare(epoch(2, [pv("p2", 5)]));
    expect(chunks).toHaveLength(1); // a checkpoint alone prints nothing
    s.updates([pv("p1", 3)]); // a stale partial row of a window that has just closed
    expect(chunks[1]).toContain("page_views · 2 changed, 2 final");
    expect(tableLines(chunks[1], "page_views").map((l) => l.split(/\s+/).slice(1))).toEqual([["p2", "5"], ["p1", "4"]]);
    // Finals not yet shown are printed on close.
    await s.prepare(epoch(3, [pv("p9", 9)]));
    await s.close();
    expect(chunks[2]).toContain("trigger 2");
    expect(tableLines(chunks[2], "page_views").map((l) => l.split(/\s+/).slice(1))).toEqual([["p9", "9"]]);
    await s.close();
    expect(chunks).toHaveLength(3);
  });

  it("ends each block with the status line and counts side outputs", async () => {
    const { sink: s, chunks } = sink({ status: () => "▶ status" });
    const rec = { topic: "orders", partition: 0, offset: 1, key: null, value: "x", readAt: 0 };
    await s.prepare({ id: 1, rows: [], dlq: [{ record: rec, reason: "bad" }, { record: rec, reason: "bad" }], late: [{ record: rec, reason: "late" }] });
    s.updates([]);
    expect(chunks[0]).toContain("side outputs since the last trigger: 2 invalid (DLQ), 1 late\n▶ status\n");
    s.updates([]); // nothing new: the status line alone
    expect(chunks[1]).toBe("▶ status\n\n");
  });

  it("writes no ANSI escapes to a pipe, and styles a terminal's output", async () => {
    const plain = capture(false);
    const s1 = new ConsoleSink({ out: plain.out, zone: BERLIN, now: () => NOW });
    s1.updates([pv("p1", 3)]);
    expect(plain.chunks[0]).toContain("page_views");
    expect(plain.chunks[0]).not.toMatch(ANSI);
    const tty = capture(true);
    const s2 = new ConsoleSink({ out: tty.out, zone: BERLIN, now: () => NOW, color: true });
    s2.updates([pv("p1", 3)]);
    expect(tty.chunks[0]).toMatch(ANSI);
  });
});
