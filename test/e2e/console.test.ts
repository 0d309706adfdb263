/**
 * The web console end to end in Debian's Chromium: generator → real broker → gateway (Kafka
 * bridge) → page (worker on eddy.wasm → charts). It checks the empty state, that the worker's
 * final rows of closed 1-minute windows equal the headless runner's (`eddy run` over the same
 * topics, and over the same records as a file) for those windows, that every chart drew marks,
 * that open windows are drawn apart from closed ones, that a category has one colour in every
 * chart, that hovering shows a tooltip, that a second client that stops reading costs the first
 * nothing, the topic browser (internal topics, seek, filter, headers, JSON, groups), that after a
 * reload the time range replayed from Kafka fills the charts with the same final rows, that
 * nothing overflows sideways at 390 px, and the stale state while the gateway is down. It saves
 * screenshots at 1440×900 and 390×844 in test-artifacts/. Speed (latency, main-thread long
 * tasks, catch-up time) is measured by the console bench (test/e2e/console-bench.ts), not here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validate } from "../helpers/pipeline";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { main } from "../../src/server/cli";
import { KafkaBridgeSource } from "../../src/server/gateway/kafka-source";
import { type RunningGateway, startGateway } from "../../src/server/gateway/server";
import { EventSource, type GeneratedRecord, jsonlLine } from "../../src/server/generator";
import { testBrokers, testKafka } from "../helpers/kafka";
import { runTopics, topicFlags } from "../helpers/run-kafka";
import { launchChromium, type LaunchedChromium } from "./helpers/browser";
import { buildConsole } from "./helpers/build-console";
import { produceAtRate } from "./helpers/live-producer";
import { eddy, until } from "./helpers/page-probe";
import { slowClient } from "./helpers/slow-client";
import { hoverTooltip, legendColors, lineGroups, overflowing } from "./helpers/ui-probes";

const toJsonRow = (r: { metric: string; [k: string]: unknown }) => MetricRegistry.builtin().toJson(r);

const ARTIFACTS = resolve(__dirname, "../../test-artifacts");
/** Records of the bounded, seeded phase compared with the runner (about 14 minutes of event time). */
const BOUNDED = 40_000;
/** Live rate of the slow-client phase, events/s. */
const LIVE_RATE = Number(process.env.EDDY_E2E_RATE ?? 10_000);

