/**
 * `eddy run` configuration: flags, environment (KAFKA_BROKERS, …) and `--config eddy.config.json`
 * (same names as the flags, flag wins), with every SPEC window, delay, gap and threshold as a
 * default. A wrong value names the setting and the accepted range.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { DEFAULT_MAX_FUTURE_SKEW_MS } from "../../core/events";
import { DEFAULT_PIPELINE_CONFIG, type PipelineConfig, resolvePipelineConfig } from "../../core/pipeline/config";
import { type FlagSpec, formatDuration, type HelpSections, parseFlags, UsageError } from "../args";
import { LOG_FORMATS, type LogFormatFlag } from "../log";
import { didYouMean } from "../suggest";
import { loadMetricSelection, type MetricSelection, METRICS_FLAGS } from "./metrics-file";

const D = DEFAULT_PIPELINE_CONFIG;
const dur = (help: string, def: number, min = 0) => ({ type: "duration" as const, help, default: def, min });

/** Outputs of `eddy run`: `files` is shorthand for both `jsonl` and `parquet`. */
export const SINK_CHOICES = ["console", "kafka", "files", "jsonl", "parquet"] as const;
export type SinkName = (typeof SINK_CHOICES)[number];

/** The flags of `eddy run`. */
export const RUN_FLAGS = {
  input: { type: "string", help: "read a generator JSONL file (bounded: everything closes at its end) instead of Kafka" },
  brokers: { type: "string", env: "KAFKA_BROKERS", help: "Kafka bootstrap servers, host:port[,host:port]" },
  group: { type: "string", default: "eddy", help: "Kafka consumer group; also names the checkpoint and the transactional id" },
  "clickstream-topic": { type: "string", default: "clickstream", help: "name of the clickstream topic" },
  "transactions-topic": { type: "string", default: "transactions", help: "name of the transactions topic" },
  "orders-topic": { type: "string", default: "orders", help: "name of the orders topic" },
  "until-end": { type: "bool", default: false, help: "Kafka: stop at the end offsets seen at start (bounded run)" },
  sink: { type: "list", choices: SINK_CHOICES, help: "outputs, comma-separated; files = jsonl and parquet; default console,kafka for Kafka input, console,files for --input" },
  output: { type: "string", default: "output", help: "folder of the files sink" },
  "checkpoint-dir": { type: "string", help: "checkpoint folder when no Kafka sink is used (default <output>/_checkpoints)" },
  "checkpoint-interval": dur("how often output, offsets and state are committed together", 10_000, 100),
  trigger: dur("how often update rows go to the sinks (the console prints the rows that changed); 0 = after every poll", 5000, 0),
  parallel: { type: "bool", default: false, help: "join the group's split of the input partitions: runners with the same --group share the work through Kafka's group protocol (see docs/scaling.md); without it one runner reads every partition" },
  workers: { type: "string", env: "EDDY_WORKERS", help: "start N parallel runners in one group on this machine (processes), or auto = one per core; implies --parallel" },
  "poll-records": { type: "int", default: 10_000, min: 1, max: 1_000_000, help: "most records per poll, i.e. per batch through the pipeline" },
  "max-restarts": { type: "int", default: 10, min: 0, max: 1_000_000, help: "in-process restarts from the last checkpoint after a failure (broker lost, commit failed) before giving up" },
  "metrics-port": { type: "int", default: 0, min: 0, max: 65535, help: "serve Prometheus /metrics on this port; 0 = off" },
  "log-format": { type: "string", default: "auto", choices: LOG_FORMATS, help: "auto: readable status, warnings and summary when stdout is a terminal, else JSON lines on stderr; json or text to force one" },
  "console-top": { type: "int", default: 10, min: 0, max: 1_000_000, help: "console sink: rows per metric at each trigger, the top ones by the metric's main value (0 = every changed row)" },
  "results-topic": { type: "string", default: "analytics-results", help: "Kafka topic of final rows" },
  "anomalies-topic": { type: "string", default: "anomalies", help: "Kafka topic that also receives purchase_anomalies rows" },
  "processed-orders-topic": { type: "string", default: "processed-orders", help: "Kafka topic of each valid order enriched with its product name (the seeds' orders job)" },
  "product-metrics-topic": { type: "string", default: "product-metrics", help: "Kafka topic that also receives orders_metrics rows (the seeds' orders job)" },
  ...METRICS_FLAGS,
  catalog: { type: "string", help: "product catalog JSON (default: the built-in catalog)" },
  config: { type: "string", help: "JSON file with any of these settings (flags override it)" },
  "max-future-skew": dur("an event stamped further ahead of the wall clock is invalid (goes to the DLQ), so one far-future timestamp cannot push the watermark past every real event", DEFAULT_MAX_FUTURE_SKEW_MS),
  "watermark-delay": dur("allowed lateness per input stream", D.watermarkDelayMs),
  "idle-timeout": dur("a stream quiet this long leaves the watermark minimum", D.idleTimeoutMs),
  "activity-window": dur("page_views, product_activity, orders_metrics window", D.activityWindowMs, 1),
  "revenue-window": dur("category_revenue window size", D.revenueWindowMs, 1),
  "revenue-slide": dur("category_revenue slide (window must be a multiple)", D.revenueSlideMs, 1),
  "conversion-window": dur("conversions click window", D.conversionWindowMs, 1),
  "conversion-horizon": dur("a click converts when a purchase follows within this time", D.conversionHorizonMs),
  "session-gap": dur("sessions end after this much inactivity", D.sessionGapMs, 1),
  "z-threshold": { type: "float", default: D.zThreshold, min: 0, help: "purchase anomaly when |z| is above this" },
  "z-min-samples": { type: "int", default: D.zMinSamples, min: 1, max: 1_000_000, help: "earlier purchases a category needs before scoring" },
  "traffic-window": dur("traffic window size", D.trafficWindowMs, 1),
  "traffic-slide": dur("traffic slide (window must be a multiple)", D.trafficSlideMs, 1),
  "funnel-window": dur("funnel window", D.funnelWindowMs, 1),
} satisfies Record<string, FlagSpec>;

