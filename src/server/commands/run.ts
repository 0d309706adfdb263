/**
 * `eddy run`: the headless job. Kafka (or a JSONL file) in → every SPEC metric → console, Kafka
 * (exactly-once) and files, with checkpoints, a DLQ and a late side output.
 */
import { MetricRegistry } from "../../core/metrics/registry";
import { wasmKernels } from "../../core/pipeline/kernel-factory";
import { Pipeline } from "../../core/pipeline/pipeline";
import { instantiateCore } from "../../core/wasm";
import { helpText, UsageError } from "../args";
import { FileCheckpointStore } from "../checkpoint/file-checkpoint-store";
import { KafkaCheckpointStore } from "../checkpoint/kafka-checkpoint-store";
import type { CheckpointStore, Sink, Source } from "../io/types";
import { ensureWritableDir } from "../io/writable-dir";
import { createKafka } from "../kafka/client";
import { waitForBroker } from "../kafka/reachable";
import { TransactionalProducer, transactionalIdFor } from "../kafka/transactional-producer";
import { serveMetrics } from "../metrics/serve";
import { fileFormats, parseRunConfig, RUN_FLAGS, RUN_SECTIONS, type RunConfig } from "../runner/run-config";
import { Runner, type RunnerOptions } from "../runner/runner";
import { superviseUntilSignal } from "../runner/supervised-run";
import { RunnerMetrics } from "../runner/runner-metrics";
import { FileSink } from "../sinks/file-sink";
import { writeRunSummary } from "../sinks/run-summary";
import { FileSource } from "../sources/file-source";
import { KafkaSource } from "../sources/kafka-source";
import { RunTerminal } from "../term/run-terminal";
import { catalogFrom, inputsByTopic, kafkaSinkFor } from "./run-wiring";
import { runParallel } from "./run-parallel";
import { runWorkers } from "../parallel/workers";

const USAGE = `usage: eddy run [--input FILE.jsonl | --brokers host:9092] [options]

Reads clickstream, transactions and orders, computes every SPEC metric and writes final rows
to the selected sinks, committing output, offsets and state together at each checkpoint.`;

/** Builds the source, sinks and checkpoint store of a run. */
function wire(cfg: RunConfig, runnerRef: () => Runner | undefined, term: RunTerminal, registry: MetricRegistry): { source: Source; sinks: Sink[]; checkpoints: CheckpointStore } {
  const inputTopics = Object.keys(inputsByTopic(cfg));
  // kafkajs logs every retried request at error level (a loading coordinator at start-up, a moved
  // leader); the source and the producer report what actually fails, so its lines are debug output.
  const kafkaLog = process.env.EDDY_DEBUG ? (level: string, msg: string) => term.log("kafka", { level, msg }) : undefined;
  const kafka = cfg.brokers.length ? createKafka({ brokers: cfg.brokers, log: kafkaLog }) : undefined;
  const source: Source = cfg.input
    ? new FileSource({ path: cfg.input, topics: inputTopics })
    : new KafkaSource({
        kafka: kafka!, brokers: cfg.brokers, group: cfg.group, topics: inputTopics, untilEnd: cfg.untilEnd,
        // What the source reports (a lost broker or coordinator, a partition read from elsewhere).
        log: (level, msg) => term.log("kafka-source", { level, msg }),
      });
  const sinks: Sink[] = [];
  let checkpoints: CheckpointStore;
  if (cfg.sinks.includes("kafka")) {
    const producer = new TransactionalProducer(kafka!, { transactionalId: transactionalIdFor(cfg.group) });
    sinks.push(kafkaSinkFor(cfg, producer, registry));
    checkpoints = new KafkaCheckpointStore({ producer, group: cfg.group, commitOffsets: !cfg.input });
  } else {
    checkpoints = new FileCheckpointStore({ dir: cfg.checkpointDir });
  }
  const formats = fileFormats(cfg.sinks);
  if (formats) sinks.push(new FileSink({ dir: cfg.output, formats, metrics: registry }));
  if (cfg.sinks.includes("console")) sinks.push(term.consoleSink(() => ({ runner: runnerRef(), source }), registry));
  return { source, sinks, checkpoints };
}

