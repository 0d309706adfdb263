/**
 * The metrics a gateway's `welcome` asks the worker to run: its metrics file's JSON validated and
 * its `--only` applied by the very functions `eddy run --metrics-file --only` uses, so the worker
 * derives the same user metrics, declared inputs and frame field columns as the gateway.
 */
import type { MetricsInfo } from "../../core/frames/protocol";
import { MetricRegistry } from "../../core/metrics/registry";
import type { UserMetrics } from "../../core/metrics/user/definition";
import { resolveMetrics, selectMetrics } from "../../core/metrics/user/parse";

/** User metrics and the built-in names kept (undefined = all); throws the DefinitionError of bad definitions. */
export function welcomeMetrics(info: MetricsInfo | null | undefined): { user: UserMetrics; builtins: string[] | undefined } {
  if (!info) return { user: { inputs: [], metrics: [] }, builtins: undefined };
  const names = MetricRegistry.builtin().names;
  const user = resolveMetrics(info.definitions, { builtins: names, source: info.source });
  if (!info.only?.length) return { user, builtins: undefined };
  return selectMetrics(user, names, info.only);
}