describe("web console in Chromium: generator → Kafka → gateway → worker → charts", () => {
  const brokers = testBrokers();
  const t = runTopics("e2e-console");
  const kafka = testKafka(brokers);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const src = new EventSource({
    // Dense enough that 1 MB of clickstream (one fetch of one partition, ~3,900 events) spans under
    // 2 minutes of event time: whichever topic a consumer reads first, no window can close before
    // it has seen the other one (the pipeline watermark is the minimum over the streams seen so
    // far), so the runner and the gateway, which fetch in different orders, agree on lateness.
    seed: 21, startMs: Date.UTC(2026, 0, 1, 10), users: 5000,
    lateFraction: 0.02, invalidFraction: 0.01, anomalyFraction: 0.01,
  });
  const topics = { clickstream: t.clickstream, transactions: t.transactions, orders: t.orders };
  const work = mkdtempSync(join(tmpdir(), "eddy-e2e-console-"));
  const pageErrors: string[] = [];
  let gw: RunningGateway;
  let chrome: LaunchedChromium;
  let page: Page;
  let validSent = 0;
  /** The runner's product_activity rows over the bounded records, and their newest event time. */
  let runnerActivity: Record<string, unknown>[] = [];
  let boundedMaxT = 0;

  beforeAll(async () => {
    const [web] = await Promise.all([
      buildConsole(join(work, "web")),
      (async () => {
        const admin = kafka.admin();
        await admin.connect();
        await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
        await admin.disconnect();
        await producer.connect();
      })(),
    ]);
    gw = await startGateway({ source: new KafkaBridgeSource({ brokers, topics, resultsTopic: t.results }), staticDir: web, port: 0 });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(`uncaught: ${String(e)}`));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`http://127.0.0.1:${gw.port}/`);
  });

  afterAll(async () => {
    await chrome?.close();
    await gw?.close().catch(() => {});
    await producer.disconnect();
    rmSync(work, { recursive: true, force: true });
  });

  /** Sends records in order (chunks of 2000); returns how many were valid. */
  async function send(recs: GeneratedRecord[]): Promise<number> {
    let valid = 0;
    for (let done = 0; done < recs.length; done += 2000) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const r of recs.slice(done, done + 2000)) {
        if (validate(r.kind, r.text).ok) valid++;
        const topic = topics[r.kind];
        if (!byTopic.has(topic)) byTopic.set(topic, []);
        byTopic.get(topic)!.push({ key: r.key, value: r.text });
      }
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
    return valid;
  }

  it("shows the empty state (connected, no events) with every chart's empty text, never a blank page", async () => {
    await page.waitForFunction(() => document.getElementById("state")?.dataset.state === "empty", undefined, { timeout: 30_000 });
    expect(await page.textContent("#state")).toMatch(/No events yet/);
    expect(await page.locator(".panel .empty").count()).toBeGreaterThanOrEqual(5);
    expect(pageErrors).toEqual([]);
  });

  it("computes, in the worker, the same final rows as the headless runner for every closed 1-minute window", async () => {
    // The gateway reads from the end of the topics: probe with invalid messages (they change no
    // result) until it reports one, so that it is positioned before the compared events.
    await until(async () => {
      await producer.send({ topic: t.clickstream, messages: [{ key: "probe", value: "probe: not an event" }] });
      const s = await eddy(page, "stats");
      return Object.values(s.gateway?.invalid ?? {}).some((n) => n > 0);
    }, 60_000, "the gateway to see the probe", 500);
    const bounded = Array.from({ length: BOUNDED }, () => src.next());
    // A few records first, until the worker has seen both main-lane topics: the pipeline
    // watermark is the minimum over the streams seen so far, so a consumer that got a large
    // chunk of one topic before the first event of the other would mark that other topic's
    // early events late (SPEC-correct for its arrival order, but not the file order).
    const primer = bounded.findIndex((r, i) => i > 0 && bounded.slice(0, i).some((p) => p.kind === "clickstream") && r.kind === "transactions") + 1;
    validSent += await send(bounded.slice(0, primer));
    await until(async () => (await eddy(page, "stats")).eventsTotal >= validSent, 30_000, `the primer's ${validSent} events in the worker`);
    validSent += await send(bounded.slice(primer));
    await until(async () => (await eddy(page, "stats")).eventsTotal >= validSent, 60_000, `${validSent} events in the worker`);
    expect((await eddy(page, "stats")).eventsTotal).toBe(validSent);

    // The headless runner on the same events: `eddy run` over the topics (--until-end) and over
    // a JSONL file of the records in production order; both must give the same rows.
    const out = join(work, "runner");
    expect(await main(["run", "--brokers", brokers.join(","), "--until-end", "--sink", "files", "--output", out, ...topicFlags(t)])).toBe(0);
    const input = join(work, "bounded.jsonl");
    writeFileSync(input, bounded.map((r) => jsonlLine(r) + "\n").join(""));
    const fileOut = join(work, "runner-file");
    expect(await main(["run", "--input", input, "--sink", "files", "--output", fileOut])).toBe(0);
    const rowsOf = (dir: string, metric: string) => readFileSync(join(dir, `${metric}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.window_start).localeCompare(String(b.window_start)) || String(a.product_id).localeCompare(String(b.product_id));
    const runner = rowsOf(out, "product_activity").sort(byKey);
    expect(rowsOf(fileOut, "product_activity").sort(byKey)).toEqual(runner);
    runnerActivity = runner;
    boundedMaxT = Math.max(...bounded.filter((r) => !r.late).map((r) => { const v = validate(r.kind, r.text); return v.ok ? v.t : 0; }));

    const windows = await eddy(page, "closedWindows", "product_activity");
    expect(windows.length).toBeGreaterThanOrEqual(5);
    const worker = (await eddy(page, "finalRows", "product_activity")).map((r: OutputRow) => toJsonRow(r)).sort(byKey);
    const starts = new Set(windows.map((w) => new Date(w).toISOString()));
    const expected = runner.filter((r) => starts.has(r.window_start as string)).sort(byKey);
    expect(expected.length).toBeGreaterThan(windows.length);
    expect(worker).toEqual(expected);
    // page_views too (a second metric out of the same kernel, filtered on views > 0).
    const pv = (await eddy(page, "finalRows", "page_views")).map((r: OutputRow) => toJsonRow(r)).sort(byKey);
    const pvRunner = rowsOf(out, "page_views");
    const pvStarts = new Set((await eddy(page, "closedWindows", "page_views")).map((w) => new Date(w).toISOString()));
    expect(pv).toEqual(pvRunner.filter((r) => pvStarts.has(r.window_start as string)).sort(byKey));
  });

  it("draws data in every chart (SVG marks) and judges every health tile with its rule", async () => {
    await until(async () => Object.values(await eddy(page, "drawn")).every((d) => d === "data"), 20_000, "every chart to draw data");
    const marks: Record<string, string> = { "page-views": "rect", "category-revenue": "line", "conversion-rate": "line", "active-sessions": "line", anomalies: "dot" };
    for (const [chart, mark] of Object.entries(marks)) {
      const n = await page.locator(`#chart-${chart} svg g[aria-label="${mark}"] > *`).count();
      expect(n, `${chart} ${mark} marks`).toBeGreaterThan(0);
    }
    // The whole watermark timestamp, with its zone.
    expect(await page.textContent('[data-tile="watermark"] .value')).toMatch(/^2026-01-01 \d\d:\d\d:\d\d UTC/);
    expect(await page.getAttribute("#state", "data-state")).toBe("connected");
    const tiles = await page.$$eval(".tile", (ts) => ts.map((t) => ({ id: (t as HTMLElement).dataset.tile, status: (t as HTMLElement).dataset.status, rule: t.getAttribute("title") ?? "" })));
    expect(tiles.map((t) => t.id)).toEqual(["connection", "rates", "latency", "lag", "watermark", "dropped", "quality"]);
    for (const t of tiles) {
      expect(["ok", "warn", "bad", "idle"], `${t.id} status`).toContain(t.status);
      expect(t.rule, `${t.id} rule`).toMatch(/Green:.*(Amber|Red):/);
    }
    expect(tiles.find((t) => t.id === "connection")!.status).toBe("ok");
    // The console's own lag: the gateway's consumer, not some other group.
    expect(await page.textContent('[data-tile="lag"] .label')).toMatch(/gateway/);
    // Every axis says it is event time and in which zone.
    const labels = await page.$$eval(".chart-body svg [aria-label='x-axis label'], .chart-body svg g[aria-label='x-axis label'] text", (ns) => ns.map((n) => n.textContent ?? ""));
    expect(labels.filter((l) => /event time \(.+\)/.test(l)).length).toBeGreaterThanOrEqual(5);
    // Developer figures sit behind a toggle.
    expect(await page.locator("details.dev").getAttribute("open")).toBeNull();
  });

  it("draws open windows apart from closed ones: dashed, faded and not joined", async () => {
    const groups = await lineGroups(page, "category-revenue");
    const solid = groups.filter((g) => !g.dashed && g.paths > 0);
    const dashed = groups.filter((g) => g.dashed && g.paths > 0);
    expect(solid.length).toBeGreaterThan(0);
    expect(dashed.length).toBeGreaterThan(0);
    expect(Math.max(...dashed.map((g) => g.opacity))).toBeLessThan(1);
    // Open cells of the heat strip: faded with a dashed outline; closed ones plain.
    const rects = await page.$$eval('#chart-page-views svg g[aria-label="rect"]', (gs) => gs.map((g) => ({ dashed: (g.getAttribute("stroke-dasharray") ?? g.querySelector(":scope > g")?.getAttribute("stroke-dasharray")) != null, n: g.querySelectorAll("rect").length })));
    expect(rects.some((g) => g.dashed && g.n > 0)).toBe(true);
    expect(rects.some((g) => !g.dashed && g.n > 0)).toBe(true);
  });

  it("gives each category one colour in every chart", async () => {
    const revenue = await legendColors(page, "category-revenue");
    const anomalies = await legendColors(page, "anomalies");
    const shared = Object.keys(revenue).filter((k) => k in anomalies);
    expect(Object.keys(revenue).length).toBeGreaterThanOrEqual(5);
    expect(shared.length).toBeGreaterThanOrEqual(2);
    for (const k of shared) expect(anomalies[k], k).toBe(revenue[k]);
    // The drawn lines use the legend's colours, and no two categories share one.
    const strokes = (await lineGroups(page, "category-revenue")).flatMap((g) => g.strokes);
    for (const s of strokes) expect(Object.values(revenue)).toContain(s);
    expect(new Set(Object.values(revenue)).size).toBe(Object.keys(revenue).length);
  });

  it("shows a tooltip on hover: the anomaly's transaction, product, amount, category mean and z", async () => {
    const text = await hoverTooltip(page, "anomalies", 'svg g[aria-label="dot"] circle');
    expect(text).toMatch(/transaction tx-/);
    expect(text).toMatch(/productprod-\d{3}/);
    expect(text).toMatch(/amount\$[\d,]+\.\d\d/);
    expect(text).toMatch(/category mean\$/);
    expect(text).toMatch(/z-?\d+\.\d\d/);
    const revenue = await hoverTooltip(page, "category-revenue", 'svg g[aria-label="dot"] circle');
    expect(revenue).toMatch(/revenue \(\$\)\$[\d,]+\.\d\d/);
    expect(revenue).toMatch(/closed window: final|open window, partial/);
    await page.mouse.move(0, 0);
  });

  it("loses nothing for the first client when a second client stops reading (the gateway skips only the slow one)", async () => {
    const gatewayDropped = async () => Number(/^eddy_gateway_dropped_events_total(?:\{\})? (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${gw.port}/metrics`)).text())?.[1] ?? 0);
    // The live source's records are all valid; a few are late, which the worker does not count.
    const caughtUp = (target: number, what: string) => until(async () => (await eddy(page, "stats")).eventsTotal >= target, 60_000, what);
    const before = (await eddy(page, "stats")).eventsTotal;
    await eddy(page, "resetLongTasks");
    await eddy(page, "resetLatency");
    const sentAlone = await produceAtRate(producer, topics, src, LIVE_RATE, 5000);
    await caughtUp(before + sentAlone * 0.98, "the page to catch up (alone)");
    const alone = await eddy(page, "latency");

    // A client that stops reading: the kernel's socket buffers take a few MB before the gateway
    // sees any backpressure, so produce until it skips events for that client.
    const slow = await slowClient(`ws://127.0.0.1:${gw.port}/ws`, `http://127.0.0.1:${gw.port}`);
    await eddy(page, "resetLatency");
    const mid = (await eddy(page, "stats")).eventsTotal;
    let sentWithSlow = 0;
    for (let round = 0; round < 30 && (round < 5 || (await gatewayDropped()) === 0); round++) {
      sentWithSlow += await produceAtRate(producer, topics, src, LIVE_RATE, 2000);
    }
    await caughtUp(mid + sentWithSlow * 0.98, "the page to catch up (with a slow client)");
    const withSlow = await eddy(page, "latency");
    const dropped = await gatewayDropped();
    const stats = await eddy(page, "stats");
    const longTasks = await eddy(page, "longTasks");
    slow.close();
    // For the log only: speed is the console bench's (`--mode gateway --slow-client`).
    console.log(
      `[e2e] at ${LIVE_RATE} ev/s: event-to-screen p99 alone ${alone.p99.toFixed(0)} ms, with a slow client ${withSlow.p99.toFixed(0)} ms; ` +
        `gateway skipped ${dropped} events for the slow client; page dropped ${stats.droppedEvents}; long tasks ${longTasks.count} (max ${longTasks.maxMs.toFixed(0)} ms)`,
    );
    // The slow client really was slow (the gateway skipped events for it) …
    expect(dropped).toBeGreaterThan(0);
    // … and the first client lost nothing: no skipped event, every event arrived.
    expect(stats.droppedEvents).toBe(0);
    expect(stats.eventsTotal - mid).toBeGreaterThanOrEqual(sentWithSlow * 0.98);
    expect(longTasks.supported).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it("browses topics like Kafka UI: internal ones hidden, seek, filter, headers, pretty JSON, live tail, consumer groups", async () => {
    const dlq = `${t.clickstream}.dlq`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await producer.send({ topic: dlq, messages: [{ key: "bad-1", value: '{"broken": true', headers: { "eddy-error": "not valid JSON", "eddy-source-topic": t.clickstream } }] });
    const row = page.locator(`tr[data-topic="${t.clickstream}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td[data-label="offsets"]').textContent()).toMatch(/^0: 0 → [\d,]+$/);
    // Internal topics (the broker's __consumer_offsets) are hidden until asked for.
    expect(await page.locator('tr[data-topic="__consumer_offsets"]').count()).toBe(0);
    await page.locator("#show-internal").check();
    await page.locator('tr[data-topic="__consumer_offsets"]').waitFor({ timeout: 10_000 });
    await page.locator("#show-internal").uncheck();

    // The dead letter's reason is shown from its headers.
    await page.locator(`tr[data-topic="${dlq}"] button.browse`).click();
    const hdr = page.locator(`.messages-view[data-topic="${dlq}"] .hdr.error`);
    await hdr.waitFor({ timeout: 20_000 });
    expect(await hdr.textContent()).toBe("eddy-error: not valid JSON");

    // Seek by offset, expand for pretty JSON.
    await row.locator("button.browse").click();
    const view = page.locator(`.messages-view[data-topic="${t.clickstream}"]`);
    await view.locator("ol.messages li").first().waitFor({ timeout: 20_000 });
    await view.locator('select[name="from"]').selectOption("offset");
    await view.locator('input[name="offset"]').fill("5");
    await view.locator("button", { hasText: "Read" }).click();
    await until(async () => (await view.locator("ol.messages li").first().getAttribute("data-offset")) === "5", 20_000, "the read from offset 5");
    await view.locator("ol.messages li summary").first().click();
    const pre = await view.locator("ol.messages li pre").first().textContent();
    expect(JSON.parse(pre!)).toHaveProperty("event_id");
    expect(pre).toMatch(/^\{\n {2}"/);
    // Filter by text: only matching messages come back.
    await producer.send({ topic: t.clickstream, messages: [{ key: "filter-me", value: "filter-check: not an event" }] });
    await view.locator('select[name="from"]').selectOption("newest");
    await view.locator('input[name="q"]').fill("filter-check");
    await view.locator("button", { hasText: "Read" }).click();
    await until(async () => (await view.locator("ol.messages li code").allTextContents()).join("|") === "filter-check: not an event", 20_000, "the filtered read");
    // The live tail (Server-Sent Events) shows new messages.
    await view.locator('input[name="q"]').fill("");
    await view.locator("button", { hasText: "Live tail" }).click();
    await producer.send({ topic: t.clickstream, messages: [{ key: "tail-check", value: "tail-check: not an event" }] });
    await until(async () => (await view.locator("ol.messages li code", { hasText: "tail-check: not an event" }).count()) === 1, 20_000, "the followed message");
    await view.locator("button", { hasText: "Stop tail" }).click();

    // Consumer groups with per-partition lag: a group that committed offset 10 on the clickstream.
    const group = `${t.prefix}reader`;
    const a2 = kafka.admin();
    await a2.connect();
    await a2.setOffsets({ groupId: group, topic: t.clickstream, partitions: [{ partition: 0, offset: "10" }] });
    const [end] = await a2.fetchTopicOffsets(t.clickstream);
    await a2.disconnect();
    await page.locator("#tab-groups").click();
    const g = page.locator(`tr[data-group="${group}"]`);
    await g.first().waitFor({ timeout: 20_000 });
    expect(await g.first().locator('td[data-label="committed"]').textContent()).toBe("10");
    expect(Number((await g.first().locator('td[data-label="lag"]').textContent())!.replace(/,/g, ""))).toBeGreaterThanOrEqual(Number(end.high) - 10);
    await page.locator("#tab-topics").click();
  });

  it("saves screenshots at 1440×900 and 390×844, and at 390 px nothing overflows sideways (topics as cards)", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const [w, h] of [[1440, 900], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await until(async () => (await eddy(page, "updatesDrawn")) > 0 && Object.values(await eddy(page, "drawn")).every((d) => d === "data"), 20_000, "charts at the new size");
      const before = await eddy(page, "updatesDrawn");
      await until(async () => (await eddy(page, "updatesDrawn")) > before + 1, 20_000, "a redraw at the new width");
      // Each chart is drawn at its panel's width (no scaling, no overflow).
      const sizes = await page.$$eval(".chart-body", (bs) => bs.map((b) => [Math.round(b.getBoundingClientRect().width), Math.round([...b.querySelectorAll("svg")].pop()?.getBoundingClientRect().width ?? -1)]));
      console.log(`[e2e] ${w} px: chart body / figure widths ${JSON.stringify(sizes)}, drawn at ${JSON.stringify(await eddy(page, "widths"))}`);
      for (const [body, fig] of sizes) expect(Math.abs(body - fig)).toBeLessThanOrEqual(2);
      const path = join(ARTIFACTS, `console-${w}x${h}.png`);
      await page.screenshot({ path, fullPage: true });
      console.log(`[e2e] screenshot: ${path}`);
      expect(readFileSync(path).length).toBeGreaterThan(10_000);
      if (w === 390) {
        const o = await overflowing(page);
        expect(o.offenders, JSON.stringify(o)).toEqual([]);
        expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
        expect(await page.locator("table.topics thead").first().evaluate((e) => getComputedStyle(e).display)).toBe("none");
      }
    }
    await page.setViewportSize({ width: 1400, height: 1100 });
  });

  it("pauses drawing while data keeps arriving, and resumes", async () => {
    await page.locator("#pause").click();
    const drawn = await eddy(page, "updatesDrawn");
    const events = (await eddy(page, "stats")).eventsTotal;
    await produceAtRate(producer, topics, src, 2000, 1000);
    await until(async () => (await eddy(page, "stats")).eventsTotal > events, 20_000, "events while paused");
    expect(await eddy(page, "updatesDrawn")).toBe(drawn);
    expect(await page.locator("#chart-anomalies .badge").textContent()).toMatch(/^paused at /);
    await page.locator("#pause").click();
    await until(async () => (await eddy(page, "updatesDrawn")) > drawn, 20_000, "drawing after resume");
  });

  it("after a reload, replays the time range from Kafka into the charts, with the same final rows as the runner", async () => {
    const before = (await eddy(page, "stats")).eventsTotal;
    const t0 = Date.now();
    await page.reload();
    await until(async () => (await eddy(page, "lastHealth"))?.history.state === "done", 120_000, "the history replay");
    const replayMs = Date.now() - t0;
    const s = await eddy(page, "stats");
    // Everything sent is within the last 15 minutes of Kafka time: all of it is back.
    expect(s.eventsTotal).toBeGreaterThanOrEqual(validSent);
    expect(s.historyEvents).toBeGreaterThanOrEqual(validSent);
    console.log(`[e2e] reload: ${s.historyEvents} events replayed in ${(replayMs / 1000).toFixed(1)} s, page load included (the first page had ${before})`);
    await until(async () => Object.values(await eddy(page, "drawn")).every((d) => d === "data"), 30_000, "every chart to draw the history");
    // Windows well before the bounded records' end hold only bounded events: equal to the runner's.
    const windows = (await eddy(page, "closedWindows", "product_activity")).filter((w) => w + 60_000 <= boundedMaxT - 3 * 60_000);
    expect(windows.length).toBeGreaterThanOrEqual(5);
    const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.window_start).localeCompare(String(b.window_start)) || String(a.product_id).localeCompare(String(b.product_id));
    const starts = new Set(windows.map((w) => new Date(w).toISOString()));
    const worker = (await eddy(page, "finalRows", "product_activity")).map((r: OutputRow) => toJsonRow(r)).filter((r) => starts.has(r.window_start as string)).sort(byKey);
    expect(worker).toEqual(runnerActivity.filter((r) => starts.has(r.window_start as string)).sort(byKey));
    expect(pageErrors).toEqual([]);
  });

  it("marks everything stale while the gateway is down without flooding the browser console, and reconnects to a new one", async () => {
    const port = gw.port;
    const errorsBefore = pageErrors.length;
    await gw.close();
    await page.waitForFunction(() => document.getElementById("state")?.dataset.state === "reconnecting", undefined, { timeout: 15_000 });
    expect(await page.textContent("#state")).toMatch(/Reconnecting, attempt \d+/);
    expect(Object.values(await eddy(page, "drawn")).every((d) => d === "data")).toBe(true);
    // Stale: the page, every chart's badge and every tile but the connection's say so.
    await page.waitForFunction(() => document.body.dataset.stale === "true", undefined, { timeout: 5000 });
    expect(await page.locator("#chart-page-views .badge").textContent()).toMatch(/^stale/);
    const stale = await page.$$eval(".tile", (ts) => ts.map((t) => [(t as HTMLElement).dataset.tile, (t as HTMLElement).dataset.stale]));
    expect(stale.filter(([id, s]) => id !== "connection" && s !== "true")).toEqual([]);
    await page.waitForFunction(() => /attempt [3-9]/.test(document.getElementById("state")?.textContent ?? ""), undefined, { timeout: 30_000 });
    const attempts = Number(/attempt (\d+)/.exec((await page.textContent("#state")) ?? "")?.[1]);
    gw = await startGateway({ source: new KafkaBridgeSource({ brokers, topics, resultsTopic: t.results }), port });
    await page.waitForFunction(() => document.getElementById("state")?.dataset.state === "connected", undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => document.body.dataset.stale)).toBe("false");
    // While the gateway is down the browser itself logs each refused socket attempt; the topic
    // browser stops polling, so at most a request in flight at the cut fails besides.
    const during = pageErrors.slice(errorsBefore);
    console.log(`[e2e] browser messages during the outage (${attempts}+ attempts): ${JSON.stringify(during)}`);
    expect(pageErrors.slice(0, errorsBefore)).toEqual([]);
    const sockets = during.filter((e) => /^console: WebSocket connection to .* failed/.test(e));
    const requests = during.filter((e) => /^console: Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(e));
    expect(during.length - sockets.length - requests.length).toBe(0);
    expect(sockets.length).toBeLessThanOrEqual(attempts + 2);
    expect(requests.length).toBeLessThanOrEqual(2);
  });
});