function bindGauges(metrics: RunnerMetrics, current: () => { runner: Runner; source: Source }): void {
  metrics.bindGauges({
    watermarks: () => (current().runner.started ? current().runner.current.watermarks() : {}),
    lag: () => current().source.lag(),
    stateBytes: () => current().runner.stateBytes,
  });
}

/** A runner wired from a {@link RunConfig}, not yet started. */
export interface BuiltRun {
  runner: Runner;
  source: Source;
  metrics: RunnerMetrics;
}

/** Builds the runner of `cfg` (source, sinks, checkpoints, pipeline on a fresh WASM core). */
export async function buildRun(
  cfg: RunConfig,
  extra: Partial<Pick<RunnerOptions, "onProcessed" | "log">> = {},
  shared?: RunnerMetrics,
  term = new RunTerminal(cfg),
): Promise<BuiltRun> {
  const catalog = catalogFrom(cfg);
  const core = await instantiateCore();
  let runner: Runner | undefined;
  const registry = MetricRegistry.forRun(cfg.pipeline, cfg.metrics.user, cfg.metrics.builtins);
  const { source, sinks, checkpoints } = wire(cfg, () => runner, term, registry);
  const topics = inputsByTopic(cfg);
  const metrics = shared ?? new RunnerMetrics();
  runner = new Runner({
    source,
    sinks,
    checkpoints,
    topics,
    createPipeline: (snapshot) =>
      Pipeline.create({ kernels: wasmKernels(core), config: cfg.pipeline, catalog, user: cfg.metrics.user, builtins: cfg.metrics.builtins }, snapshot),
    checkpointIntervalMs: cfg.checkpointIntervalMs,
    triggerMs: cfg.triggerMs,
    maxPoll: cfg.pollRecords,
    maxFutureSkewMs: cfg.maxFutureSkewMs,
    metrics,
    log: term.log,
    ...extra,
  });
  const r = runner;
  if (!shared) bindGauges(metrics, () => ({ runner: r, source }));
  return { runner: r, source, metrics };
}

/** The text of `eddy run --help`. */
export function help(): string {
  return helpText(USAGE, RUN_FLAGS, RUN_SECTIONS);
}

/** Entry point of `eddy run`. */
export async function run(argv: string[]): Promise<number> {
  const { config: cfg } = parseRunConfig(argv);
  // One metrics registry and one terminal for the whole process, across in-process restarts.
  const term = new RunTerminal(cfg);
  const log = term.log;
  if (cfg.workers > 1) return runWorkers(argv, cfg.workers, log);
  if (cfg.parallel) return runParallel(cfg, term);
  // Folders that cannot be written fail at once (exit 2), before anything connects or is read.
  if (fileFormats(cfg.sinks)) await ensureWritableDir(cfg.output, "--output");
  if (!cfg.sinks.includes("kafka")) await ensureWritableDir(cfg.checkpointDir, "--checkpoint-dir");
  // A broker that cannot be reached at start is a clear error at once, never a restart loop: the
  // supervisor below is for failures after a first successful connection.
  if (!cfg.input || cfg.sinks.includes("kafka")) {
    await waitForBroker(cfg.brokers, { onWait: (message) => log("kafka", { message }) });
  }
  const metrics = new RunnerMetrics();
  let built = await buildRun(cfg, {}, metrics, term);
  bindGauges(metrics, () => built);
  term.startStatus(() => built);
  const server = cfg.metricsPort ? await serveMetrics(metrics.registry, cfg.metricsPort, "0.0.0.0") : undefined;
  if (server) log("metrics", { url: `http://127.0.0.1:${server.port}/metrics` });
  const t0 = Date.now();
  let stoppedBy: string | undefined;
  try {
    ({ stoppedBy } = await superviseUntilSignal(built.runner, {
      next: async () => (built = await buildRun(cfg, {}, metrics, term)).runner,
      maxRestarts: cfg.maxRestarts,
      log,
      graceful: "graceful: finishing the batch and checkpointing (again to force)",
    }));
  } finally {
    server?.server.close();
    term.stopStatus();
  }
  const r = built.runner;
  if (fileFormats(cfg.sinks)) await writeRunSummary(cfg.output, r.stats);
  term.finish(r.stats, (Date.now() - t0) / 1000, stoppedBy ? `stopped by ${stoppedBy}` : "end of input");
  return 0;
}
