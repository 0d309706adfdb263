/**
 * Measures the web console in Debian's Chromium: for each event rate, how many events/s the
 * worker actually processed, events skipped because the tab fell behind, main-thread tasks over
 * 50 ms (PerformanceObserver 'longtask'), and event-to-screen latency p50/p99.
 *
 *   node --import tsx test/e2e/console-bench.ts [--mode frames|gateway] [--rates 10000,50000,200000] [--seconds 8] [--slow-client]
 *
 * `frames` (default): a stand-in gateway replays pre-encoded frames (measures worker + charts
 * alone; latency counted from the socket send). `gateway`: the real gateway with its embedded
 * generator at that rate (gateway → worker → charts, latency from generation; the generator and
 * the gateway share this machine's cores with Chromium). `--slow-client` (gateway mode) adds a
 * second client that stops reading, to compare the page's latency and long tasks with and without
 * it; the gateway's skips for that client are reported apart. Installs Debian's Chromium when
 * missing and run as root (test/e2e/helpers/ensure-chromium.ts). Writes
 * test-artifacts/console-bench.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { EmbeddedSource } from "../../src/server/gateway/embedded-source";
import { startGateway } from "../../src/server/gateway/server";
import { launchChromium } from "./helpers/browser";
import { ensureChromium } from "./helpers/ensure-chromium";
import { buildConsole } from "./helpers/build-console";
import { startReplayServer } from "./helpers/frame-replay-server";
import { eddy, until } from "./helpers/page-probe";
import { type SlowClient, slowClient } from "./helpers/slow-client";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "frames" },
    rates: { type: "string", default: "10000,50000,100000,200000,300000" },
    seconds: { type: "string", default: "8" },
    "slow-client": { type: "boolean", default: false },
  },
});
const withSlowClient = values["slow-client"]!;
if (withSlowClient && values.mode !== "gateway") {
  console.error("console-bench: --slow-client needs --mode gateway (the real gateway's backpressure is what it measures)");
  process.exit(2);
}
const rates = values.rates!.split(",").map(Number);
const seconds = Number(values.seconds);
const root = fileURLToPath(new URL("../..", import.meta.url));
const artifacts = resolve(root, "test-artifacts");
const work = mkdtempSync(join(tmpdir(), "eddy-console-bench-"));

interface Result {
  rate: number;
  processedPerSec: number;
  skipped: number;
  /** Events the gateway skipped for the client that stopped reading (--slow-client). */
  slowClientSkipped?: number;
  longTasks: number;
  maxLongTaskMs: number;
  maxDrawMs: number;
  maxFrameMs: number;
  p50: number;
  p99: number;
  keptUp: boolean;
}

async function main(): Promise<void> {
  const problem = await ensureChromium();
  if (problem) throw new Error(problem);
  const web = await buildConsole(join(work, "web"));
  const chrome = await launchChromium();
  const results: Result[] = [];
  try {
    for (const rate of rates) {
      let url: string;
      let skippedNow: () => Promise<number>;
      let close: () => Promise<void>;
      let slow: SlowClient | undefined;
      if (values.mode === "gateway") {
        const gw = await startGateway({ source: new EmbeddedSource({ rate }), staticDir: web, port: 0 });
        url = `http://127.0.0.1:${gw.port}/`;
        skippedNow = async () => Number(/^eddy_gateway_dropped_events_total(?:\{\})? (\d+)/m.exec(await (await fetch(`${url}metrics`)).text())?.[1] ?? 0);
        if (withSlowClient) slow = await slowClient(`ws://127.0.0.1:${gw.port}/ws`, `http://127.0.0.1:${gw.port}`);
        close = async () => {
          slow?.close();
          await gw.close();
        };
      } else {
        const srv = await startReplayServer(web);
        srv.setRate(rate);
        url = `http://127.0.0.1:${srv.port}/`;
        skippedNow = async () => srv.counts().skipped;
        close = () => srv.close();
      }
      const page = await chrome.context.newPage();
      await page.goto(url);
      await until(async () => (await eddy(page, "stats")).eventsTotal > 0, 30_000, "events in the worker");
      await new Promise((r) => setTimeout(r, 3000));
      await eddy(page, "resetLatency");
      await eddy(page, "resetLongTasks");
      const s0 = await eddy(page, "stats");
      const k0 = await skippedNow();
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const s1 = await eddy(page, "stats");
      const dt = (Date.now() - t0) / 1000;
      const lat = await eddy(page, "latency");
      const lt = await eddy(page, "longTasks");
      // With a slow client the gateway's skip counter is mostly that client's: count the page's own.
      const gatewaySkipped = (await skippedNow()) - k0;
      const skipped = (slow ? 0 : gatewaySkipped) + (s1.droppedEvents - s0.droppedEvents);
      const processedPerSec = (s1.eventsTotal - s0.eventsTotal) / dt;
      const r: Result = {
        rate,
        processedPerSec: Math.round(processedPerSec),
        skipped,
        ...(slow ? { slowClientSkipped: gatewaySkipped } : {}),
        longTasks: lt.count,
        maxLongTaskMs: Math.round(lt.maxMs),
        maxDrawMs: Math.round(await eddy(page, "maxDrawMs")),
        maxFrameMs: Math.round(await eddy(page, "maxFrameMs")),
        p50: Math.round(lat.p50),
        p99: Math.round(lat.p99),
        // 90 %: frames carry 4,096 events, so a short window at a low rate counts one frame more or less.
        keptUp: skipped === 0 && processedPerSec >= rate * 0.9,
      };
      results.push(r);
      console.log(JSON.stringify(r));
      console.log("  draw ms per chart:", JSON.stringify(Object.fromEntries(Object.entries(await eddy(page, "drawStats")).map(([k, v]) => [k, { avg: +(v.totalMs / v.n).toFixed(1), max: Math.round(v.maxMs) }]))));
      if (values.mode !== "gateway") await page.screenshot({ path: join(artifacts, `console-bench-${rate}.png`) });
      await page.close();
      await close();
    }
  } finally {
    await chrome.close();
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(artifacts, { recursive: true });
  const out = join(artifacts, "console-bench.json");
  writeFileSync(out, JSON.stringify({ mode: values.mode, slowClient: withSlowClient, seconds, results }, null, 2));
  // The console's targets: every event drawn (kept up), no main-thread task over 50 ms, p99 under 500 ms.
  const best = results.filter((r) => r.keptUp && r.longTasks === 0 && r.p99 < 500).map((r) => r.rate);
  console.log(`highest rate kept up with no task over 50 ms and event-to-screen p99 < 500 ms: ${best.length ? Math.max(...best) : "none"} events/s (${out})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
