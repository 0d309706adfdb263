/**
 * A chart's tooltip: an HTML box over the panel that follows the pointer. It is outside the
 * figure, which every update replaces, and asks the newest figure's hit test again after each
 * redraw, so it stays on the point under the pointer. Text only through textContent.
 */
import { type Rendered, svgOf, type Tip } from "../charts/chart";
import { el } from "./dom";

/** See the module comment. */
export class ChartTooltip {
  readonly box: HTMLElement;
  private pointer: { x: number; y: number } | null = null;
  private rendered: Rendered | null = null;
  private frame = 0;

  constructor(private readonly host: HTMLElement) {
    this.box = el("div", "tooltip");
    this.box.setAttribute("role", "tooltip");
    this.box.hidden = true;
    host.append(this.box);
    host.addEventListener("pointermove", (e) => this.move(e));
    host.addEventListener("pointerdown", (e) => this.move(e));
    host.addEventListener("pointerleave", () => {
      this.pointer = null;
      this.box.hidden = true;
    });
  }

  /** The figure now shown (null: none); the tooltip is recomputed for it. */
  setRendered(r: Rendered | null): void {
    this.rendered = r;
    if (this.pointer) this.update();
  }

  private move(e: PointerEvent): void {
    this.pointer = { x: e.clientX, y: e.clientY };
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  private update(): void {
    const r = this.rendered;
    const p = this.pointer;
    const svg = r ? svgOf(r.figure) : null;
    if (!r || !p || !svg) {
      this.box.hidden = true;
      return;
    }
    const box = svg.getBoundingClientRect();
    const tip = r.hit(p.x - box.left, p.y - box.top);
    if (!tip) {
      this.box.hidden = true;
      return;
    }
    this.show(tip, box);
  }

  private show(tip: Tip, svgBox: DOMRect): void {
    const b = this.box;
    const title = el("div", "tip-title", tip.title);
    if (tip.color) title.style.borderLeftColor = tip.color;
    const rows = el("dl");
    for (const [k, v] of tip.rows) rows.append(el("dt", undefined, k), el("dd", undefined, v));
    b.replaceChildren(title, rows, ...(tip.note ? [el("div", "tip-note", tip.note)] : []));
    b.hidden = false;
    const host = this.host.getBoundingClientRect();
    const x = svgBox.left - host.left + tip.x;
    const y = svgBox.top - host.top + tip.y;
    // Left or right of the point, whichever side has room; above it, within the panel.
    const w = b.offsetWidth;
    const left = x + 14 + w > host.width ? Math.max(0, x - 14 - w) : x + 14;
    b.style.transform = `translate(${Math.round(left)}px, ${Math.round(Math.max(0, y - b.offsetHeight / 2))}px)`;
  }
}
