/**
 * `eddy serve`: the web console's gateway (and, after `npm run build`, the built console) on
 * one port. Without KAFKA_BROKERS / --brokers it runs on the embedded source (the generator
 * in-process), with them it bridges the Kafka topics. `eddy dev` runs it with --api-only.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_MAX_FUTURE_SKEW_MS } from "../../core/events";
import { DEFAULT_GATEWAY_PORT } from "../../core/frames";
import { helpText, parseFlags, UsageError } from "../args";
import { resolveBrokers } from "../kafka/client";
import { EmbeddedSource } from "../gateway/embedded-source";
import { KafkaBridgeSource } from "../gateway/kafka-source";
import { COLLECT_GLOBAL_RATE, COLLECT_RATE } from "../gateway/collect";
import { hostPolicy } from "../gateway/hosts";
import { CLOSE_TIMEOUT_MS, type RunningGateway, startGateway } from "../gateway/server";
import { listenProblem, reachability } from "../gateway/startup";
import type { GatewaySource } from "../gateway/source";
import { declaredTopics, inputsByTopic, loadMetricSelection, metricsInfo, METRICS_FLAGS } from "../runner/metrics-file";

const FLAGS = {
  port: { type: "int", default: DEFAULT_GATEWAY_PORT, min: 0, max: 65535, help: "port of the console and gateway" },
  host: { type: "string", default: "127.0.0.1", help: "address to listen on (0.0.0.0 for every interface; set EDDY_TOKEN then)" },
  "allowed-hosts": {
    type: "list",
    env: "EDDY_ALLOWED_HOSTS",
    help: "Host names answered without EDDY_TOKEN besides localhost, 127.0.0.1, [::1] (comma-separated; .example.com for subdomains)",
  },
  "trust-proxy": { type: "bool", default: false, help: "behind a reverse proxy: rate-limit /collect by X-Forwarded-For (right-most non-private address)" },
  "collect-rate": { type: "int", default: COLLECT_RATE, min: 1, max: 1_000_000, help: "POST /collect requests per second per client (bursts of twice as many)" },
  "collect-global-rate": { type: "int", default: COLLECT_GLOBAL_RATE, min: 1, max: 1_000_000, help: "POST /collect requests per second across all clients (bursts of twice as many)" },
  brokers: { type: "string", env: "KAFKA_BROKERS", help: "bridge these Kafka brokers; without, the embedded generator runs in-process" },
  rate: { type: "int", default: 200, min: 1, max: 100_000, help: "events per second of the embedded generator" },
  "api-only": { type: "bool", default: false, help: "serve only the gateway, not the built console (eddy dev: Vite serves it)" },
  "web-dir": { type: "string", help: "directory of the built console (default dist/web)" },
  "clickstream-topic": { type: "string", default: "clickstream", help: "name of the clickstream topic" },
  "transactions-topic": { type: "string", default: "transactions", help: "name of the transactions topic" },
  "orders-topic": { type: "string", default: "orders", help: "name of the orders topic" },
  "results-topic": { type: "string", default: "analytics-results", help: "topic of the headless runner's final rows" },
  "max-future-skew": {
    type: "duration",
    default: DEFAULT_MAX_FUTURE_SKEW_MS,
    min: 0,
    help: "events stamped further ahead of the wall clock are invalid: /collect answers 400, the console leaves them out",
  },
  // The same flags as `eddy run`: the console's worker runs these metrics beside the built-in ones.
  ...METRICS_FLAGS,
} as const;

const USAGE =
  "usage: eddy serve [--port 8787] [--host 127.0.0.1] [--brokers host:9092] [--rate 200] [--api-only]\n" +
  "                  [--metrics-file metrics.json [--only a,b]]\n\n" +
  "EDDY_TOKEN: require this token on the API, /metrics and the WebSocket (without it, only loopback and\n" +
  "--allowed-hosts names are answered). EDDY_ALLOWED_ORIGINS: extra origins for /ws.";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");

/** The text of `eddy serve --help`. */
export function help(): string {
  return helpText(USAGE, FLAGS);
}

/** Entry point of `eddy serve`. */
export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (f.help) {
    console.log(helpText(USAGE, FLAGS));
    return 0;
  }
  // Validated exactly as `eddy run` does, before anything starts: a bad file exits 2 at once.
  const selection = loadMetricSelection(f["metrics-file"], f.only);
  const specTopics = { clickstream: f["clickstream-topic"], transactions: f["transactions-topic"], orders: f["orders-topic"] };
  inputsByTopic(specTopics, selection);
  const declared = declaredTopics(selection);
  const staticDir = f["api-only"] ? undefined : resolve(f["web-dir"] ?? resolve(ROOT, "dist/web"));
  if (staticDir && !existsSync(resolve(staticDir, "index.html"))) {
    throw new UsageError(`no built console in ${staticDir}: run \`npm run build\` first (or --api-only, or \`npm run dev\`)`);
  }
  const source: GatewaySource = f.brokers
    ? new KafkaBridgeSource({
        brokers: resolveBrokers(f.brokers),
        topics: specTopics,
        resultsTopic: f["results-topic"],
        declared,
      })
    : new EmbeddedSource({ rate: f.rate, declared });
  const allowedOrigins = (process.env.EDDY_ALLOWED_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const allowedHosts = f["allowed-hosts"] ?? [];
  try {
    hostPolicy(allowedHosts);
  } catch (err) {
    throw new UsageError(`--allowed-hosts: ${(err as Error).message}`);
  }
  const token = process.env.EDDY_TOKEN || undefined;
  const collect = { trustProxy: f["trust-proxy"], ratePerSecond: f["collect-rate"], globalRatePerSecond: f["collect-global-rate"] };
  let gw: RunningGateway;
  try {
    const metrics = { user: selection.user, info: metricsInfo(selection) };
    gw = await startGateway({ source, port: f.port, host: f.host, token, allowedOrigins, allowedHosts, staticDir, collect, maxFutureSkewMs: f["max-future-skew"], metrics });
  } catch (err) {
    const problem = await listenProblem((err as NodeJS.ErrnoException).code, f.host, f.port);
    if (problem) throw new UsageError(problem, { helpHint: false });
    throw err;
  }
  const what = staticDir ? "console and gateway" : "gateway";
  // Under `eddy dev` the Vite URL is the one to open; this line must not look like a second one.
  if (process.env.EDDY_DEV) console.error(`eddy gateway: listening on port ${gw.port}; source: ${source.info.description}`);
  else {
    console.error(`eddy serve: ${reachability({ what, host: f.host, port: gw.port, token: token !== undefined, allowedHosts })}`);
    console.error(`eddy serve: source: ${source.info.description}; Ctrl-C stops`);
    if (selection.user.metrics.length) console.error(`eddy serve: user-defined metrics from ${selection.file}: ${selection.user.metrics.map((m) => m.name).join(", ")}`);
  }
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  // With our handlers gone, a second Ctrl-C during the bounded close ends the process at once.
  if (!(await gw.close())) {
    console.error(`eddy serve: the ${source.info.kind === "kafka" ? "Kafka consumer" : "source"} did not stop within ${CLOSE_TIMEOUT_MS} ms; exiting anyway`);
    // Whatever it still holds (a fetch in flight, a retry timer) must not keep the process up.
    setTimeout(() => process.exit(0), 100).unref();
  }
  return 0;
}
