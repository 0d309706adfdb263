/**
 * The kafkajs client factory of `eddy run`: brokers from the flag or KAFKA_BROKERS, kafkajs's own
 * logging routed to eddy's logger (quiet by default, since kafkajs logs every reconnect attempt at
 * ERROR) and bounded connection/retry settings. The start-up reachability check is in reachable.ts.
 */
// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "./read-committed";
import kafkajs from "kafkajs";
import type { Kafka as KafkaClient, LogEntry } from "kafkajs";

const { Kafka, logLevel: LogLevel } = kafkajs;

/** Where kafkajs's log lines go. */
export type KafkaLogLevel = "error" | "warn" | "info" | "debug";
export type KafkaLog = (level: KafkaLogLevel, message: string) => void;

/** The broker of `npm run kafka:start`. */
export const DEFAULT_BROKERS = ["127.0.0.1:9092"];

/** Options of {@link createKafka}. */
export interface KafkaClientOptions {
  brokers: string[];
  /** Default `eddy`. */
  clientId?: string;
  /** Receives kafkajs's log lines at `logLevel` and above; none when absent (EDDY_DEBUG: stderr). */
  log?: KafkaLog;
  /** Default `warn` when `log` is given. */
  logLevel?: KafkaLogLevel | "nothing";
  /** TCP connect timeout per attempt (default 3 s). */
  connectionTimeoutMs?: number;
  /** Per-request timeout (default 30 s: a transaction commit waits for its markers). */
  requestTimeoutMs?: number;
  /** kafkajs retries of one operation before it fails (default 6, back-off 300 ms to 5 s). */
  retries?: number;
}

/**
 * Brokers from a `--brokers` flag value, else KAFKA_BROKERS, else 127.0.0.1:9092.
 * Accepts a comma-separated string or a list.
 */
export function resolveBrokers(flag?: string | string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const split = (s: string | string[]) => (Array.isArray(s) ? s : s.split(",")).map((b) => b.trim()).filter(Boolean);
  const fromFlag = flag === undefined ? [] : split(flag);
  if (fromFlag.length) return fromFlag;
  const fromEnv = split(env.KAFKA_BROKERS ?? "");
  return fromEnv.length ? fromEnv : [...DEFAULT_BROKERS];
}

const LEVELS: Record<KafkaLogLevel | "nothing", number> = {
  nothing: LogLevel.NOTHING,
  error: LogLevel.ERROR,
  warn: LogLevel.WARN,
  info: LogLevel.INFO,
  debug: LogLevel.DEBUG,
};

function levelName(level: number): KafkaLogLevel {
  if (level <= LogLevel.ERROR) return "error";
  if (level === LogLevel.WARN) return "warn";
  if (level === LogLevel.INFO) return "info";
  return "debug";
}

function stderrLog(level: KafkaLogLevel, message: string): void {
  process.stderr.write(`[kafka ${level}] ${message}\n`);
}

/** Formats one kafkajs log entry as a single line: namespace, message and the useful extras. */
function formatEntry({ namespace, log }: LogEntry): string {
  const { message, timestamp: _t, logger: _l, stack: _s, ...extra } = log as LogEntry["log"] & { stack?: string };
  const rest = Object.entries(extra)
    .filter(([, v]) => v !== undefined && typeof v !== "object")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  return `${namespace ? `${namespace}: ` : ""}${message}${rest ? ` (${rest})` : ""}`;
}

/** A kafkajs client with eddy's defaults. */
export function createKafka(options: KafkaClientOptions): KafkaClient {
  if (options.brokers.length === 0) throw new Error("no Kafka brokers given (use --brokers or KAFKA_BROKERS)");
  const log = options.log ?? (process.env.EDDY_DEBUG ? stderrLog : undefined);
  const level = log ? LEVELS[options.logLevel ?? (process.env.EDDY_DEBUG ? "info" : "warn")] : LogLevel.NOTHING;
  return new Kafka({
    clientId: options.clientId ?? "eddy",
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: options.retries ?? 6, initialRetryTime: 300, maxRetryTime: 5000 },
    logLevel: level,
    logCreator: () => (entry) => {
      // kafkajs warns that bounded retries may break an idempotent producer's ordering; eddy
      // aborts the whole transaction on any failed send, so nothing out of order is committed.
      if (entry.log.message.startsWith("Limiting retries for the idempotent producer")) return;
      log?.(levelName(entry.level), formatEntry(entry));
    },
  });
}

// The reachability check lives in reachable.ts; these names stay importable from here.
export { KafkaUnavailableError, waitForBroker } from "./reachable";

/** A readable message of any thrown value, with kafkajs's nested cause when there is one. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause instanceof Error && !err.message.includes(cause.message) ? `${err.message}: ${cause.message}` : err.message;
}

/** Rejects with `onTimeout()` unless `p` settles within `ms`. */
export function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
