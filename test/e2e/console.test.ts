/**
 * The web console end to end in Debian's Chromium: generator → real broker → gateway (Kafka
 * bridge) → page (worker on eddy.wasm → charts). It checks the empty state, that the worker's
 * final rows of closed 1-minute windows equal the headless runner's (`eddy run` over the same
 * topics, and over the same records as a file) for those windows, that
 * every chart drew marks, that a second client that stops reading costs the first nothing, and
 * it saves a screenshot in test-artifacts/. Speed (latency, main-thread long tasks, catch-up
 * time) is measured by the console bench (test/e2e/console-bench.ts), not asserted here.
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

const toJsonRow = (r: { metric: string; [k: string]: unknown }) => MetricRegistry.builtin().toJson(r);

const ARTIFACTS = resolve(__dirname, "../../test-artifacts");
const SCREENSHOT = join(ARTIFACTS, "console-e2e.png");
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

  it("draws data in every chart (SVG marks) and fills the health strip", async () => {
    await until(async () => Object.values(await eddy(page, "drawn")).every((d) => d === "data"), 20_000, "every chart to draw data");
    const marks: Record<string, string> = { "page-views": "bar", "category-revenue": "line", "conversion-rate": "line", "active-sessions": "line", anomalies: "dot" };
    for (const [chart, mark] of Object.entries(marks)) {
      const n = await page.locator(`#chart-${chart} svg g[aria-label="${mark}"] > *`).count();
      expect(n, `${chart} ${mark} marks`).toBeGreaterThan(0);
    }
    expect(await page.textContent('[data-tile="watermark"] .value')).toMatch(/^2026-01-01 /);
    expect(await page.getAttribute("#state", "data-state")).toBe("connected");
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

  it("lists the topics with offsets and tails one live (recent messages, then new ones)", async () => {
    const row = page.locator(`tr[data-topic="${t.clickstream}"]`);
    await row.waitFor({ timeout: 10_000 });
    const offsets = await row.locator("td").nth(3).textContent();
    expect(offsets).toMatch(/^0: 0 → [\d,]+$/);
    await row.locator("button").click();
    await until(async () => (await page.locator("ol.tail li code").count()) > 0, 10_000, "the tail's recent messages");
    expect(JSON.parse((await page.locator("ol.tail li code").first().textContent())!)).toHaveProperty("event_id");
    // New messages arrive through the follow stream (Server-Sent Events).
    await producer.send({ topic: t.clickstream, messages: [{ key: "tail-check", value: "tail-check: not an event" }] });
    await until(async () => (await page.locator("ol.tail li code", { hasText: "tail-check: not an event" }).count()) === 1, 10_000, "the followed message");
    await row.locator("button", { hasText: "stop tail" }).click();
    await page.locator("h3", { hasText: "stopped" }).waitFor({ timeout: 5000 });
  });

  it("saves a screenshot of the live console", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`[e2e] screenshot: ${SCREENSHOT}`);
    expect(readFileSync(SCREENSHOT).length).toBeGreaterThan(10_000);
  });

  it("shows reconnecting while the gateway is down, keeps the last charts, and reconnects to a new one", async () => {
    const port = gw.port;
    const errorsBefore = pageErrors.length;
    await gw.close();
    await page.waitForFunction(() => document.getElementById("state")?.dataset.state === "reconnecting", undefined, { timeout: 15_000 });
    expect(await page.textContent("#state")).toMatch(/Reconnecting, attempt \d+/);
    expect(Object.values(await eddy(page, "drawn")).every((d) => d === "data")).toBe(true);
    gw = await startGateway({ source: new KafkaBridgeSource({ brokers, topics, resultsTopic: t.results }), port });
    await page.waitForFunction(() => document.getElementById("state")?.dataset.state === "connected", undefined, { timeout: 30_000 });
    // While the gateway is down the browser itself logs the refused requests (topic polling,
    // socket attempts); anything else would be the console's own error.
    const during = pageErrors.slice(errorsBefore);
    console.log(`[e2e] browser messages during the outage: ${JSON.stringify(during)}`);
    expect(pageErrors.slice(0, errorsBefore)).toEqual([]);
    expect(during.filter((e) => !/^console: (Failed to load resource: net::ERR_CONNECTION_REFUSED|WebSocket connection to .* failed)/.test(e))).toEqual([]);
  });
});
