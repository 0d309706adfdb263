/**
 * The health strip: events/s, event-to-screen latency (p50/p99 over 10 s), dropped events and
 * skipped updates, watermark, consumer lag, late and invalid events, long tasks.
 */
import type { WorkerHealth } from "../shared/chart-data";
import { count, el, instant, ms, setText } from "./dom";

/** What the main thread adds to the worker's numbers. */
export interface MainHealth {
  latency: { p50: number; p99: number };
  longTasks: number;
  skippedUpdates: number;
}

const TILES = [
  ["events", "events/s"],
  ["latency", "event → screen p50 / p99"],
  ["dropped", "dropped events / skipped updates"],
  ["watermark", "watermark"],
  ["lag", "consumer lag"],
  ["late", "late / invalid"],
  ["sessions", "open sessions"],
  ["longtasks", "main-thread tasks > 50 ms"],
] as const;
type TileId = (typeof TILES)[number][0];

/** See the module comment. */
export class HealthStrip {
  private readonly values = new Map<TileId, HTMLElement>();

  constructor(root: HTMLElement) {
    root.replaceChildren();
    for (const [id, label] of TILES) {
      const tile = el("div", "tile");
      tile.dataset.tile = id;
      const v = el("span", "value", "–");
      tile.append(v, el("span", "label", label));
      root.append(tile);
      this.values.set(id, v);
    }
  }

  show(w: WorkerHealth, m: MainHealth): void {
    const set = (id: TileId, text: string) => setText(this.values.get(id)!, text);
    set("events", count(w.eventsPerSec));
    set("latency", `${ms(m.latency.p50)} / ${ms(m.latency.p99)}`);
    set("dropped", `${count(w.droppedEvents)} / ${count(m.skippedUpdates)}`);
    set("watermark", instant(w.watermark));
    set("lag", w.lag === null ? "–" : `${count(w.lag)}${w.lagOf ? ` (${w.lagOf})` : ""}`);
    set("late", `${count(w.lateTotal)} / ${count(w.invalidTotal)}`);
    set("sessions", count(w.openSessions));
    set("longtasks", String(m.longTasks));
  }
}
