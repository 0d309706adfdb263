/**
 * POST /collect: a beacon endpoint a web page sends its own clickstream to. Each event is
 * validated against SPEC (clickstream shape); a request is all-or-nothing (400 names the first
 * bad event); accepted events are batched to the clickstream topic (one produce call per
 * `batchMs` or `batchSize` events), keyed by user_id as SPEC says.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { DEFAULT_MAX_FUTURE_SKEW_MS, validateValue } from "../../core/events";
import type { GatewayMetrics } from "./metrics";
import { clientAddress, clientKey } from "./client-address";
import { RateLimiter } from "./rate-limit";
import type { GatewaySource, OutgoingMessage } from "./source";

/** Limits of /collect. */
export interface CollectOptions {
  /** Default 64 KiB. */
  maxBytes?: number;
  /** Default 100. */
  maxEvents?: number;
  /** Requests per second per client (an IPv4 address or IPv6 /64; default 20, burst 2 × rate). */
  ratePerSecond?: number;
  burst?: number;
  /** Requests per second across all clients (default 500, burst 2 × rate). */
  globalRatePerSecond?: number;
  globalBurst?: number;
  /** Clients whose buckets are remembered (default 10,000, least recently used evicted). */
  maxClients?: number;
  /** Take the client from X-Forwarded-For when the peer is a proxy (see client-address.ts). */
  trustProxy?: boolean;
  /** Producing cadence (default 50 ms, 500 events). */
  batchMs?: number;
  batchSize?: number;
  /** Events stamped further ahead of the wall clock are refused (default 1 h). */
  maxFutureSkewMs?: number;
  now?: () => number;
}

/** Collects accepted events and produces them in batches. */
export class CollectBatcher {
  private queue: OutgoingMessage[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: GatewaySource,
    private readonly topic: string,
    private readonly batchMs: number,
    private readonly batchSize: number,
  ) {}

  add(messages: OutgoingMessage[]): void {
    this.queue.push(...messages);
    if (this.queue.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  /** Produces what is queued; resolves when every batch so far is written (or failed and logged). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) {
      this.inflight = this.inflight.then(() =>
        this.source.produce(this.topic, batch).catch((err: unknown) => {
          console.error(`eddy gateway: /collect could not produce ${batch.length} events: ${String(err)}`);
        }),
      );
    }
    return this.inflight;
  }
}

/** Default per-client and global request rates of /collect (per second). */
export const COLLECT_RATE = 20;
export const COLLECT_GLOBAL_RATE = 500;

function peerAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "local";
}

/** Mounts POST /collect on `app`; returns the batcher (to flush on shutdown). */
export function mountCollect(app: Hono, source: GatewaySource, metrics: GatewayMetrics, opts: CollectOptions = {}): CollectBatcher {
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const maxEvents = opts.maxEvents ?? 100;
  const rate = opts.ratePerSecond ?? COLLECT_RATE;
  const globalRate = opts.globalRatePerSecond ?? COLLECT_GLOBAL_RATE;
  const limiter = new RateLimiter({
    rate,
    burst: opts.burst ?? 2 * rate,
    globalRate,
    globalBurst: opts.globalBurst ?? 2 * globalRate,
    maxKeys: opts.maxClients,
    now: opts.now,
  });
  const trustProxy = opts.trustProxy ?? false;
  const maxFutureSkewMs = opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  const topic = source.topics.find((t) => t.kind === "clickstream")!.name;
  const batcher = new CollectBatcher(source, topic, opts.batchMs ?? 50, opts.batchSize ?? 500);
  const reject = (c: Context, status: 400 | 413 | 415 | 429, reason: string, error: string, index?: number) => {
    metrics.collectRejected.inc({ reason });
    return c.json(index === undefined ? { error } : { error, index }, status);
  };
  app.post(
    "/collect",
    async (c, next) => {
      const verdict = limiter.take(clientKey(clientAddress(peerAddress(c), c.req.header("x-forwarded-for"), trustProxy)));
      if (!verdict.ok) {
        c.header("retry-after", String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
        return verdict.scope === "client"
          ? reject(c, 429, "rate", "too many requests from this client: slow down")
          : reject(c, 429, "rate_global", "the gateway is receiving too many /collect requests: retry later");
      }
      const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
      // text/plain is what navigator.sendBeacon sends for a string body.
      if (type !== "application/json" && type !== "text/plain") return reject(c, 415, "type", "send application/json (or text/plain from sendBeacon)");
      return next();
    },
    bodyLimit({ maxSize: maxBytes, onError: (c) => reject(c, 413, "size", `body larger than ${maxBytes} bytes`) }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return reject(c, 400, "json", "body is not valid JSON");
      }
      const events = body && typeof body === "object" && !Array.isArray(body) && "events" in body ? (body as { events: unknown }).events : body;
      const list = Array.isArray(events) ? events : [events];
      if (list.length === 0) return reject(c, 400, "empty", "no events");
      if (list.length > maxEvents) return reject(c, 413, "count", `more than ${maxEvents} events in one request`);
      const out: OutgoingMessage[] = [];
      // The wall clock itself, not `opts.now` (a test clock for the rate limiter).
      const future = { now: Date.now(), maxFutureSkewMs };
      for (let i = 0; i < list.length; i++) {
        const v = validateValue("clickstream", list[i], { future });
        if (!v.ok) return reject(c, 400, "invalid", `event ${i}: ${v.reason}`, i);
        out.push({ key: v.event.user_id, value: JSON.stringify(list[i]) });
      }
      batcher.add(out);
      metrics.collected.inc({}, out.length);
      return c.json({ accepted: out.length }, 202);
    },
  );
  return batcher;
}
