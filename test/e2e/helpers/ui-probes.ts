/** Reads what the console shows from a playwright page: legends, dashed marks, overflow, tooltips. */
import type { Page } from "playwright-core";

/** Legend entries of a chart: label → swatch colour. */
export function legendColors(page: Page, chart: string): Promise<Record<string, string>> {
  return page.evaluate((id) => {
    const out: Record<string, string> = {};
    for (const sw of document.querySelectorAll(`#chart-${id} .chart-body [class$="-swatch"]`)) {
      // Plot puts a swatch's colour on its <svg> (or on the shape inside it).
      const svg = sw.querySelector("svg");
      const shape = svg?.querySelector("rect, circle, path");
      const fill = svg?.getAttribute("fill") ?? shape?.getAttribute("fill") ?? "";
      const label = sw.textContent?.trim() ?? "";
      if (label) out[label] = fill;
    }
    return out;
  }, chart);
}

/** Stroke colours of the lines drawn in a chart, per mark group: solid and dashed ones apart. */
export function lineGroups(page: Page, chart: string): Promise<{ dashed: boolean; opacity: number; paths: number; strokes: string[] }[]> {
  return page.evaluate((id) => {
    const groups = [...document.querySelectorAll(`#chart-${id} svg g[aria-label="line"]`)];
    // A clipped mark wraps its styled group in one that carries the clip path.
    return groups.map((g) => ({
      dashed: (g.getAttribute("stroke-dasharray") ?? g.querySelector(":scope > g")?.getAttribute("stroke-dasharray") ?? "") !== "",
      opacity: Number(g.getAttribute("stroke-opacity") ?? g.querySelector(":scope > g")?.getAttribute("stroke-opacity") ?? 1),
      paths: g.querySelectorAll("path").length,
      strokes: [...new Set([...g.querySelectorAll("path")].map((p) => p.getAttribute("stroke") ?? ""))],
    }));
  }, chart);
}

/**
 * Elements whose box reaches past the viewport's width (horizontal overflow), as short
 * descriptions. Inside an <svg> only the svg itself counts: it clips what it draws.
 */
export function overflowing(page: Page): Promise<{ scrollWidth: number; clientWidth: number; offenders: string[] }> {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const offenders: string[] = [];
    for (const e of document.body.querySelectorAll("*")) {
      if (e.parentElement?.closest("svg")) continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > w + 0.5 || r.left < -0.5) offenders.push(`${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}.${String((e.className as unknown as { baseVal?: string }).baseVal ?? e.className)} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, clientWidth: w, offenders: offenders.slice(0, 10) };
  });
}

/** Moves the pointer onto the first element matching `selector` (its centre); resolves to the tooltip's text, or null. */
export async function hoverTooltip(page: Page, chart: string, selector: string): Promise<string | null> {
  // Figures are replaced at every update: find, scroll to and measure the target in one step.
  const box = await page.evaluate((sel) => {
    const e = document.querySelector(sel);
    if (!e) return null;
    e.scrollIntoView({ block: "center" });
    const r = e.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }, `#chart-${chart} ${selector}`);
  if (!box) return null;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tip = page.locator(`#chart-${chart} .tooltip`);
  try {
    await tip.waitFor({ state: "visible", timeout: 5000 });
  } catch {
    return null;
  }
  return tip.textContent();
}
