import { describe, expect, it } from "vitest";
import { categoryColor, categoryScale } from "../../src/web/charts/colors";
import { CHARTS } from "../../src/web/charts";
import type { WorkerHealth } from "../../src/web/shared/chart-data";
import { fullRows } from "../../src/web/ui/chart-grid";
import { type HealthInputs, judge, type TileView } from "../../src/web/ui/health-rules";
import { timeBase } from "../../src/web/ui/time-base";

const T = Date.UTC(2026, 0, 1, 10);

function health(over: Partial<WorkerHealth> = {}): WorkerHealth {
  return {
    eventsPerSec: 2000, inputPerSec: 2000, eventsTotal: 100_000, droppedEvents: 0, invalidTotal: 0, lateTotal: 0,
    watermark: T - 5 * 60_000, latestEventTime: T, lag: 100, lagOf: "gateway", frames: 10, openSessions: 5,
    history: { state: "done", events: 0, total: 0, sinceMs: 0 }, backpressure: "ok", badFrames: 0, ...over,
  };
}

function inputs(over: Partial<HealthInputs> = {}, w: Partial<WorkerHealth> = {}): HealthInputs {
  return {
    w: health(w), latency: { p50: 200, p99: 400, n: 1000 }, minute: { events: 120_000, dropped: 0, late: 10, invalid: 10 },
    connection: { kind: "connected", url: "ws://x/ws" }, sourceKind: "kafka", time: timeBase("utc"), watermarkDelayMs: 5 * 60_000, lastUpdateAt: T, ...over,
  };
}

const tile = (ts: TileView[], id: TileView["id"]) => ts.find((t) => t.id === id)!;

describe("health strip rules", () => {
  it("a healthy live console is green everywhere, each tile with its rule", () => {
    const ts = judge(inputs());
    expect(ts.map((t) => [t.id, t.status])).toEqual([
      ["connection", "ok"], ["rates", "ok"], ["latency", "ok"], ["lag", "ok"], ["watermark", "ok"], ["dropped", "ok"], ["quality", "ok"],
    ]);
    for (const t of ts) expect(t.rule).toMatch(/Green:.*Amber:.*Red:/);
    expect(tile(ts, "watermark").value).toBe("2026-01-01 09:55:00 UTC");
  });

  it("turns amber and red at the thresholds its rules state", () => {
    expect(tile(judge(inputs({}, { eventsPerSec: 1500 })), "rates").status).toBe("warn");
    expect(tile(judge(inputs({}, { eventsPerSec: 900 })), "rates").status).toBe("bad");
    expect(tile(judge(inputs({ latency: { p50: 900, p99: 1500, n: 10 } })), "latency").status).toBe("warn");
    expect(tile(judge(inputs({ latency: { p50: 900, p99: 6000, n: 10 } })), "latency").status).toBe("bad");
    expect(tile(judge(inputs({}, { lag: 30_000 })), "lag").status).toBe("warn");
    expect(tile(judge(inputs({}, { lag: 100_000 })), "lag").status).toBe("bad");
    expect(tile(judge(inputs({}, { watermark: T - 10 * 60_000 })), "watermark").status).toBe("warn");
    expect(tile(judge(inputs({}, { watermark: T - 60 * 60_000 })), "watermark").status).toBe("bad");
    expect(tile(judge(inputs({ minute: { events: 1000, dropped: 5, late: 0, invalid: 0 } })), "dropped").status).toBe("warn");
    expect(tile(judge(inputs({ minute: { events: 1000, dropped: 50, late: 0, invalid: 0 } })), "dropped").status).toBe("bad");
    expect(tile(judge(inputs({ minute: { events: 1000, dropped: 0, late: 20, invalid: 0 } })), "quality").status).toBe("warn");
    expect(tile(judge(inputs({ minute: { events: 1000, dropped: 0, late: 0, invalid: 80 } })), "quality").status).toBe("bad");
    expect(tile(judge(inputs({}, { history: { state: "replaying", events: 50, total: 200, sinceMs: 0 } })), "connection")).toMatchObject({ status: "warn", value: "loading history 25 % (50 events)" });
  });

  it("marks every tile but the connection stale while disconnected, and says since when", () => {
    const ts = judge(inputs({ connection: { kind: "reconnecting", attempt: 2, inMs: 500, reason: "closed" } }));
    expect(tile(ts, "connection")).toMatchObject({ status: "warn", stale: false });
    for (const t of ts.filter((x) => x.id !== "connection")) {
      expect(t.stale).toBe(true);
      expect(t.status).toBe("idle");
      expect(t.rule).toMatch(/^Stale: .* as of 10:00:00/);
    }
  });
});

describe("chart grid and colours", () => {
  it("leaves no empty cell: a chart alone in its row takes the whole row", () => {
    const n = { wide: false };
    const w = { wide: true };
    expect(fullRows([n, n, n, n, w])).toEqual([false, false, false, false, true]);
    expect(fullRows([n, n, n, w])).toEqual([false, false, true, true]);
    expect(fullRows([n, w, n, n, n])).toEqual([true, true, false, false, true]);
    expect(fullRows([n, n, n], 1)).toEqual([true, true, true]);
    // The console's own list, with one more chart (a user metric's), still fills every row.
    const rows = (list: { wide?: boolean }[]) => {
      const full = fullRows(list);
      let cells = 0;
      list.forEach((_, i) => (cells += full[i] ? 2 : 1));
      return cells % 2;
    };
    expect(rows(CHARTS)).toBe(0);
    expect(rows([...CHARTS, { wide: false }])).toBe(0);
  });

  it("gives each category one colour, the same in every legend, and distinct ones to the catalog's", () => {
    const cats = ["electronics", "books", "clothing", "home", "sports", "beauty", "toys", "grocery"];
    expect(new Set(cats.map(categoryColor)).size).toBe(cats.length);
    const a = categoryScale(["toys", "books"]);
    const b = categoryScale(["books", "home", "toys"]);
    for (const k of ["toys", "books"]) expect(a.range[a.domain.indexOf(k)]).toBe(b.range[b.domain.indexOf(k)]);
    expect(categoryColor("unknown")).toBe(categoryColor("unknown"));
  });
});
