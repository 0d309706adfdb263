/**
 * The /ws protocol's JSON (text) messages, both directions, and the validation of what a client
 * sends (docs/frames.md, "WebSocket protocol"). Binary messages are event frames (./format).
 * Isomorphic: the gateway validates with it, the browser builds its messages with its types.
 */
import { FRAME_DICTS, FRAME_DICTS_V2 } from "./format";

/** Protocol version of the JSON messages (the frame format has its own, in each frame). */
export const PROTOCOL_VERSION = 1;
/** Default gateway port (`eddy serve --port`, the Vite dev proxy). */
export const DEFAULT_GATEWAY_PORT = 8787;
/** Largest text message a client may send; larger ones close the socket (1009). */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

/** First message of a client: what it wants and which dictionary state it already holds. */
export interface HelloMessage {
  type: "hello";
  v: number;
  /** Epoch of the dictionaries the client holds (from an earlier frame), or null. */
  epoch?: number | null;
  /** Sizes of the client's dictionaries, in FRAME_DICTS (or FRAME_DICTS_V2) order; ignored unless `epoch` matches. */
  dicts?: number[] | null;
  /** Topic names whose events to receive (default: every input topic the gateway knows). */
  topics?: string[];
  /** Also receive the headless runner's result rows (default false). */
  results?: boolean;
  /**
   * Replay the subscribed topics from Kafka's offsets for this Kafka timestamp (epoch ms) before
   * the live stream, with nothing lost or repeated at the switch (additive; see `history`).
   */
  history?: { sinceMs: number } | null;
}

/** Changes the subscription; dictionary state carries over. */
export interface SubscribeMessage {
  type: "subscribe";
  topics: string[];
  results?: boolean;
}

/** Liveness probe; answered with a `pong` carrying the same id. */
export interface PingMessage {
  type: "ping";
  id?: number;
}

export type ClientMessage = HelloMessage | SubscribeMessage | PingMessage;

/** An input topic the gateway forwards. */
export interface TopicInfo {
  name: string;
  /** A SPEC topic kind, or (additive) `declared`: a declared input of the user-defined metrics. */
  kind: "clickstream" | "transactions" | "orders" | "declared";
  /** The declared input's name (kind `declared`). */
  input?: string;
}

/**
 * The user-defined metrics a gateway runs (`eddy serve --metrics-file`, additive in `welcome`):
 * the file's JSON as written and the `--only` names, which the worker validates and selects with
 * the same code as the gateway, so both derive the same metrics, inputs and frame field columns.
 */
export interface MetricsInfo {
  /** The metrics file's JSON (src/core/metrics/user/definition.ts MetricsFileJson). */
  definitions: unknown;
  /** `--only` names (built-in or user-defined), or null for every metric. */
  only: string[] | null;
  /** Where the definitions came from, for messages. */
  source: string;
}

/** Where the gateway's events come from. */
export interface SourceInfo {
  /** `embedded`: the in-process generator (no Kafka); `kafka`: real topics. */
  kind: "embedded" | "kafka";
  /** Human-readable, e.g. "embedded generator, 200 events/s" or "Kafka 127.0.0.1:9092". */
  description: string;
}

/** Answer to `hello`. */
export interface WelcomeMessage {
  type: "welcome";
  v: number;
  epoch: number;
  source: SourceInfo;
  topics: TopicInfo[];
  /** Topic of the runner's result rows, or null when results cannot be had (embedded source). */
  resultsTopic: string | null;
  /** True when the client's dictionaries are not reused: the next frame has FLAG_RESET. */
  reset: boolean;
  /** The subscription now in force. */
  subscribed: { topics: string[]; results: boolean };
  frameIntervalMs: number;
  limits: { maxFrameEvents: number; maxClientMessageBytes: number };
  /** User-defined metrics to run beside the built-in ones (additive; absent or null: none). */
  metrics?: MetricsInfo | null;
}

/** Answer to `subscribe`. */
export interface SubscribedMessage {
  type: "subscribed";
  topics: string[];
  results: boolean;
}

/** Result rows of the headless runner (final rows from `analytics-results`, JSON as written). */
export interface ResultsMessage {
  type: "results";
  rows: Record<string, unknown>[];
}

/**
 * Sent when the client's backpressure state changes: `sampling` (some frames skipped),
 * `dropping` (every frame skipped until the socket drains), `ok` again.
 */
export interface BackpressureMessage {
  type: "backpressure";
  state: "ok" | "sampling" | "dropping";
  /** Events skipped for this client since it connected. */
  droppedTotal: number;
  bufferedBytes: number;
}

