/**
 * The generation loop: pulls records from an {@link EventSource} as its {@link EventClock}
 * releases them (finite speeds: the model's users set the rate) or at the pacer's rate (speed
 * Infinity), and writes them to a {@link Target} until the count, the duration or an abort ends
 * the run.
 */
import { TOPIC_KINDS, type TopicKind } from "../../core/events";
import { EventClock } from "./event-clock";
import { recordsPerUserHour, usersForRate } from "./model";
import { EventSource, type GeneratedRecord, type SourceCounts, type SourceOptions } from "./source";
import { Pacer, systemClock, type Clock } from "./pacer";
import type { Target, TargetStats } from "./target";

/** Most users sized from a rate (about 320 bytes each; 1M users make ~12,000 events/s at wall speed). */
export const MAX_USERS = 1_000_000;

/** Most records per second of the default topics at wall speed ({@link MAX_USERS} users). */
export const MAX_WALL_RATE = Math.floor((MAX_USERS * recordsPerUserHour({ clickstream: true, transactions: true, orders: true }, 0.05)) / 3600);

/** Users at speed Infinity when none are given (the rate paces, so any count works). */
export const SIMULATED_USERS = 1000;

/** What to generate and how fast. */
export interface GenerateOptions extends Omit<SourceOptions, "startMs" | "users"> {
  /**
   * Records per second. At a finite speed it sizes the users (a user makes ~44 events per hour of
   * event time) rather than pacing; at speed Infinity it paces, `Infinity` = as fast as the target
   * takes them.
   */
  rate: number;
  /**
   * Event-time ms per wall ms (see src/server/generator/event-clock.ts): 1 (default) = the wall
   * clock, N > 1 accelerated, Infinity = simulated as fast as records are produced.
   */
  speed?: number;
  /**
   * Start of event time, epoch ms, never after the wall clock. Default: now at speed 1,
   * {@link EventClock.defaultStart} at speed N, and at speed Infinity early enough that the
   * expected run (count, or rate × duration; else a day) ends before now.
   */
  startMs?: number;
  /** Simulated users (default: as many as `rate` needs at `speed`; {@link SIMULATED_USERS} at speed Infinity). */
  users?: number;
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
  /** Monotonic clock for pacing and waiting; event time follows it from `wallMs`. */
  clock?: Clock;
  /** The wall clock at the start, epoch ms (default `Date.now()`). */
  wallMs?: number;
  signal?: AbortSignal;
  /** Called once before the target opens, with how event time will run (for a start-up line). */
  onStart?: (plan: GeneratePlan) => void;
  /** Called once when event time reaches the wall clock (speed N or Infinity) and wall speed takes over. */
  onCaughtUp?: (wallMs: number) => void;
  /** Called after every batch (cheap: do your own throttling). */
  onProgress?: (s: GenerateSummary) => void;
}

/** How a run's event time and users were resolved from its options. */
export interface GeneratePlan {
  speed: number;
  startMs: number;
  users: number;
  clock: EventClock;
  /** One sentence: how event time runs, and (at finite speeds) the users and rate that follow. */
  description: string;
}

function producedKinds(topics: readonly TopicKind[] | undefined): Record<TopicKind, boolean> {
  const t = topics ?? TOPIC_KINDS;
  return { clickstream: t.includes("clickstream"), transactions: t.includes("transactions"), orders: t.includes("orders") };
}

/**
 * Resolves speed, start and users; throws a RangeError naming the option when they cannot work
 * (a start ahead of the wall clock, a rate that would need more than {@link MAX_USERS} users).
 */
