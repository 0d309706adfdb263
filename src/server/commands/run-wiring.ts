/**
 * What the single runner and the parallel runners of `eddy run` are wired from alike: the
 * catalog, the topic → input map and the Kafka sink's topics.
 */
import { readFileSync } from "node:fs";
import { type Catalog, DEFAULT_CATALOG, loadCatalog } from "../../core/catalog";
import type { MetricRegistry } from "../../core/metrics/registry";
import { UsageError } from "../args";
import type { TransactionalProducer } from "../kafka/transactional-producer";
import { inputsByTopic as topicInputs } from "../runner/metrics-file";
import type { RunConfig } from "../runner/run-config";
import { KafkaSink } from "../sinks/kafka-sink";

/** The run's product catalog (`--catalog`, else the built-in one). */
export function catalogFrom(cfg: RunConfig): Catalog {
  if (!cfg.catalog) return DEFAULT_CATALOG;
  try {
    return loadCatalog(readFileSync(cfg.catalog, "utf8"));
  } catch (err) {
    throw new UsageError(`--catalog ${cfg.catalog}: ${(err as Error).message}`);
  }
}

/** Topic name → input name: the SPEC topics under their configured names, then declared inputs. */
export function inputsByTopic(cfg: RunConfig): Record<string, string> {
  return topicInputs(cfg.topics, cfg.metrics);
}

/** The Kafka sink of a run on `producer`, with the run's topics. */
export function kafkaSinkFor(cfg: RunConfig, producer: TransactionalProducer, registry: MetricRegistry): KafkaSink {
  return new KafkaSink({
    producer,
    resultsTopic: cfg.resultsTopic,
    topics: {
      purchase_anomalies: [cfg.resultsTopic, cfg.anomaliesTopic],
      orders_metrics: [cfg.resultsTopic, cfg.productMetricsTopic],
      processed_orders: [cfg.processedOrdersTopic],
    },
    metrics: registry,
  });
}
