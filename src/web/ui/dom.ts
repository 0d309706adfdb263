/** Tiny DOM helpers. Text always goes through textContent: message values are untrusted. */

/** Creates an element with a class and optional text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Sets text only when it changed (no style recalculation for unchanged tiles). */
export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

/** Formats a count compactly: 1234 → "1,234", 1234567 → "1.23 M". */
export function count(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  return Math.round(n).toLocaleString("en-US");
}

/** Formats ms: "12 ms", "1.4 s". */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return "–";
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}

/** An epoch-ms instant as ISO-8601 UTC to the second, or "–". */
export function instant(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 19).replace("T", " ") + "Z" : "–";
}
