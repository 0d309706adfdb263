/**
 * `eddy generate`: realistic clickstream, transactions and orders to Kafka or a JSONL file.
 *
 * Time (src/server/generator/event-clock.ts): by default event time is the wall clock, and
 * --rate sets how many simulated users there are (each makes ~44 events an hour). --speed N
 * runs event time N× faster from (N − 1) h ago, reaching the wall clock after an hour;
 * --speed max (implied by --rate max) simulates it as fast as the records are produced, from
 * --start. No mode stamps an event later than the wall clock. Byte-identical output needs
 * simulated time: --seed with --speed max (or --rate max, as for files) starts at --start, or
 * at 2026-01-01T00:00:00Z without it, so that a seed alone pins everything down.
 *
 * Topics: clickstream and transactions come from the behaviour model (~80% / 20%); orders are
 * an independent stream (as the original order producer was) at --order-share of the records
 * (default 5%), over the first --order-products catalog products, $10–$500.
 */
import { readFile } from "node:fs/promises";
import { CatalogError, DEFAULT_CATALOG, loadCatalog, type Catalog } from "../../core/catalog";
import { parseTimestamp, TOPIC_KINDS, type TopicKind } from "../../core/events";
import { helpText, parseDuration, parseFlags, UsageError, type FlagSpec } from "../args";
import { ACCELERATED_RUN_MS } from "../generator/event-clock";
import { humanDuration } from "../human-duration";
import { generate, GenerateError, type GenerateOptions, planGeneration, summaryLine, type GenerateSummary } from "../generator/run";
import { JsonlTarget } from "../generator/jsonl-target";
import { KafkaTarget } from "../generator/kafka-target";
import { KafkaUnavailableError, waitForBroker } from "../kafka/reachable";
import type { Target } from "../generator/target";

/** Event-clock start used with --seed when --start is absent. */
export const SEEDED_START = Date.UTC(2026, 0, 1);

const FLAGS = {
  brokers: { type: "list", default: ["127.0.0.1:9092"], env: "KAFKA_BROKERS", help: "Kafka bootstrap brokers, comma-separated" },
  out: { type: "string", help: "write JSONL to this file instead of Kafka (- for stdout)" },
  rate: { type: "string", help: "events per second, or max (as fast as the target takes them; implies --speed max); default 200 to Kafka, max to --out. At --speed 1 or N it sets the number of simulated users" },
  speed: { type: "string", help: `event time: 1 = the wall clock (default; max with --rate max); N > 1 = N× faster, from (N-1)×${humanDuration(ACCELERATED_RUN_MS)} ago, so it reaches the wall clock after ${humanDuration(ACCELERATED_RUN_MS)} and keeps wall speed; max = simulated as fast as events are produced, paced by --rate. Never ahead of the wall clock` },
  count: { type: "int", min: 1, help: "stop after this many events" },
  duration: { type: "duration", min: 1, help: "stop after this much wall time, e.g. 60s" },
  seed: { type: "int", min: 0, max: Number.MAX_SAFE_INTEGER, help: "PRNG seed: the same seed gives the same events (default random, printed)" },
  start: { type: "string", help: "event time start with --speed N or max: ISO-8601 with zone, epoch ms, now, or a duration ago such as -6h (default: see --speed; at --speed max 2026-01-01T00:00:00Z with --seed, else early enough to end before now)" },
  users: { type: "int", min: 1, max: 1_000_000, help: "simulated users (default: as many as --rate needs at --speed, ~44 events an hour each; 1000 at --speed max)" },
  catalog: { type: "string", help: "product catalog JSON file (default: built-in, 60 products)" },
  topics: { type: "list", default: [...TOPIC_KINDS], choices: TOPIC_KINDS, help: "topic kinds to produce" },
  "topic-prefix": { type: "string", default: "", help: "prefix of every topic name (e.g. test- gives test-clickstream)" },
  partitions: { type: "int", default: 3, min: 1, max: 10_000, help: "partitions of topics created when missing" },
  "out-of-order-ms": { type: "int", default: 120_000, min: 0, help: "events arrive up to this much out of order (keep below the watermark delay)" },
  "late-fraction": { type: "float", default: 0, min: 0, max: 1, help: "share of events older than the watermark delay (late per SPEC)" },
  "watermark-delay": { type: "duration", default: 300_000, min: 0, help: "watermark delay that late events exceed" },
  "invalid-fraction": { type: "float", default: 0, min: 0, max: 1, help: "share of invalid messages (malformed JSON, missing fields, bad amounts) for the DLQ" },
  "anomaly-fraction": { type: "float", default: 0, min: 0, max: 1, help: "share of purchases with amounts far outside their category's range" },
  "order-share": { type: "float", default: 0.05, min: 0, max: 1, help: "share of records that are orders (when orders are produced)" },
  "order-products": { type: "int", default: 5, min: 1, help: "orders use the first N catalog products" },
} satisfies Record<string, FlagSpec>;

const USAGE = "usage: eddy generate [--count N | --duration 60s] [--rate N|max] [--out FILE.jsonl] [options]";

function parseRate(text: string | undefined, toFile: boolean): number {
  if (text === undefined) return toFile ? Infinity : 200;
  if (text === "max") return Infinity;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`--rate: expected a number > 0 or max, got '${text}'. ${FLAGS.rate.help}`);
  return n;
}

function parseSpeed(text: string | undefined, rate: number): number {
  if (text === undefined) return Number.isFinite(rate) ? 1 : Infinity;
  if (text === "max") return Infinity;
  const n = Number(text);
  if (!(Number.isFinite(n) && n >= 1)) throw new UsageError(`--speed: expected a number >= 1 or max, got '${text}'. ${FLAGS.speed.help}`);
  return n;
}