/** Once a second: what the gateway has seen (per topic), for the console's status bar. */
export interface StatsMessage {
  type: "stats";
  /** Valid events received per topic since start. */
  events: Record<string, number>;
  /** Invalid messages per topic since start (not forwarded). */
  invalid: Record<string, number>;
  /** Events skipped for this client since it connected. */
  droppedTotal: number;
  /** The gateway's own consumer lag on the input topics, messages (additive; 0 for the embedded source). */
  lag?: number;
}

/**
 * Progress of a `hello.history` replay: `replaying` first (and about once a second), then the
 * replayed event frames, then `done`; every frame between `replaying` and `done` is history.
 * `unavailable` / `failed` say why there is none (the live stream goes on either way).
 */
export interface HistoryMessage {
  type: "history";
  state: "replaying" | "done" | "failed" | "unavailable";
  sinceMs: number;
  /** Messages replayed so far (valid and invalid). */
  messages: number;
  /** Messages to replay, from the offsets, when known. */
  total: number | null;
  reason?: string;
}

export interface PongMessage {
  type: "pong";
  id?: number;
}

/** A protocol error; the gateway closes the socket after it when `fatal`. */
export interface ErrorMessage {
  type: "error";
  reason: string;
  fatal: boolean;
}

export type ServerMessage = WelcomeMessage | SubscribedMessage | ResultsMessage | BackpressureMessage | StatsMessage | HistoryMessage | PongMessage | ErrorMessage;

/** Result of {@link parseClientMessage}. */
export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; reason: string };

function stringList(v: unknown, field: string): string | undefined {
  if (!Array.isArray(v)) return `'${field}' must be an array of topic names`;
  if (v.length > 64) return `'${field}' lists more than 64 topics`;
  for (const s of v) if (typeof s !== "string" || s.length === 0 || s.length > 249) return `'${field}' must hold topic names (1..249 characters)`;
  return undefined;
}

/** Validates a client's text message; never throws. */
export function parseClientMessage(text: string): ParsedClientMessage {
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return { ok: false, reason: `message longer than ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { ok: false, reason: "message is not valid JSON" };
  }
  if (typeof m !== "object" || m === null || Array.isArray(m)) return { ok: false, reason: "message must be a JSON object" };
  const o = m as Record<string, unknown>;
  let e: string | undefined;
  switch (o.type) {
    case "hello": {
      if (o.v !== PROTOCOL_VERSION) return { ok: false, reason: `protocol version ${String(o.v)} not supported (expected ${PROTOCOL_VERSION})` };
      if (o.epoch != null && !(Number.isInteger(o.epoch) && (o.epoch as number) >= 0 && (o.epoch as number) <= 0xffffffff)) return { ok: false, reason: "'epoch' must be a u32 or null" };
      if (o.dicts != null) {
        const d = o.dicts;
        // Five for version-1 frames, six when the client also holds the `values` dictionary (version 2).
        if (!Array.isArray(d) || (d.length !== FRAME_DICTS.length && d.length !== FRAME_DICTS_V2.length) || !d.every((x) => Number.isInteger(x) && x >= 0)) {
          return { ok: false, reason: `'dicts' must be ${FRAME_DICTS.length} or ${FRAME_DICTS_V2.length} non-negative integers (${FRAME_DICTS_V2.join(", ")})` };
        }
      }
      if (o.topics !== undefined && (e = stringList(o.topics, "topics"))) return { ok: false, reason: e };
      if (o.results !== undefined && typeof o.results !== "boolean") return { ok: false, reason: "'results' must be a boolean" };
      if (o.history != null) {
        const h = o.history as { sinceMs?: unknown };
        if (typeof h !== "object" || Array.isArray(h) || typeof h.sinceMs !== "number" || !Number.isFinite(h.sinceMs) || h.sinceMs < 0) {
          return { ok: false, reason: "'history' must be {\"sinceMs\": epoch ms} or null" };
        }
      }
      return { ok: true, message: o as unknown as HelloMessage };
    }
    case "subscribe":
      if ((e = stringList(o.topics, "topics"))) return { ok: false, reason: e };
      if (o.results !== undefined && typeof o.results !== "boolean") return { ok: false, reason: "'results' must be a boolean" };
      return { ok: true, message: o as unknown as SubscribeMessage };
    case "ping":
      if (o.id !== undefined && typeof o.id !== "number") return { ok: false, reason: "'id' must be a number" };
      return { ok: true, message: o as unknown as PingMessage };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(o.type)?.slice(0, 40)}` };
  }
}
