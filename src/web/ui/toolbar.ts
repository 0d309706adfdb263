/**
 * The toolbar: time range (15 min, 1 h, 6 h: what the charts show and what a reload replays
 * from Kafka), time zone of every axis (the browser's or UTC), and pause / resume. The choices
 * live in the URL (`?range=1h&tz=utc`), so a reload or a shared link keeps them.
 */
import { el, setText } from "./dom";
import type { Zone } from "./time-base";

/** The ranges offered, by URL value. */
export const RANGES: Record<string, { ms: number; label: string }> = {
  "15m": { ms: 15 * 60_000, label: "last 15 min" },
  "1h": { ms: 60 * 60_000, label: "last 1 h" },
  "6h": { ms: 6 * 60 * 60_000, label: "last 6 h" },
};

/** What the toolbar reports. */
export interface ToolbarHandlers {
  onRange(ms: number): void;
  onZone(z: Zone): void;
  onPause(paused: boolean): void;
}

/** The range and zone in the URL (defaults: 15 min, the browser's zone). */
export function fromUrl(params: URLSearchParams): { range: string; zone: Zone } {
  const r = params.get("range") ?? "15m";
  return { range: r in RANGES ? r : "15m", zone: params.get("tz")?.toLowerCase() === "utc" ? "utc" : "local" };
}

function remember(key: string, value: string | null): void {
  const u = new URL(location.href);
  if (value === null) u.searchParams.delete(key);
  else u.searchParams.set(key, value);
  history.replaceState(null, "", u);
}

/** See the module comment. */
export class Toolbar {
  readonly pauseButton: HTMLButtonElement;
  private readonly note: HTMLElement;
  paused = false;

  constructor(root: HTMLElement, initial: { range: string; zone: Zone }, h: ToolbarHandlers) {
    root.replaceChildren();
    const range = el("select");
    range.id = "range";
    range.setAttribute("aria-label", "time range");
    for (const [v, r] of Object.entries(RANGES)) {
      const o = el("option", undefined, r.label);
      o.value = v;
      range.append(o);
    }
    range.value = initial.range;
    range.onchange = () => {
      remember("range", range.value === "15m" ? null : range.value);
      h.onRange(RANGES[range.value].ms);
    };
    const zone = el("select");
    zone.id = "zone";
    zone.setAttribute("aria-label", "time zone");
    for (const [v, label] of [["local", "browser time zone"], ["utc", "UTC"]]) {
      const o = el("option", undefined, label);
      o.value = v;
      zone.append(o);
    }
    zone.value = initial.zone;
    zone.onchange = () => {
      remember("tz", zone.value === "utc" ? "utc" : null);
      h.onZone(zone.value as Zone);
    };
    this.pauseButton = el("button", "pause", "Pause");
    this.pauseButton.id = "pause";
    this.pauseButton.onclick = () => {
      this.paused = !this.paused;
      setText(this.pauseButton, this.paused ? "Resume" : "Pause");
      this.pauseButton.setAttribute("aria-pressed", String(this.paused));
      h.onPause(this.paused);
    };
    this.note = el("span", "toolbar-note");
    const label = (text: string, control: HTMLElement) => {
      const l = el("label", undefined, text);
      l.append(control);
      return l;
    };
    root.append(label("Range ", range), label("Time ", zone), this.pauseButton, this.note);
  }

  /** The note beside the controls ("paused at …", "last update …"). */
  setNote(text: string): void {
    setText(this.note, text);
  }
}
