/**
 * The generation loop: pulls records from an {@link EventSource} at the pacer's rate and
 * writes them to a {@link Target} until the count, the duration or an abort ends the run.
 */
import { EventSource, type SourceCounts, type SourceOptions } from "./source";
import { Pacer, systemClock, type Clock } from "./pacer";
import type { Target, TargetStats } from "./target";

/** What to generate and how fast. */
export interface GenerateOptions extends SourceOptions {
  /** Records per second; `Infinity` = as fast as the target takes them. */
  rate: number;
  /** Stop after this many records. */
  count?: number;
  /** Stop after this much wall time (ms). */
  durationMs?: number;
  /** Largest batch handed to the target at once (default 1000). */
  maxBatch?: number;
}

/** Progress and the final summary of a run. */
export interface GenerateSummary {
  /** Records produced by the source (and handed to the target). */
  produced: number;
  counts: SourceCounts;
  target: TargetStats;
  elapsedMs: number;
  /** Achieved records per second. */
  rate: number;
}

/** Optional hooks of {@link generate}. */
export interface GenerateHooks {
  clock?: Clock;
  signal?: AbortSignal;
  /** Called after every batch (cheap: do your own throttling). */
  onProgress?: (s: GenerateSummary) => void;
}

/** A run that failed part-way; `summary` says how far it got. */
export class GenerateError extends Error {
  override name = "GenerateError";
  constructor(
    message: string,
    readonly summary: GenerateSummary,
  ) {
    super(message);
  }
}

/**
 * Generates records into `target` (opened and closed here). Resolves with the summary, or
 * rejects with a {@link GenerateError} carrying the summary when the target fails.
 */
export async function generate(options: GenerateOptions, target: Target, hooks: GenerateHooks = {}): Promise<GenerateSummary> {
  const clock = hooks.clock ?? systemClock;
  const source = new EventSource(options);
  const pacer = new Pacer(options.rate, clock);
  const maxBatch = options.maxBatch ?? 1000;
  const count = options.count ?? Infinity;
  let produced = 0;
  let started = clock.now();
  const summary = (): GenerateSummary => {
    const elapsedMs = clock.now() - started;
    return { produced, counts: { ...source.counts }, target: { ...target.stats }, elapsedMs, rate: elapsedMs > 0 ? (produced * 1000) / elapsedMs : 0 };
  };
  try {
    await target.open(source.topics);
    started = clock.now();
    const deadline = options.durationMs !== undefined ? started + options.durationMs : Infinity;
    while (produced < count && !hooks.signal?.aborted && clock.now() < deadline) {
      const n = await pacer.take(Math.min(maxBatch, count - produced));
      if (clock.now() >= deadline || hooks.signal?.aborted) break;
      const batch = new Array(n);
      for (let i = 0; i < n; i++) batch[i] = source.next();
      produced += n;
      await target.write(batch);
      hooks.onProgress?.(summary());
    }
    await target.flush();
    return summary();
  } catch (err) {
    throw new GenerateError(err instanceof Error ? err.message : String(err), summary());
  } finally {
    await target.close().catch(() => {});
  }
}

/** Formats a count compactly: 950, 12.3k, 1.2M. */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** The one-line summary printed at the end of `eddy generate`. */
export function summaryLine(s: GenerateSummary): string {
  const c = s.counts;
  return (
    `generated ${s.produced} events (${c.clickstream} clickstream, ${c.transactions} transactions, ${c.orders} orders) ` +
    `in ${(s.elapsedMs / 1000).toFixed(1)}s = ${compact(s.rate)}/s, invalid ${c.invalid}, late ${c.late}, ` +
    `anomalies ${c.anomalies}, errors ${s.target.errors}, retries ${s.target.retries}`
  );
}
