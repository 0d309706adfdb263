/**
 * User-defined metrics through the gateway for tests: examples/metrics.json plus metrics that read
 * the SPEC fields version-1 frames never carried (event_id, session_id, browser, currency) and
 * those frames derive (timestamp, amount, device, transaction_id, order_id); a mixed stream of
 * SPEC events and `reviews` (nested, optional, mistyped and invalid ones, and one with an
 * over-long string); a {@link Hub} of those topics and a socket that keeps what it is sent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MAX_FUTURE_SKEW_MS, type TopicKind } from "../../src/core/events";
import { decodeFrame, type EventFrame, type MetricsInfo, type ServerMessage, type TopicInfo } from "../../src/core/frames";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { MetricJson, MetricsFileJson, UserMetrics } from "../../src/core/metrics/user/definition";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { validateDeclared } from "../../src/core/metrics/user/validate-event";
import type { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import type { HubSocket } from "../../src/server/gateway/connection";
import { Hub } from "../../src/server/gateway/hub";
import { records, validate } from "./pipeline";
import { reviewRecords } from "./reviews-fixture";

/** Metrics over the SPEC fields frames carry as field columns or derive from their columns. */
const EXTRA: MetricJson[] = [
  { name: "clicks_by_browser", from: "clickstream", where: [{ field: "session_id", exists: true }, { field: "browser", ne: "safari" }], groupBy: ["browser"], window: { tumbling: "1m" }, aggregates: { events: { fn: "count" }, ids: { fn: "count_distinct", field: "event_id" }, sessions: { fn: "count_distinct", field: "session_id" }, latest: { fn: "max", field: "timestamp" } } },
  { name: "tx_by_currency", from: "transactions", where: [{ field: "amount", gt: 20 }], groupBy: ["currency"], window: { sliding: "4m", every: "2m" }, aggregates: { revenue: { fn: "sum", field: "amount" }, txs: { fn: "count_distinct", field: "transaction_id" } } },
  { name: "order_sizes", from: "orders", groupBy: ["product_id"], window: { tumbling: "5m" }, aggregates: { orders: { fn: "count_distinct", field: "order_id" }, avg: { fn: "avg", field: "amount" } } },
  { name: "ratings_by_verified", from: "reviews", where: [{ field: "user.country", in: ["de", "fr", "nowhere"] }, { field: "product_id", ne: "prod-003" }], groupBy: ["verified"], window: { sliding: "10m", every: "5m" }, aggregates: { avg: { fn: "avg", field: "rating" }, countries: { fn: "count_distinct", field: "user.country" }, ids: { fn: "count_distinct", field: "review_id" } } },
];

/** examples/metrics.json with the extra metrics. */
export function testDefinitions(): MetricsFileJson {
  const file = JSON.parse(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8")) as MetricsFileJson;
  return { ...file, metrics: [...file.metrics, ...EXTRA] };
}

/** The welcome's metrics info and the resolved metrics of {@link testDefinitions}. */
export function testMetrics(): { info: MetricsInfo; user: UserMetrics } {
  const definitions = testDefinitions();
  return { info: { definitions, only: null, source: "test" }, user: resolveMetrics(definitions, { builtins: MetricRegistry.builtin().names }) };
}

/** One input message: its input (SPEC kind or `reviews`), topic and raw value. */
export interface TestMessage {
  input: string;
  topic: string;
  value: string;
}

/** SPEC records and reviews over the same event time, interleaved, plus one review with a 300-byte country. */
export function testMessages(n: number, seed: number): TestMessage[] {
  const spec = records(n, { seed });
  const reviews = reviewRecords(Date.UTC(2026, 0, 1, 10), Math.floor(n / 8), seed);
  const out: TestMessage[] = [];
  let r = 0;
  spec.forEach((rec, k) => {
    out.push({ input: rec.kind, topic: rec.topic, value: rec.text });
    while (r < reviews.length && r * 8 <= k) out.push({ input: "reviews", topic: "reviews", value: reviews[r++].value });
  });
  const huge = { review_id: "r-huge", product_id: "prod-001", user: { id: "u", country: "x".repeat(300) }, rating: 5, created_at: Date.UTC(2026, 0, 1, 10, 30) };
  out.splice(out.length >> 1, 0, { input: "reviews", topic: "reviews", value: JSON.stringify(huge) });
  return out;
}

/** Validates a message as the runner and the gateway do (allowed future skew at the wall clock). */
export function validateMessage(user: UserMetrics, m: TestMessage): { ok: true; event: object; t: number } | { ok: false; reason: string } {
  const future = { now: Date.now(), maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS };
  const def = user.inputs.find((i) => i.name === m.input);
  const v = def ? validateDeclared(def, m.value, { future }) : validate(m.input as TopicKind, m.value);
  return v.ok ? { ok: true, event: v.event, t: v.t } : { ok: false, reason: v.reason };
}

/** The headless way: messages added to `p` as the runner adds them, processed every `batch`; final rows (finish when asked). */
export function headlessRows(p: Pipeline, user: UserMetrics, msgs: TestMessage[], batch: number, finish: boolean): { rows: OutputRow[]; invalid: number } {
  const rows: OutputRow[] = [];
  let invalid = 0;
  const flush = () => {
    rows.push(...p.process(0).rows, ...p.advance());
  };
  for (const m of msgs) {
    const v = validateMessage(user, m);
    if (!v.ok) {
      invalid++;
      continue;
    }
    p.add(m.input, v.event, v.t, `${m.topic}:0`, 0);
    if (p.batch.n >= batch) flush();
  }
  flush();
  if (finish) rows.push(...p.finish());
  return { rows, invalid };
}

/** A socket that decodes and keeps what the hub sends it. */
export class KeepingSocket implements HubSocket {
  frames: EventFrame[] = [];
  json: ServerMessage[] = [];
  send(data: Uint8Array | string): void {
    if (typeof data === "string") this.json.push(JSON.parse(data) as ServerMessage);
    else this.frames.push(decodeFrame(data));
  }
  bufferedAmount(): number {
    return 0;
  }
  close(): void {}
}

/** The hub's topics: the SPEC ones and the declared `reviews`. */
export const TEST_TOPICS: TopicInfo[] = [
  { name: "clickstream", kind: "clickstream" },
  { name: "transactions", kind: "transactions" },
  { name: "orders", kind: "orders" },
  { name: "reviews", kind: "declared", input: "reviews" },
];

/** A hub running `user`, one client (hello with `hello`), the messages ingested and flushed every `chunk`. */
export function gatewayFrames(user: UserMetrics, info: MetricsInfo, msgs: TestMessage[], chunk: number, hello: Record<string, unknown> = {}, opts: { maxFrameEvents?: number } = {}): { hub: Hub; socket: KeepingSocket } {
  const hub = new Hub({ topics: TEST_TOPICS, user, epoch: 9, maxFrameEvents: opts.maxFrameEvents ?? 4096 });
  const socket = new KeepingSocket();
  hub.connect(socket).handle(JSON.stringify({ type: "hello", v: 1, ...hello }), false, { source: { kind: "embedded", description: "test" }, resultsTopic: null, metrics: info });
  msgs.forEach((m, k) => {
    hub.ingest({ topic: m.topic, partition: 0, value: m.value, timestamp: 1000 + k });
    if ((k + 1) % chunk === 0) hub.flush();
  });
  hub.flush();
  return { hub, socket };
}
