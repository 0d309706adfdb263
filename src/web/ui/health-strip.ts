/**
 * The health strip: tiles judged green, amber or red (health-rules.ts; the rule is the tile's
 * tooltip), and developer figures (long tasks, skipped updates, draw times, frames) behind a
 * details toggle.
 */
import { el, setText } from "./dom";
import type { TileView } from "./health-rules";

/** Developer figures, label → value. */
export type DevFigures = [string, string][];

/** See the module comment. */
export class HealthStrip {
  private readonly tiles = new Map<string, { root: HTMLElement; value: HTMLElement; label: HTMLElement }>();
  private readonly dev: HTMLElement;

  constructor(private readonly root: HTMLElement, details: HTMLElement) {
    root.replaceChildren();
    details.replaceChildren();
    const d = el("details", "dev");
    d.append(el("summary", undefined, "Developer figures"));
    this.dev = el("dl", "dev-figures");
    d.append(this.dev);
    details.append(d);
  }

  show(tiles: TileView[], dev: DevFigures): void {
    for (const t of tiles) {
      let tile = this.tiles.get(t.id);
      if (!tile) {
        const r = el("div", "tile");
        r.dataset.tile = t.id;
        r.tabIndex = 0;
        const value = el("span", "value");
        const label = el("span", "label");
        r.append(value, label);
        this.root.append(r);
        tile = { root: r, value, label };
        this.tiles.set(t.id, tile);
      }
      if (tile.root.dataset.status !== t.status) tile.root.dataset.status = t.status;
      if ((tile.root.dataset.stale === "true") !== t.stale) tile.root.dataset.stale = String(t.stale);
      if (tile.root.title !== t.rule) tile.root.title = t.rule;
      setText(tile.value, t.value);
      setText(tile.label, t.label);
    }
    const items: HTMLElement[] = [];
    for (const [k, v] of dev) items.push(el("dt", undefined, k), el("dd", undefined, v));
    if (this.dev.textContent !== dev.map(([k, v]) => k + v).join("")) this.dev.replaceChildren(...items);
  }
}