export function planGeneration(o: GenerateOptions, wallMs: number): GeneratePlan {
  const speed = o.speed ?? 1;
  if (!(speed >= 1)) throw new RangeError(`speed must be >= 1 or Infinity, got ${speed}`);
  const kinds = producedKinds(o.topics);
  const orderShare = o.orderShare ?? 0.05;
  let users = o.users;
  if (users === undefined) {
    if (!Number.isFinite(speed)) users = SIMULATED_USERS;
    else if (!Number.isFinite(o.rate)) throw new RangeError("at a finite speed the rate follows from the users: give users, or a finite rate");
    else {
      users = usersForRate(o.rate / speed, kinds, orderShare);
      if (users > MAX_USERS) {
        throw new RangeError(`${o.rate} events/s at speed ${speed} needs ~${users.toLocaleString("en-US")} simulated users (at most ${MAX_USERS.toLocaleString("en-US")}): raise the speed or lower the rate`);
      }
    }
  }
  let startMs = o.startMs;
  if (startMs === undefined) {
    if (Number.isFinite(speed)) startMs = EventClock.defaultStart(speed, wallMs);
    else {
      const expected = o.count ?? (o.durationMs !== undefined && Number.isFinite(o.rate) ? (o.rate * o.durationMs) / 1000 : undefined);
      // 10% and an hour of margin: the model's rate fluctuates, and a bounded file should end before now.
      const spanMs = expected !== undefined ? ((expected / (users * recordsPerUserHour(kinds, orderShare))) * 3_600_000 * 1.1) + 3_600_000 : 86_400_000;
      startMs = wallMs - Math.ceil(spanMs / 60_000) * 60_000;
    }
  }
  const clock = new EventClock(speed, startMs, wallMs);
  let description = clock.describe();
  if (Number.isFinite(speed)) {
    const rate = (users * recordsPerUserHour(kinds, orderShare) * speed) / 3600;
    description += ` (${users.toLocaleString("en-US")} simulated users make ~${Math.round(rate).toLocaleString("en-US")} events/s${speed === 1 ? "; sessions take real minutes" : ""})`;
  }
  return { speed, startMs, users, clock, description };
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
  const c0 = clock.now();
  const plan = planGeneration(options, hooks.wallMs ?? Date.now());
  const wallNow = () => plan.clock.wallStartMs + (clock.now() - c0);
  const source = new EventSource({ ...options, startMs: plan.startMs, users: plan.users });
  // Finite speeds: the event clock releases the model's events, so the users set the rate.
  const pacer = Number.isFinite(plan.speed) ? undefined : new Pacer(options.rate, clock);
  const maxBatch = options.maxBatch ?? 1000;
  const count = options.count ?? Infinity;
  let produced = 0;
  let caughtUp = false;
  let started = clock.now();
  const summary = (): GenerateSummary => {
    const elapsedMs = clock.now() - started;
    return { produced, counts: { ...source.counts }, target: { ...target.stats }, elapsedMs, rate: elapsedMs > 0 ? (produced * 1000) / elapsedMs : 0 };
  };
  try {
    hooks.onStart?.(plan);
    await target.open(source.topics);
    started = clock.now();
    const deadline = options.durationMs !== undefined ? started + options.durationMs : Infinity;
    while (produced < count && !hooks.signal?.aborted && clock.now() < deadline) {
      const want = Math.min(maxBatch, count - produced);
      const n = pacer ? await pacer.take(want) : want;
      if (clock.now() >= deadline || hooks.signal?.aborted) break;
      const wall = wallNow();
      const limit = plan.clock.limit(wall);
      const batch: GeneratedRecord[] = [];
      while (batch.length < n) {
        const r = source.nextBy(limit);
        if (!r) break;
        batch.push(r);
      }
      if (batch.length > 0) {
        produced += batch.length;
        await target.write(batch);
        hooks.onProgress?.(summary());
      }
      if (batch.length < n) {
        // Waiting for event time: speed N before it catches up, or the wall-clock cap.
        if (!caughtUp && (pacer || plan.clock.caughtUp(wall)) && plan.speed !== 1) {
          caughtUp = true;
          hooks.onCaughtUp?.(wall);
        }
        const wait = plan.clock.wallUntil(source.peekTime(), wallNow());
        await clock.sleep(Math.min(MAX_WAIT_MS, deadline - clock.now(), Math.max(MIN_WAIT_MS, wait)));
      }
    }
    await target.flush();
    return summary();
  } catch (err) {
    throw new GenerateError(err instanceof Error ? err.message : String(err), summary());
  } finally {
    await target.close().catch(() => {});
  }
}

/** Shortest wait for event time: about one batch of records per wake-up, as the pacer's tick. */
const MIN_WAIT_MS = 10;
/** Longest wait, so that an abort or the deadline is seen promptly. */
const MAX_WAIT_MS = 250;

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
