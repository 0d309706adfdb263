/**
 * One colour per category in every chart: the catalog's categories get fixed colours in
 * catalog order, `unknown` is grey, and any other name gets one of the rest by a stable hash,
 * so a category looks the same in the revenue lines, the anomaly dots and their legends.
 */
import { DEFAULT_CATALOG, UNKNOWN_CATEGORY } from "../../core/catalog";

/** Tableau 10, then a few more distinct hues. */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c564b"];
const GREY = "#8c8c8c";
const fixed = new Map<string, string>(DEFAULT_CATALOG.categories.map((c, i) => [c, PALETTE[i % PALETTE.length]]));

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The colour of a category. */
export function categoryColor(name: string): string {
  if (name === UNKNOWN_CATEGORY) return GREY;
  return fixed.get(name) ?? PALETTE[(DEFAULT_CATALOG.categories.length + (hash(name) % (PALETTE.length - DEFAULT_CATALOG.categories.length || 1))) % PALETTE.length];
}

/** Colours of plain series (not categories), by position. */
export const SERIES_COLORS = ["#1f6fb2", "#c2410c", "#15803d", "#7c3aed", "#be185d", "#0f766e"];

/** Plot colour scale options for `keys` coloured by category (sorted, so legends agree). */
export function categoryScale(keys: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...keys].sort();
  return { domain, range: domain.map(categoryColor) };
}
