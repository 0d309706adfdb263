/**
 * The gateway's HTTP API (docs/frames.md, "HTTP API"): health, topics with partitions, offsets,
 * consumer groups and lag, recent messages and their live tail (Server-Sent Events), browsing
 * any topic by offset, time and text, /metrics.
 */
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/registry";
import type { Hub } from "./hub";
import type { MessageLog } from "./message-log";
import type { GatewayMetrics } from "./metrics";
import type { BrowseFrom, GatewaySource } from "./source";

/** Most messages one browse returns. */
const MAX_BROWSE = 500;

const started = Date.now();

/** Mounts the API routes on `app` (auth is the caller's middleware). */
export function mountApi(app: Hono, hub: Hub, source: GatewaySource, log: MessageLog, metrics: GatewayMetrics): void {
  app.get("/api/health", (c) =>
    c.json({ ok: true, source: source.info, epoch: hub.epoch, clients: hub.connections.size, uptimeMs: Date.now() - started, events: hub.events, invalid: hub.invalid }),
  );

  app.get("/api/topics", async (c) => {
    try {
      return c.json({ source: source.info, topics: await source.listTopics() });
    } catch (err) {
      return c.json({ error: `cannot list topics: ${err instanceof Error ? err.message : String(err)}` }, 503);
    }
  });

  app.get("/api/groups", async (c) => {
    if (!source.listGroups) return c.json({ source: source.info, groups: [] });
    try {
      return c.json({ source: source.info, groups: await source.listGroups() });
    } catch (err) {
      return c.json({ error: `cannot list consumer groups: ${err instanceof Error ? err.message : String(err)}` }, 503);
    }
  });

  app.get("/api/topics/:name/browse", async (c) => {
    if (!source.browse) return c.json({ error: "this source cannot browse topics" }, 501);
    const name = c.req.param("name");
    const num = (k: string) => {
      const v = c.req.query(k);
      return v === undefined || v === "" ? undefined : Number(v);
    };
    const limit = num("limit") ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BROWSE) return c.json({ error: `limit must be an integer 1..${MAX_BROWSE}` }, 400);
    const partition = num("partition");
    if (partition !== undefined && !(Number.isInteger(partition) && partition >= 0)) return c.json({ error: "partition must be a non-negative integer" }, 400);
    const offset = num("offset");
    const timestamp = num("timestamp");
    if (offset !== undefined && timestamp !== undefined) return c.json({ error: "give offset or timestamp, not both" }, 400);
    if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) return c.json({ error: "offset must be a non-negative integer" }, 400);
    if (timestamp !== undefined && !(Number.isFinite(timestamp) && timestamp >= 0)) return c.json({ error: "timestamp must be epoch milliseconds" }, 400);
    const from: BrowseFrom = offset !== undefined ? { kind: "offset", offset } : timestamp !== undefined ? { kind: "time", ms: timestamp } : { kind: "newest" };
    const q = c.req.query("q") || undefined;
    if (q && q.length > 200) return c.json({ error: "q is longer than 200 characters" }, 400);
    try {
      return c.json(await source.browse({ topic: name, limit, from, ...(partition !== undefined ? { partition } : {}), ...(q ? { q } : {}) }));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const status = err instanceof RangeError || /does not host this topic-partition|unknown topic/i.test(msg) ? 404 : 503;
      return c.json({ error: `cannot read ${name}: ${msg}` }, status);
    }
  });

  app.get("/api/topics/:name/messages", async (c) => {
    const name = c.req.param("name");
    const known = source.topics.some((t) => t.name === name) || name === source.resultsTopic || log.has(name);
    if (!known) return c.json({ error: `topic ${name} is not read by the gateway (it tails its input and results topics)` }, 404);
    const limitText = c.req.query("limit") ?? "50";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > log.capacity) return c.json({ error: `limit must be an integer 1..${log.capacity}` }, 400);
    if (c.req.query("follow") !== "1") return c.json({ topic: name, messages: log.recent(name, limit) });
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      // Recent messages and the listener are taken in the same tick: none is missed or repeated.
      const queue: string[] = log.recent(name, limit).map((m) => JSON.stringify(m));
      const stop = log.follow(name, (m) => {
        // A slow reader loses the oldest messages rather than growing the queue without end.
        if (queue.length >= 1000) queue.shift();
        queue.push(JSON.stringify(m));
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        while (open) {
          if (queue.length === 0) await new Promise<void>((r) => (wake = r));
          wake = undefined;
          while (open && queue.length > 0) await stream.writeSSE({ event: "message", data: queue.shift()! });
        }
      } finally {
        stop();
      }
    });
  });

  app.get("/metrics", (c) => c.body(metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));
}
