/**
 * `--metrics-file` and `--only`: reads and validates the user-defined metrics before anything
 * else happens, so a mistake stops eddy at once (exit 2) with the metric, key, expected and found.
 */
import { readFileSync } from "node:fs";
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
}

/** Reads `file` (if any) and applies `only` (if any); throws a {@link UsageError} with every problem. */
export function loadMetricSelection(file: string | undefined, only: readonly string[] | undefined): MetricSelection {
  let user: UserMetrics = { inputs: [], metrics: [] };
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
    }
    if (!only || only.length === 0) return { user, file };
    const s = selectMetrics(user, MetricRegistry.builtin().names, only);
    return { user: s.user, builtins: s.builtins, file };
  } catch (err) {
    if (err instanceof DefinitionError) throw new UsageError(err.message, { helpHint: false });
    throw err;
  }
}