/** `eddy run --help` sections (flags in none are listed last). */
export const RUN_SECTIONS: HelpSections = [
  ["input", ["input", "brokers", "group", "clickstream-topic", "transactions-topic", "orders-topic", "until-end", "poll-records", "max-future-skew", "catalog", "config"]],
  ["scaling out", ["parallel", "workers"]],
  ["metrics", ["metrics-file", "only"]],
  ["output", ["sink", "output", "results-topic", "anomalies-topic", "processed-orders-topic", "product-metrics-topic", "trigger", "console-top", "log-format"]],
  ["checkpointing and recovery", ["checkpoint-interval", "checkpoint-dir", "max-restarts"]],
  ["windows and thresholds (SPEC defaults)", [
    "watermark-delay", "idle-timeout", "activity-window", "revenue-window", "revenue-slide", "conversion-window",
    "conversion-horizon", "session-gap", "z-threshold", "z-min-samples", "traffic-window", "traffic-slide", "funnel-window",
  ]],
  ["monitoring", ["metrics-port"]],
];

/** Which file formats the sinks ask for (`files` = both), or undefined for no file output. */
export function fileFormats(sinks: readonly SinkName[]): { jsonl: boolean; parquet: boolean } | undefined {
  const jsonl = sinks.includes("files") || sinks.includes("jsonl");
  const parquet = sinks.includes("files") || sinks.includes("parquet");
  return jsonl || parquet ? { jsonl, parquet } : undefined;
}

/**
 * The flag that sets each pipeline setting (`topUrls` has none: it is fixed at SPEC's 10 outside
 * code), so that messages about a setting can name what the user types.
 */
export const PIPELINE_SETTING_FLAGS: Readonly<Record<keyof PipelineConfig, string | undefined>> = {
  watermarkDelayMs: "--watermark-delay",
  idleTimeoutMs: "--idle-timeout",
  activityWindowMs: "--activity-window",
  revenueWindowMs: "--revenue-window",
  revenueSlideMs: "--revenue-slide",
  conversionWindowMs: "--conversion-window",
  conversionHorizonMs: "--conversion-horizon",
  sessionGapMs: "--session-gap",
  zMinSamples: "--z-min-samples",
  zThreshold: "--z-threshold",
  trafficWindowMs: "--traffic-window",
  trafficSlideMs: "--traffic-slide",
  topUrls: undefined,
  funnelWindowMs: "--funnel-window",
};

/** A pipeline setting's value as its flag takes it: `30m`, `90s`, `250ms` for times, the number otherwise. */
export function formatSetting(key: keyof PipelineConfig, value: number): string {
  return key.endsWith("Ms") ? formatDuration(value) : String(value);
}

/** Resolved settings of one run. */
export interface RunConfig {
  input?: string;
  brokers: string[];
  group: string;
  topics: { clickstream: string; transactions: string; orders: string };
  untilEnd: boolean;
  sinks: SinkName[];
  output: string;
  checkpointDir: string;
  checkpointIntervalMs: number;
  triggerMs: number;
  metricsPort: number;
  logFormat: LogFormatFlag;
  consoleTop: number;
  maxRestarts: number;
  pollRecords: number;
  resultsTopic: string;
  anomaliesTopic: string;
  productMetricsTopic: string;
  processedOrdersTopic: string;
  catalog?: string;
  maxFutureSkewMs: number;
  pipeline: PipelineConfig;
  /** User-defined metrics and the built-in ones kept (`--metrics-file`, `--only`). */
  metrics: MetricSelection;
  /** `--parallel` (or `--workers`): this runner takes its share of the group's tasks. */
  parallel: boolean;
  /** `--workers N`: runner processes to start here (0 = this process is the runner). */
  workers: number;
}

