/**
 * Serves a {@link Registry} at `/metrics` (and `/health`, `/healthz`) on its own port, for
 * `eddy run --metrics-port`. `/healthz` is the plain liveness answer orchestrators probe (200 "ok"
 * while the event loop answers), as Kubernetes' own components expose it; `/health` is the JSON detail.
 */
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE, type Registry } from "./registry";

/** Starts the server; resolves with it and the bound port once listening. */
export function serveMetrics(registry: Registry, port: number, host = "127.0.0.1", health: () => Record<string, unknown> = () => ({ ok: true })): Promise<{ server: ServerType; port: number }> {
  const app = new Hono();
  app.get("/metrics", (c) => c.body(registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));
  app.get("/health", (c) => c.json(health()));
  app.get("/healthz", (c) => c.text("ok"));
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
  });
}
