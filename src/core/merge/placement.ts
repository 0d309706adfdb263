/**
 * Where a metric runs when eddy runs as parallel runners (SPEC "Parallel runners"): one task per
 * input partition index, the inputs keyed by user_id, as Kafka Streams splits a topology into
 * tasks. A metric whose rows are final within a task (per user, per event) leaves from the task;
 * one aggregated across users is pre-aggregated per task and its partial rows merged after a
 * repartition by metric key (Flink's local-global aggregation); purchase_anomalies scores each
 * category's transactions in order, so it runs after a repartition by category.
 */
import type { MetricDeclaration } from "../metrics/declaration";
import type { MetricRegistry } from "../metrics/registry";

/** `task`: rows final in the task; `merge`: partial rows merged across tasks; `category`: after a repartition by category. */
export type Placement = "task" | "merge" | "category";

/** The Kafka key of every input: one user's events share a task. */
const TASK_KEY = "user_id";

/** Why `decl` cannot run split across tasks, or undefined when it can. */
function refusal(decl: MetricDeclaration): string | undefined {
  const m = decl.merge;
  if (m.kind !== "by-key" || m.key === TASK_KEY || m.key === "category") return undefined;
  const what = decl.window.kind === "session" ? `its session windows are per ${m.key ? `'${m.key}'` : "(no key)"}` : `its rows are per '${m.key}'`;
  return (
    `metric '${decl.name}' cannot run split across parallel runners: ${what}, and only ${TASK_KEY} (the inputs' Kafka key) keeps ` +
    `all events of a key in one runner. Fix: add "${TASK_KEY}" to its groupBy, or run a single runner without --parallel.`
  );
}

/** Where `decl` runs in a parallel run; throws with {@link parallelRefusals}' message for a metric that cannot. */
export function placementOf(decl: MetricDeclaration): Placement {
  const m = decl.merge;
  switch (m.kind) {
    case "fields":
      return "merge";
    case "per-event":
      return "task";
    case "by-key":
      if (m.key === TASK_KEY) return "task";
      if (m.key === "category") return "category";
      throw new Error(refusal(decl));
  }
}

/** One readable message per metric of `registry` that cannot run split across tasks; [] when all can. */
export function parallelRefusals(registry: MetricRegistry): string[] {
  return registry.metrics.flatMap((d) => refusal(d) ?? []);
}
