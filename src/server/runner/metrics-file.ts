/**
 * `--metrics-file` and `--only`: reads and validates the user-defined metrics before anything
 * else happens, so a mistake stops eddy at once (exit 2) with the metric, key, expected and found.
 */
import { readFileSync } from "node:fs";
import type { MetricsInfo, TopicInfo } from "../../core/frames/protocol";
import { MetricRegistry } from "../../core/metrics/registry";
import { DefinitionError } from "../../core/metrics/user/definition-error";
import type { UserMetrics } from "../../core/metrics/user/definition";
import { parseMetrics, selectMetrics } from "../../core/metrics/user/parse";
import { UsageError } from "../args";

/** The metrics a run computes: user-defined ones and the built-in ones kept. */
export interface MetricSelection {
  user: UserMetrics;
  /** Built-in metric names to run; undefined = all. */
  builtins?: string[];
  /** Where the definitions came from (for messages), when from a file. */
  file?: string;
  /** The file's JSON as written (what the web console's worker validates again). */
  json?: unknown;
  /** `--only` as given. */
  only?: string[];
}

/** The `--metrics-file` and `--only` flags, shared by `eddy run`, `eddy serve` and `eddy dev`. */
export const METRICS_FLAGS = {
  "metrics-file": { type: "string", help: "JSON file of user-defined metrics run beside the built-in ones (see examples/metrics.json)" },
  only: { type: "list", help: "run only these metrics (built-in or user-defined names), comma-separated" },
} as const;

/** Reads `file` (if any) and applies `only` (if any); throws a {@link UsageError} with every problem. */
export function loadMetricSelection(file: string | undefined, only: readonly string[] | undefined): MetricSelection {
  let user: UserMetrics = { inputs: [], metrics: [] };
  let json: unknown;
  try {
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`--metrics-file ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a file" : (err as Error).message}. Pass a JSON file of metric definitions (see examples/metrics.json).`, { helpHint: false });
      }
      user = parseMetrics(text, { builtins: MetricRegistry.builtin().names, source: file });
      json = JSON.parse(text) as unknown;
    }
    if (!only || only.length === 0) return { user, file, json };
    const s = selectMetrics(user, MetricRegistry.builtin().names, only);
    return { user: s.user, builtins: s.builtins, file, json, only: [...only] };
  } catch (err) {
    if (err instanceof DefinitionError) throw new UsageError(err.message, { helpHint: false });
    throw err;
  }
}

/**
 * Topic name → input name of a run or a gateway: the SPEC topics under their configured names,
 * then the declared inputs. A declared input on a SPEC topic is a usage error.
 */
export function inputsByTopic(topics: { clickstream: string; transactions: string; orders: string }, metrics: MetricSelection): Record<string, string> {
  const out: Record<string, string> = {
    [topics.clickstream]: "clickstream",
    [topics.transactions]: "transactions",
    [topics.orders]: "orders",
  };
  for (const d of metrics.user.inputs) {
    if (out[d.topic]) throw new UsageError(`input '${d.name}' of ${metrics.file} reads topic '${d.topic}', which is already the ${out[d.topic]} topic: give the input another topic`, { helpHint: false });
    out[d.topic] = d.name;
  }
  return out;
}

/** The declared inputs' topics as a gateway forwards them. */
export function declaredTopics(metrics: MetricSelection): TopicInfo[] {
  return metrics.user.inputs.map((d) => ({ name: d.topic, kind: "declared" as const, input: d.name }));
}

/** What the gateway's `welcome` says about the metrics (null when no file was given). */
export function metricsInfo(metrics: MetricSelection): MetricsInfo | null {
  if (metrics.json === undefined) return null;
  return { definitions: metrics.json, only: metrics.only ?? null, source: metrics.file ?? "metrics file" };
}
