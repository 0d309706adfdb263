/**
 * `eddy run --parallel`: this process is one runner of the group's parallel runners (see
 * src/server/parallel/parallel-runner.ts and docs/scaling.md), restarted from its tasks'
 * checkpoints after a failure like the single runner.
 */
import { categoryOf } from "../../core/catalog";
import type { TransactionEvent } from "../../core/events";
import { MergeStore } from "../../core/merge/merge-store";
import { parallelRefusals, placementOf } from "../../core/merge/placement";
import { MetricRegistry } from "../../core/metrics/registry";
import { wasmKernels } from "../../core/pipeline/kernel-factory";
import { Pipeline } from "../../core/pipeline/pipeline";
import { instantiateCore } from "../../core/wasm";
import { UsageError } from "../args";
import { createKafka } from "../kafka/client";
import { waitForBroker } from "../kafka/reachable";
import { serveMetrics } from "../metrics/serve";
import { prepareLayout } from "../parallel/layout";
import { ParallelRunner } from "../parallel/parallel-runner";
import { TaskOutputSink } from "../parallel/task-output-sink";
import type { RunConfig } from "../runner/run-config";
import { Runner } from "../runner/runner";
import { RunnerMetrics } from "../runner/runner-metrics";
import { superviseUntilSignal } from "../runner/supervised-run";
import type { RunTerminal } from "../term/run-terminal";
import { catalogFrom, inputsByTopic, kafkaSinkFor } from "./run-wiring";

const ANOMALIES = "purchase_anomalies";

/** Builds one attempt of a parallel runner from `cfg`. */
async function buildParallel(cfg: RunConfig, term: RunTerminal, metrics: RunnerMetrics): Promise<ParallelRunner> {
  const catalog = catalogFrom(cfg);
  const core = await instantiateCore();
  const registry = MetricRegistry.forRun(cfg.pipeline, cfg.metrics.user, cfg.metrics.builtins);
  const refusals = parallelRefusals(registry);
  if (refusals.length) throw new UsageError(refusals.join("\n"), { helpHint: false });
  const topics = inputsByTopic(cfg);
  const kafka = createKafka({ brokers: cfg.brokers });
  const admin = kafka.admin();
  await admin.connect();
  const layout = await prepareLayout(admin, cfg.group, Object.keys(topics), [cfg.topics.clickstream, cfg.topics.transactions], 3).finally(() => admin.disconnect());
  const builtins = (cfg.metrics.builtins ?? MetricRegistry.builtin().names).filter((n) => n !== ANOMALIES);
  const anomalies = registry.has(ANOMALIES);
  const groups = [...new Set(registry.metrics.map((m) => m.group))];
  const kernels = wasmKernels(core);
  const placement = (metric: string) => placementOf(registry.get(metric));
  return new ParallelRunner({
    kafka,
    group: cfg.group,
    layout,
    topics,
    bounded: cfg.untilEnd,
    checkpointIntervalMs: cfg.checkpointIntervalMs,
    log: term.log,
    sinkFor: (producer) => kafkaSinkFor(cfg, producer, registry),
    inputRunner: (task, o) =>
      new Runner({
        source: o.source,
        checkpoints: o.checkpoints,
        sinks: [
          new TaskOutputSink({
            task,
            inner: kafkaSinkFor(cfg, o.producer, registry),
            producer: o.producer,
            registry,
            placement,
            partialsTopic: layout.partialsTopic,
            byCategoryTopic: layout.byCategoryTopic,
            partitions: layout.tasks,
          }),
        ],
        topics,
        createPipeline: (snapshot) =>
          Pipeline.create({ kernels, config: cfg.pipeline, catalog, user: cfg.metrics.user, builtins, partials: true }, snapshot),
        checkpointIntervalMs: cfg.checkpointIntervalMs,
        // Parallel runners have no sink of update rows (the console is off): never compute them.
        triggerMs: Number.MAX_SAFE_INTEGER,
        maxPoll: cfg.pollRecords,
        maxFutureSkewMs: cfg.maxFutureSkewMs,
        idleAfterMs: cfg.untilEnd ? undefined : cfg.pipeline.idleTimeoutMs,
        metrics,
        log: (event, fields) => term.log(event, { task, ...fields }),
        forward: anomalies
          ? (input, event, record) => {
              if (input !== "transactions") return undefined;
              const tx = event as TransactionEvent;
              const raw = typeof record.value === "string" ? record.value : Buffer.from(record.value ?? new Uint8Array()).toString();
              return { topic: layout.byCategoryTopic, key: tx.category ?? categoryOf(catalog, tx.product_id), value: raw };
            }
          : undefined,
      }),
    createStore: (snapshot) => new MergeStore({ registry, config: cfg.pipeline, upstream: Object.fromEntries(groups.map((g) => [g, layout.tasks])) }, snapshot),
    createAnomalies: anomalies
      ? (snapshot) => Pipeline.create({ kernels, config: cfg.pipeline, catalog, builtins: [ANOMALIES] }, snapshot)
      : undefined,
  });
}

/** Entry point of `eddy run --parallel`; resolves with the exit code. */
export async function runParallel(cfg: RunConfig, term: RunTerminal): Promise<number> {
  const log = term.log;
  await waitForBroker(cfg.brokers, { onWait: (message) => log("kafka", { message }) });
  const metrics = new RunnerMetrics();
  const server = cfg.metricsPort ? await serveMetrics(metrics.registry, cfg.metricsPort, "0.0.0.0") : undefined;
  if (server) log("metrics", { url: `http://127.0.0.1:${server.port}/metrics` });
  const t0 = Date.now();
  let stoppedBy: string | undefined;
  try {
    let current = await buildParallel(cfg, term, metrics);
    const gauges = () => current.gauges();
    metrics.bindGauges({ watermarks: () => gauges().watermarks(), lag: () => gauges().lag(), stateBytes: () => gauges().stateBytes() });
    ({ stoppedBy } = await superviseUntilSignal(current, {
      next: async () => (current = await buildParallel(cfg, term, metrics)),
      maxRestarts: cfg.maxRestarts,
      log,
      graceful: "graceful: finishing each task's batch and checkpointing (again to force)",
    }));
  } finally {
    server?.server.close();
  }
  log("done", { message: `parallel runner of group ${cfg.group} ${stoppedBy ? `stopped by ${stoppedBy}` : "reached the end of its input"} after ${((Date.now() - t0) / 1000).toFixed(1)} s` });
  return 0;
}