function parseStart(text: string | undefined, seeded: boolean, speed: number, now: number): number | undefined {
  if (text === undefined) return seeded && !Number.isFinite(speed) ? SEEDED_START : undefined;
  if (text === "now") return now;
  const ago = /^-(.+)$/.exec(text);
  const agoMs = ago && !/^\d+$/.test(ago[1]) ? parseDuration(ago[1]) : undefined;
  const t = agoMs !== undefined ? now - agoMs : /^-?\d+$/.test(text) ? Number(text) : parseTimestamp(text);
  if (t === undefined || !Number.isSafeInteger(t)) throw new UsageError(`--start: expected ISO-8601 with a zone, epoch ms, now or a duration ago such as -6h, got '${text}'`);
  if (t > now) throw new UsageError(`--start ${text} is ahead of the wall clock (${new Date(now).toISOString()}): event time never runs ahead of it; give a past start`);
  if (speed === 1 && t !== now) throw new UsageError("--start needs --speed N or max: at --speed 1 event time is the wall clock");
  return t;
}

async function readCatalog(path: string | undefined): Promise<Catalog> {
  if (path === undefined) return DEFAULT_CATALOG;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`--catalog: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return loadCatalog(text);
  } catch (err) {
    if (err instanceof CatalogError) throw new UsageError(`--catalog ${path}: ${err.message}`);
    throw err;
  }
}

function randomSeed(): number {
  const [a] = crypto.getRandomValues(new Uint32Array(1));
  return a;
}

function progressLine(s: GenerateSummary): string {
  return `generating: ${s.produced} events, ${Math.round(s.rate)}/s, delivered ${s.target.delivered}, errors ${s.target.errors}, retries ${s.target.retries}`;
}

/** The text of `eddy generate --help`. */
export function help(): string {
  return helpText(USAGE, FLAGS);
}

/** Runs `eddy generate` with `argv`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (f.help) {
    console.log(helpText(USAGE, FLAGS));
    return 0;
  }
  if (f._.length > 0) throw new UsageError(`unexpected argument '${f._[0]}'. ${USAGE}`);
  const rate = parseRate(f.rate, f.out !== undefined);
  if (f.out !== undefined && rate === Infinity && f.count === undefined && f.duration === undefined) {
    throw new UsageError("--out at --rate max needs --count or --duration (it would fill the disk)");
  }
  const seed = f.seed ?? randomSeed();
  const speed = parseSpeed(f.speed, rate);
  if (Number.isFinite(speed) && f.users !== undefined && f.rate !== undefined) {
    throw new UsageError(`--rate and --users both set the rate at --speed ${speed} (each user makes ~44 events an hour of event time): give one of them, or --speed max to pace ${f.users} users at --rate`);
  }
  if (Number.isFinite(speed) && rate === Infinity && f.users === undefined) {
    throw new UsageError(`--rate max at --speed ${speed} needs --users (the rate follows from them); or drop --speed for simulated time`);
  }
  const now = Date.now();
  const options: GenerateOptions = {
    seed, speed, startMs: parseStart(f.start, f.seed !== undefined, speed, now), users: f.users, catalog: await readCatalog(f.catalog),
    topics: f.topics as TopicKind[], topicPrefix: f["topic-prefix"],
    outOfOrderMs: f["out-of-order-ms"], lateFraction: f["late-fraction"], watermarkDelayMs: f["watermark-delay"],
    invalidFraction: f["invalid-fraction"], anomalyFraction: f["anomaly-fraction"],
    orderShare: f["order-share"], orderProducts: f["order-products"],
    rate, count: f.count, durationMs: f.duration,
  };
  try {
    planGeneration(options, now);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(`${err.message} (--rate, --speed, --users)`);
    throw err;
  }
  // The same start-up check and message as every command that talks to Kafka.
  if (f.out === undefined) {
    try {
      await waitForBroker(f.brokers);
    } catch (err) {
      if (!(err instanceof KafkaUnavailableError)) throw err;
      console.error(`eddy generate: ${err.message}`);
      return 1;
    }
  }

  const target: Target = f.out !== undefined ? new JsonlTarget(f.out) : new KafkaTarget({ brokers: f.brokers, partitions: f.partitions });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const tty = process.stderr.isTTY === true;
  let last: GenerateSummary | undefined;
  const timer = tty ? setInterval(() => last && process.stderr.write(`\r\x1b[K${progressLine(last)}`), 500) : undefined;
  try {
    const summary = await generate(options, target, {
      signal: abort.signal,
      wallMs: now,
      onStart: (plan) => console.error(`eddy generate: ${plan.description}`),
      onCaughtUp: () => {
        if (tty) process.stderr.write("\r\x1b[K");
        console.error("eddy generate: event time reached the wall clock; it keeps wall speed from here on");
      },
      onProgress: (s) => (last = s),
    });
    if (tty) process.stderr.write("\r\x1b[K");
    console.error(`${summaryLine(summary)}, seed ${seed}`);
    return 0;
  } catch (err) {
    if (!(err instanceof GenerateError)) throw err;
    if (tty) process.stderr.write("\r\x1b[K");
    const s = err.summary;
    console.error(`eddy generate: ${err.message}`);
    console.error(`${summaryLine(s)}, delivered ${s.target.delivered} of ${s.produced}, seed ${seed}`);
    return 1;
  } finally {
    clearInterval(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
