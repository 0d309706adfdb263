/**
 * User-defined metrics in the web console, end to end in Debian's Chromium: SPEC events and the
 * declared `reviews` input of examples/metrics.json go to a real broker, `eddy serve
 * --metrics-file` (a child process, the command as a user runs it) replays them into the page,
 * and each of the six metrics gets a chart of its own with data — lines for the windowed ones
 * with open windows drawn apart and categories in their usual colours, a table of the latest rows
 * for the session metric — laid out
 * with no empty grid cell; the worker's final rows of closed windows equal `eddy run
 * --metrics-file` over the same topics; at 390 px nothing scrolls sideways.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { MetricsFileJson } from "../../src/core/metrics/user/definition";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { main } from "../../src/server/cli";
import { EventSource } from "../../src/server/generator";
import { testBrokers, testKafka } from "../helpers/kafka";
import { validate } from "../helpers/pipeline";
import { reviewRecords } from "../helpers/reviews-fixture";
import { runTopics, topicFlags } from "../helpers/run-kafka";
import { launchChromium, type LaunchedChromium } from "./helpers/browser";
import { buildConsole } from "./helpers/build-console";
import { eddy, until } from "./helpers/page-probe";
import { legendColors, lineGroups, overflowing } from "./helpers/ui-probes";

const ROOT = resolve(__dirname, "../..");
const ARTIFACTS = join(ROOT, "test-artifacts");
const MIN = 60_000;

describe("user-defined metrics in the console: Kafka → eddy serve --metrics-file → worker → a chart per metric", () => {
  const brokers = testBrokers();
  const t = runTopics("e2e-udm");
  const reviewsTopic = `${t.prefix}reviews`;
  const kafka = testKafka(brokers);
  const work = mkdtempSync(join(tmpdir(), "eddy-e2e-udm-"));
  const file = join(work, "metrics.json");
  const definitions = JSON.parse(readFileSync(join(ROOT, "examples/metrics.json"), "utf8")) as MetricsFileJson;
  definitions.inputs!.reviews!.topic = reviewsTopic;
  const names = definitions.metrics.map((m) => m.name);
  let serve: ChildProcess | undefined;
  let chrome: LaunchedChromium;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    writeFileSync(file, JSON.stringify(definitions));
    const [web] = await Promise.all([buildConsole(join(work, "web")), produceEvents()]);
    serve = spawn(process.execPath, [join(ROOT, "bin/eddy.js"), "serve", "--brokers", brokers.join(","), "--port", "0", "--web-dir", web, "--metrics-file", file, ...topicFlags(t).slice(0, 8)], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    const port = await new Promise<number>((done, fail) => {
      let err = "";
      serve!.stderr!.on("data", (c: Buffer) => {
        err += c.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
        if (m) done(Number(m[1]));
      });
      serve!.once("exit", (code) => fail(new Error(`eddy serve exited ${code}: ${err}`)));
    });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(`uncaught: ${String(e)}`));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`http://127.0.0.1:${port}/`);
  });

  afterAll(async () => {
    await chrome?.close();
    serve?.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  });

  /** About 20 minutes of SPEC events and reviews up to 3 minutes ago, interleaved in event-time order. */
  async function produceEvents(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [t.clickstream, t.transactions, t.orders, reviewsTopic].map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();
    const t0 = Date.now() - 23 * MIN;
    const src = new EventSource({ seed: 41, startMs: t0, users: 3000, lateFraction: 0.01, invalidFraction: 0.01 });
    const spec = [];
    for (let k = 0; k < 80_000; k++) {
      const r = src.next();
      const v = validate(r.kind, r.text);
      if (v.ok && v.t > Date.now() - 3 * MIN) break;
      spec.push(r);
    }
    const reviews = reviewRecords(t0, 700, 41);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const topicOf = { clickstream: t.clickstream, transactions: t.transactions, orders: t.orders };
    let r = 0;
    for (let i = 0; i < spec.length; i += 500) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      const add = (topic: string, m: { key: string; value: string }) => (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(m);
      for (const rec of spec.slice(i, i + 500)) add(topicOf[rec.kind], { key: rec.key, value: rec.text });
      for (; r < reviews.length && r / reviews.length <= (i + 500) / spec.length; r++) add(reviewsTopic, { key: reviews[r].key, value: reviews[r].value });
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
    await producer.disconnect();
    console.log(`[e2e-udm] produced ${spec.length} SPEC records and ${r} reviews`);
  }

  it("replays the range and draws a chart with data for each user metric: lines, and a table for the session metric", async () => {
    await until(async () => (await eddy(page, "lastHealth"))?.history.state === "done", 120_000, "the history replay");
    const ids = names.map((n) => `user-${n}`);
    await until(async () => {
      const drawn = await eddy(page, "drawn");
      return ids.every((id) => drawn[id] === "data");
    }, 60_000, "every user metric's chart to draw data");
    const drawn = await eddy(page, "drawn");
    // The built-in charts are still there, before the user metrics' charts in file order.
    expect(Object.keys(drawn)).toEqual(["page-views", "category-revenue", "conversion-rate", "active-sessions", "anomalies", ...ids]);
    for (const n of names.filter((x) => x !== "browsing_sessions")) {
      const lines = await page.locator(`#chart-user-${n} svg g[aria-label="line"] path, #chart-user-${n} svg g[aria-label="dot"] circle`).count();
      expect(lines, n).toBeGreaterThan(0);
      expect(await page.locator(`#chart-user-${n} .caption`).textContent()).toMatch(/your metric/);
    }
    const rows = await page.locator("#chart-user-browsing_sessions .row-table tbody tr").count();
    expect(rows).toBeGreaterThan(0);
    expect(await page.locator("#chart-user-browsing_sessions .row-table thead th").allTextContents()).toEqual(["session (gap 30m)", "user_id", "events", "products"]);
    // Sliding windows: finished windows solid, the open ones dashed and faded, never joined.
    const groups = await lineGroups(page, "user-revenue_by_currency");
    expect(groups.some((g) => !g.dashed && g.paths > 0)).toBe(true);
    expect(groups.some((g) => g.dashed && g.paths > 0 && g.opacity < 1)).toBe(true);
    // A metric grouped by category uses each category's colour of the built-in charts.
    const cats = await legendColors(page, "user-cart_adds_by_category");
    const revenue = await legendColors(page, "category-revenue");
    const shared = Object.keys(cats).filter((k) => k in revenue);
    expect(shared.length).toBeGreaterThanOrEqual(3);
    for (const k of shared) expect(cats[k], k).toBe(revenue[k]);
    expect(pageErrors).toEqual([]);
  });

  it("computes in the worker the final rows eddy run --metrics-file writes, for closed windows (a SPEC input and the declared one)", async () => {
    const out = join(work, "runner");
    const code = await main(["run", "--brokers", brokers.join(","), "--until-end", "--sink", "jsonl", "--output", out, "--metrics-file", file, "--only", "errors_by_device,reviews_by_country", ...topicFlags(t)]);
    expect(code).toBe(0);
    const registry = MetricRegistry.forRun(undefined, resolveMetrics(definitions, { builtins: MetricRegistry.builtin().names }), []);
    for (const metric of ["errors_by_device", "reviews_by_country"]) {
      const runner = readFileSync(join(out, `${metric}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.stringify(JSON.parse(l)));
      const windows = await eddy(page, "closedWindows", metric);
      expect(windows.length, metric).toBeGreaterThanOrEqual(1);
      const starts = new Set(windows.map((w: number) => new Date(w).toISOString()));
      const worker = (await eddy(page, "finalRows", metric)).map((r: OutputRow) => JSON.stringify(registry.toJson(r)));
      const expected = runner.filter((l) => starts.has((JSON.parse(l) as { window_start: string }).window_start));
      expect(expected.length, metric).toBeGreaterThan(windows.length);
      expect(worker.sort(), metric).toEqual(expected.sort());
    }
  });

  it("lays the charts out with no empty grid cell, and at 390 px nothing scrolls sideways", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const [w, h] of [[1440, 900], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      const before = await eddy(page, "updatesDrawn");
      await until(async () => (await eddy(page, "updatesDrawn")) > before + 1, 20_000, "a redraw at the new width");
      // Every grid row is full: two half-width panels side by side, or one spanning the row.
      const boxes = await page.$$eval("#charts > .panel", (ps) => ps.map((p) => { const r = p.getBoundingClientRect(); return { top: Math.round(r.top), width: r.width }; }));
      const grid = await page.$eval("#charts", (g) => g.getBoundingClientRect().width);
      const byRow = new Map<number, number>();
      for (const b of boxes) byRow.set(b.top, (byRow.get(b.top) ?? 0) + b.width);
      for (const [top, width] of byRow) expect(width, `row at ${top} px of a ${grid} px grid`).toBeGreaterThan(grid - 20);
      await page.screenshot({ path: join(ARTIFACTS, `console-udm-${w}x${h}.png`), fullPage: true });
      if (w === 390) {
        const o = await overflowing(page);
        expect(o.offenders, JSON.stringify(o)).toEqual([]);
        expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
      }
    }
    expect(pageErrors).toEqual([]);
  });
});