/** `--workers N|auto` → a count (`auto` = one per core). */
export function parseWorkers(v: string | undefined, cores = availableParallelism()): number {
  if (v === undefined) return 0;
  if (v === "auto") return cores;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers ${v}: expected a whole number from 1 to 256, or auto (one per core: ${cores} here)`);
  return n;
}

/** What `--parallel` requires of the other flags; throws the problem and the fix. */
function checkParallel(parallel: boolean, input: string | undefined, sinks: SinkName[]): SinkName[] {
  if (!parallel) return sinks;
  if (input) throw new UsageError("--parallel and --workers split Kafka partitions among runners; --input reads a file. Drop --input and read the topics with --brokers, or drop --parallel.");
  if (!sinks.includes("kafka")) throw new UsageError("--parallel writes its rows through Kafka transactions: add kafka to --sink (e.g. --sink kafka).");
  const files = sinks.filter((s) => s === "files" || s === "jsonl" || s === "parquet");
  if (files.length) throw new UsageError(`--parallel runners write to Kafka only; --sink ${files.join(",")} would need one folder per runner. Use --sink kafka and read the results topic, or run without --parallel.`);
  // Each runner holds only some tasks, so a console of its rows would show fragments: runners log status instead.
  return sinks.filter((s) => s !== "console");
}

function readConfigFile(path: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as Error).message}. Pass a JSON object whose keys are run flags, e.g. {"watermark-delay": "2m"}.`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new UsageError(`--config ${path}: expected a JSON object of run flags`);
  const argv: string[] = [];
  for (const [k, v] of Object.entries(json)) {
    if (!(k in RUN_FLAGS) || k === "config") {
      const known = Object.keys(RUN_FLAGS).filter((f) => f !== "config");
      throw new UsageError(`--config ${path}: unknown setting '${k}'.${didYouMean(k, known, (f) => `'${f}'`)} The settings are the flags of \`eddy run --help\`.`);
    }
    argv.push(`--${k}=${Array.isArray(v) ? v.join(",") : String(v)}`);
  }
  return argv;
}

/** Parses argv (and the config file it names) into a {@link RunConfig}; `help` when --help. */
export function parseRunConfig(argv: string[], env: Record<string, string | undefined> = process.env): { help: boolean; config: RunConfig } {
  const first = parseFlags(argv, RUN_FLAGS, env);
  // Config file values come first so that flags override them.
  const f = first.config ? parseFlags([...readConfigFile(first.config), ...argv], RUN_FLAGS, env) : first;
  if (f._.length > 0) throw new UsageError(`unexpected argument '${f._[0]}': eddy run takes only --flags`);
  const fromKafka = !f.input;
  const sinks = (f.sink ?? (fromKafka ? ["console", "kafka"] : ["console", "files"])) as RunConfig["sinks"];
  let pipeline: PipelineConfig;
  try {
    pipeline = resolvePipelineConfig({
      watermarkDelayMs: f["watermark-delay"],
      idleTimeoutMs: f["idle-timeout"],
      activityWindowMs: f["activity-window"],
      revenueWindowMs: f["revenue-window"],
      revenueSlideMs: f["revenue-slide"],
      conversionWindowMs: f["conversion-window"],
      conversionHorizonMs: f["conversion-horizon"],
      sessionGapMs: f["session-gap"],
      zThreshold: f["z-threshold"],
      zMinSamples: f["z-min-samples"],
      trafficWindowMs: f["traffic-window"],
      trafficSlideMs: f["traffic-slide"],
      funnelWindowMs: f["funnel-window"],
    });
  } catch (err) {
    const msg = (err as Error).message.replace(/(\w+)Ms\b/g, (_, k: string) => `--${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`);
    throw new UsageError(msg);
  }
  const workers = parseWorkers(f.workers);
  const parallel = f.parallel || workers > 0;
  const metrics = loadMetricSelection(f["metrics-file"], f.only);
  const brokers = (f.brokers ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if ((fromKafka || sinks.includes("kafka")) && brokers.length === 0) {
    throw new UsageError(
      fromKafka
        ? "no input: pass --input FILE.jsonl, or Kafka brokers with --brokers host:9092 or KAFKA_BROKERS (start a local one with `npm run kafka:start`)"
        : "--sink kafka needs brokers: pass --brokers host:9092 or set KAFKA_BROKERS",
    );
  }
  return {
    help: f.help,
    config: {
      input: f.input,
      brokers,
      group: f.group,
      topics: { clickstream: f["clickstream-topic"], transactions: f["transactions-topic"], orders: f["orders-topic"] },
      untilEnd: f["until-end"],
      sinks: checkParallel(parallel, f.input, sinks),
      parallel,
      workers,
      output: f.output,
      checkpointDir: f["checkpoint-dir"] ?? `${f.output}/_checkpoints`,
      checkpointIntervalMs: f["checkpoint-interval"],
      triggerMs: f.trigger,
      metricsPort: f["metrics-port"],
      logFormat: f["log-format"] as LogFormatFlag,
      consoleTop: f["console-top"],
      metrics,
      maxRestarts: f["max-restarts"],
      pollRecords: f["poll-records"],
      resultsTopic: f["results-topic"],
      anomaliesTopic: f["anomalies-topic"],
      productMetricsTopic: f["product-metrics-topic"],
      processedOrdersTopic: f["processed-orders-topic"],
      catalog: f.catalog,
      maxFutureSkewMs: f["max-future-skew"],
      pipeline,
    },
  };
}
