/**
 * The gateway as a Hono app: auth, /ws, the API, /collect, /metrics and (for `eddy serve`) the
 * built console. {@link createGateway} wires a source to a hub; {@link startGateway} (server.ts)
 * puts it on a port.
 */
import { Hono } from "hono";
import { serveStatic } from "@hono/node-server/serve-static";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { mountApi } from "./api";
import { checkHost, checkOrigin, requireToken } from "./auth";
import { type CollectBatcher, type CollectOptions, mountCollect } from "./collect";
import { hostPolicy } from "./hosts";
import { Hub, type HubOptions } from "./hub";
import { MessageLog } from "./message-log";
import { GatewayMetrics } from "./metrics";
import type { MetricsInfo } from "../../core/frames";
import type { UserMetrics } from "../../core/metrics/user/definition";
import type { GatewaySource } from "./source";
import { mountWs } from "./ws";

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  source: GatewaySource;
  /** EDDY_TOKEN: required by the API, /metrics and /ws when set. */
  token?: string;
  /** Extra origins allowed to open /ws (EDDY_ALLOWED_ORIGINS). */
  allowedOrigins?: string[];
  /**
   * Host names answered besides loopback ones when no token is set, and allowed as /ws Origin
   * (--allowed-hosts; `.example.com` for a domain and its subdomains).
   */
  allowedHosts?: string[];
  /** Directory of the built console to serve at / (eddy serve); none in dev. */
  staticDir?: string;
  hub?: Omit<HubOptions, "topics" | "metrics">;
  collect?: CollectOptions;
  /** Allowed future skew of event time for /collect and for what the hub forwards (default 1 h). */
  maxFutureSkewMs?: number;
  /**
   * User-defined metrics (`--metrics-file`, `--only`): the hub forwards their declared inputs
   * (the source must list their topics) and the fields they read; `welcome` carries `info`.
   */
  metrics?: { user: UserMetrics; info: MetricsInfo | null };
}

/** A gateway: the app plus what it drives. */
export interface Gateway {
  app: Hono;
  hub: Hub;
  log: MessageLog;
  metrics: GatewayMetrics;
  source: GatewaySource;
  collect: CollectBatcher;
  /** Starts the source and the hub's timers. */
  start(): Promise<void>;
  /** Stops the source, flushes /collect, closes clients. */
  stop(): Promise<void>;
}

/** Builds the gateway app around `opts.source` (nothing runs until `start`). */
export function createGateway(opts: GatewayOptions): Gateway {
  const { source } = opts;
  const metrics = new GatewayMetrics();
  const hub = new Hub({
    maxFutureSkewMs: opts.maxFutureSkewMs,
    ...opts.hub,
    topics: source.topics,
    metrics,
    ...(opts.metrics ? { user: opts.metrics.user } : {}),
    ...(source.history ? { history: source.history } : {}),
  });
  const log = new MessageLog();
  const app = new Hono();
  const auth = requireToken(opts.token);
  const hosts = hostPolicy(opts.allowedHosts ?? []);
  // Without a token, any page could read the API through DNS rebinding; the Host check stops it.
  if (!opts.token) app.use("*", checkHost(hosts));
  app.use("/api/*", auth);
  app.use("/metrics", auth);
  app.use("/ws", checkOrigin(opts.allowedOrigins ?? [], hosts, opts.token), auth);
  mountWs(app, hub, { source: source.info, resultsTopic: source.resultsTopic, metrics: opts.metrics?.info ?? null });
  mountApi(app, hub, source, log, metrics);
  // /collect is for public pages: no token (it is validated, size- and rate-limited instead).
  const collect = mountCollect(app, source, metrics, { maxFutureSkewMs: opts.maxFutureSkewMs, ...opts.collect });
  if (opts.staticDir) mountStatic(app, opts.staticDir);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  return {
    app,
    hub,
    log,
    metrics,
    source,
    collect,
    async start() {
      hub.start();
      await source.start(hub, log);
    },
    async stop() {
      hub.stop();
      await collect.flush();
      await source.stop();
    },
  };
}

function mountStatic(app: Hono, dir: string): void {
  const index = join(dir, "index.html");
  if (!existsSync(index)) throw new Error(`no built console in ${dir} (run \`npm run build\` first)`);
  app.use("/*", serveStatic({ root: dir }));
  // Client-side routes fall back to the console's page.
  const html = readFileSync(index, "utf8");
  app.get("*", (c) => (c.req.path.startsWith("/api/") ? c.notFound() : c.html(html)));
}
