/**
 * Every window size, delay, gap and threshold of SPEC as one configuration object with the SPEC
 * values as defaults. The runner's flags and `--config` file map onto it; the web console uses
 * the defaults.
 */

/** Pipeline settings (all times in ms). */
export interface PipelineConfig {
  /** Watermark delay per input stream (SPEC: 5 min). */
  watermarkDelayMs: number;
  /** A stream quiet for this long (wall clock) leaves the watermark minimum (SPEC: 30 s). */
  idleTimeoutMs: number;
  /** page_views, product_activity, orders_metrics tumbling size (SPEC: 1 min). */
  activityWindowMs: number;
  /** category_revenue sliding window (SPEC: 5 min every 1 min). */
  revenueWindowMs: number;
  revenueSlideMs: number;
  /** conversions click window and match horizon (SPEC: 1 min, 10 min). */
  conversionWindowMs: number;
  conversionHorizonMs: number;
  /** Session gap (SPEC: 30 min). */
  sessionGapMs: number;
  /** Z-score: minimum earlier samples and |z| threshold (SPEC: 30, 3). */
  zMinSamples: number;
  zThreshold: number;
  /** traffic sliding window (SPEC: 5 min every 1 min) and how many top urls (SPEC: 10). */
  trafficWindowMs: number;
  trafficSlideMs: number;
  topUrls: number;
  /** funnel tumbling size (SPEC: 5 min). */
  funnelWindowMs: number;
}

/** The SPEC defaults. */
export const DEFAULT_PIPELINE_CONFIG: Readonly<PipelineConfig> = Object.freeze({
  watermarkDelayMs: 5 * 60_000,
  idleTimeoutMs: 30_000,
  activityWindowMs: 60_000,
  revenueWindowMs: 5 * 60_000,
  revenueSlideMs: 60_000,
  conversionWindowMs: 60_000,
  conversionHorizonMs: 10 * 60_000,
  sessionGapMs: 30 * 60_000,
  zMinSamples: 30,
  zThreshold: 3,
  trafficWindowMs: 5 * 60_000,
  trafficSlideMs: 60_000,
  topUrls: 10,
  funnelWindowMs: 5 * 60_000,
});

/** Fills in defaults and rejects impossible combinations with a message naming the setting. */
export function resolvePipelineConfig(partial: Partial<PipelineConfig> = {}): PipelineConfig {
  const c: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...partial };
  for (const [k, v] of Object.entries(c)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a finite number >= 0, got ${String(v)}`);
  }
  const positive = ["activityWindowMs", "revenueWindowMs", "revenueSlideMs", "conversionWindowMs", "sessionGapMs", "trafficWindowMs", "trafficSlideMs", "funnelWindowMs", "zMinSamples", "topUrls"] as const;
  for (const k of positive) if (!(c[k] > 0)) throw new RangeError(`${k} must be > 0, got ${c[k]}`);
  if (c.revenueWindowMs % c.revenueSlideMs !== 0) throw new RangeError(`revenueWindowMs (${c.revenueWindowMs}) must be a multiple of revenueSlideMs (${c.revenueSlideMs})`);
  if (c.trafficWindowMs % c.trafficSlideMs !== 0) throw new RangeError(`trafficWindowMs (${c.trafficWindowMs}) must be a multiple of trafficSlideMs (${c.trafficSlideMs})`);
  return c;
}

/** One setting whose restored value differs from the requested one. */
export interface SettingChange {
  key: keyof PipelineConfig;
  /** Value recorded in the snapshot. */
  stored: number;
  /** Value the caller asked for. */
  wanted: number;
}

/**
 * A snapshot was written with other pipeline settings than the ones asked for. Its state (window
 * buckets, open sessions, watermark delay) only makes sense under the old settings, so the
 * pipeline refuses rather than silently keeping either side: Spark Structured Streaming likewise
 * does not allow changing a stateful query's windows or watermark between restarts from the same
 * checkpoint.
 */
export class PipelineSettingsError extends Error {
  override name = "PipelineSettingsError";
  constructor(readonly changes: SettingChange[]) {
    super(`the snapshot was written with other settings: ${changes.map((c) => `${c.key} ${c.stored} (asked ${c.wanted})`).join(", ")}`);
  }
}

/**
 * The settings a snapshot recorded, checked to be a complete {@link PipelineConfig}. A snapshot
 * without them (or with other keys) comes from another eddy build: that is an incompatible
 * snapshot, not a settings change, and it throws a plain Error.
 */
export function storedPipelineConfig(stored: unknown): PipelineConfig {
  if (!stored || typeof stored !== "object") throw new Error("the snapshot records no pipeline settings (written by an older eddy build)");
  const keys = Object.keys(DEFAULT_PIPELINE_CONFIG);
  const got = Object.keys(stored);
  const missing = keys.filter((k) => !got.includes(k));
  const extra = got.filter((k) => !keys.includes(k));
  if (missing.length || extra.length) {
    throw new Error(`the snapshot records other pipeline settings than this build knows (${[...missing.map((k) => "no " + k), ...extra.map((k) => "unknown " + k)].join(", ")}): written by another eddy build`);
  }
  return resolvePipelineConfig(stored as PipelineConfig);
}

/** The settings that differ between a snapshot's and the requested configuration, in declaration order. */
export function diffPipelineConfig(stored: PipelineConfig, wanted: PipelineConfig): SettingChange[] {
  const out: SettingChange[] = [];
  for (const key of Object.keys(DEFAULT_PIPELINE_CONFIG) as (keyof PipelineConfig)[]) {
    if (stored[key] !== wanted[key]) out.push({ key, stored: stored[key], wanted: wanted[key] });
  }
  return out;
}
