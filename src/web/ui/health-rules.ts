/**
 * The health strip's judgement, kept pure for tests: each tile is green (ok), amber (warn) or
 * red (bad) by a rule its tooltip states; grey (idle) while there is nothing to judge, and every
 * tile is marked stale while the console is not connected.
 */
import type { ConnectionState, WorkerHealth } from "../shared/chart-data";
import { count, ms } from "./dom";
import type { TimeBase } from "./time-base";

export type Status = "ok" | "warn" | "bad" | "idle";

/** One tile as shown. */
export interface TileView {
  id: "connection" | "rates" | "latency" | "lag" | "watermark" | "dropped" | "quality";
  label: string;
  value: string;
  status: Status;
  /** The rule, for the tooltip. */
  rule: string;
  stale: boolean;
}

/** Counts over the last minute (from cumulative counters). */
export interface LastMinute {
  events: number;
  dropped: number;
  late: number;
  invalid: number;
}

/** Everything the rules read. */
export interface HealthInputs {
  w: WorkerHealth;
  latency: { p50: number; p99: number; n: number };
  minute: LastMinute;
  connection: ConnectionState;
  sourceKind: "embedded" | "kafka" | null;
  time: TimeBase;
  /** SPEC watermark delay, ms. */
  watermarkDelayMs: number;
  /** Wall clock of the last update received (for the stale note). */
  lastUpdateAt: number | null;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(part / whole < 0.01 ? 2 : 1)} %` : "0 %";
}

function duration(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const s = Math.round(v / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function connection(h: HealthInputs): Pick<TileView, "value" | "status"> {
  const s = h.connection;
  const hist = h.w.history;
  switch (s.kind) {
    case "connected":
      if (hist.state === "replaying") {
        const share = hist.total ? ` ${Math.min(99, Math.floor((hist.events / Math.max(1, hist.total)) * 100))} %` : "";
        return { value: `loading history${share} (${count(hist.events)} events)`, status: "warn" };
      }
      if (hist.state === "failed") return { value: "live; history failed", status: "warn" };
      return { value: "live", status: "ok" };
    case "loading":
    case "connecting":
      return { value: s.kind, status: "warn" };
    case "reconnecting":
      return { value: `reconnecting (attempt ${s.attempt})`, status: "warn" };
    case "disconnected":
      return { value: "disconnected", status: "bad" };
    case "failed":
      return { value: "failed", status: "bad" };
  }
}

/** The tiles for `h` (see the module comment). */
export function judge(h: HealthInputs): TileView[] {
  const { w, minute, time } = h;
  const stale = h.connection.kind !== "connected";
  const tiles: Omit<TileView, "stale">[] = [];
  tiles.push({ id: "connection", label: "connection", ...connection(h), rule: "Green: connected and live. Amber: connecting, reconnecting or loading the time range's history. Red: disconnected or failed." });

  const input = w.inputPerSec;
  const out = w.eventsPerSec;
  let rates: Status = "idle";
  if (input !== null) {
    if (input < 1 && out < 1) rates = "ok";
    else rates = out >= input * 0.9 ? "ok" : out >= input * 0.5 ? "warn" : "bad";
  }
  tiles.push({
    id: "rates",
    label: "input / processed events/s",
    value: `${input === null ? "–" : count(input)} / ${count(out)}`,
    status: rates,
    rule: "Input: events/s arriving at the gateway on this tab's topics; processed: events/s through this tab's pipeline (5-second averages). Green: processed >= 90 % of input. Amber: >= 50 %. Red: below.",
  });

  const p99 = h.latency.p99;
  tiles.push({
    id: "latency",
    label: "event → screen p50 / p99",
    value: h.latency.n > 0 ? `${ms(h.latency.p50)} / ${ms(p99)}` : "–",
    status: h.latency.n === 0 ? "idle" : p99 < 1000 ? "ok" : p99 < 5000 ? "warn" : "bad",
    rule: "Kafka timestamp to drawn on this screen, live events of the last 10 s (history is not counted). Green: p99 < 1 s. Amber: < 5 s. Red: 5 s or more.",
  });

  let lag: Omit<TileView, "stale" | "id" | "label" | "rule">;
  const per = Math.max(1, input ?? 0);
  if (h.sourceKind === "embedded") lag = { value: "0 (embedded source, no Kafka)", status: "ok" };
  else if (w.lag === null) lag = { value: "unknown", status: "idle" };
  else lag = { value: `${count(w.lag)} msgs (≈ ${duration((w.lag / per) * 1000)})`, status: w.lag <= Math.max(1000, 2 * per) ? "ok" : w.lag <= Math.max(10_000, 30 * per) ? "warn" : "bad" };
  tiles.push({
    id: "lag",
    label: `consumer lag (${w.lagOf ?? "this console"})`,
    ...lag,
    rule: "Messages on this console's topics that the gateway's own consumer has not read yet, and about how long they take at the input rate. Green: <= 2 s of input (or 1,000). Amber: <= 30 s (or 10,000). Red: more.",
  });

  const behind = w.latestEventTime - w.watermark;
  const delay = h.watermarkDelayMs;
  tiles.push({
    id: "watermark",
    label: `watermark (behind newest event by ${Number.isFinite(behind) ? duration(behind) : "–"})`,
    value: time.full(w.watermark),
    status: !Number.isFinite(w.watermark) ? "idle" : behind <= delay + 60_000 ? "ok" : behind <= delay + 15 * 60_000 ? "warn" : "bad",
    rule: `Event time up to which windows are complete. Green: within the ${duration(delay)} watermark delay + 1 min of the newest event. Amber: within delay + 15 min (a partition lags or idles). Red: further behind.`,
  });

  tiles.push({
    id: "dropped",
    label: "dropped events (last minute)",
    value: `${count(minute.dropped)} (${count(w.droppedEvents)} total)`,
    status: minute.dropped === 0 ? "ok" : minute.dropped < minute.events * 0.01 ? "warn" : "bad",
    rule: "Events the gateway skipped for this tab because it read too slowly (backpressure). Green: none in the last minute. Amber: under 1 % of the minute's events. Red: 1 % or more.",
  });

  const bad = Math.max(minute.late, minute.invalid);
  const all = minute.events + minute.invalid;
  tiles.push({
    id: "quality",
    label: "late / invalid (last minute)",
    value: `${pct(minute.late, all)} / ${pct(minute.invalid, all)}`,
    status: all === 0 ? "idle" : bad < all * 0.01 ? "ok" : bad < all * 0.05 ? "warn" : "bad",
    rule: `Late events (behind the watermark, dropped by SPEC) and invalid messages (sent to the DLQ), share of the last minute's messages; ${count(w.lateTotal)} late and ${count(w.invalidTotal)} invalid in all. Green: each < 1 %. Amber: < 5 %. Red: 5 % or more.`,
  });

  const staleNote = `Stale: no connection to the gateway; values as of ${h.lastUpdateAt === null ? "–" : time.clock(h.lastUpdateAt)}. `;
  return tiles.map((t) => (stale && t.id !== "connection" ? { ...t, stale: true, status: "idle", rule: staleNote + t.rule } : { ...t, stale: stale && t.id !== "connection" }));
}
