/**
 * The console's state banner: loading, connecting, connected-but-empty, reconnecting (with the
 * attempt and countdown), disconnected and failed. The page always says what it is doing;
 * charts without data show their own empty text (see chart-panel.ts).
 */
import type { ConnectionState, HistoryProgress } from "../shared/chart-data";
import type { GatewayInfo } from "../worker";
import { setText } from "./dom";

/** What the banner shows for a connection state, event count and history replay. */
export function describeState(s: ConnectionState, eventsTotal: number, info: Pick<GatewayInfo, "source" | "topics"> | null, history?: HistoryProgress): { tone: "info" | "ok" | "warn" | "error"; text: string } {
  switch (s.kind) {
    case "loading":
      return { tone: "info", text: `Loading: ${s.detail}…` };
    case "connecting":
      return { tone: "info", text: `Connecting to the gateway (${s.url})…` };
    case "connected": {
      const src = info ? ` ${info.source.description}` : "";
      // Until the first update of this connection, the time range is still on its way.
      if (history === undefined && eventsTotal === 0) return { tone: "info", text: `Connected to${src}. Loading the time range from Kafka…` };
      if (history?.state === "replaying") {
        const share = history.total ? `, ${Math.min(99, Math.floor((history.events / Math.max(1, history.total)) * 100))} %` : "";
        return { tone: "info", text: `Connected to${src}. Loading the time range from Kafka: ${history.events.toLocaleString("en-US")} events${share}…` };
      }
      if (eventsTotal === 0) {
        const topics = info?.topics.map((t) => t.name).join(", ") || "the input topics";
        return { tone: "info", text: `Connected to${src}. No events yet: waiting for events on ${topics}.` };
      }
      const note = history?.state === "failed" || history?.state === "unavailable" ? ` (no history: ${history.reason ?? history.state})` : "";
      return { tone: "ok", text: `Live:${src}${note}` };
    }
    case "reconnecting":
      return { tone: "warn", text: `Disconnected (${s.reason}). Reconnecting, attempt ${s.attempt}, in ${(s.inMs / 1000).toFixed(1)} s… Charts keep their last data, marked stale.` };
    case "disconnected":
      return { tone: "warn", text: `Disconnected (${s.reason}).` };
    case "failed":
      return { tone: "error", text: `The console cannot run: ${s.reason}` };
  }
}

/** Renders the banner into `root` (a `[data-state]` attribute carries the state for tests and CSS). */
export class StateView {
  constructor(private readonly root: HTMLElement) {}

  show(s: ConnectionState, eventsTotal: number, info: GatewayInfo | null, history?: HistoryProgress): void {
    const d = describeState(s, eventsTotal, info, history);
    const loading = history?.state === "replaying" || (history === undefined && eventsTotal === 0);
    const state = s.kind !== "connected" ? s.kind : loading ? "history" : eventsTotal === 0 ? "empty" : s.kind;
    if (this.root.dataset.state !== state) this.root.dataset.state = state;
    if (this.root.dataset.tone !== d.tone) this.root.dataset.tone = d.tone;
    setText(this.root, d.text);
  }
}
