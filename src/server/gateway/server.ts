/** Puts a {@link Gateway} on a port with @hono/node-server and its built-in WebSocket support. */
import { serve, type ServerType } from "@hono/node-server";
import type { Server } from "node:http";
import { WebSocketServer } from "ws";
import { createGateway, type Gateway, type GatewayOptions } from "./app";

/** Largest message a client may send over /ws (a hello or subscribe is far smaller). */
const MAX_WS_PAYLOAD = 64 * 1024;

/** Default bound of {@link RunningGateway.close} on stopping the source (Kafka consumer). */
export const CLOSE_TIMEOUT_MS = 1500;

/** A running gateway. */
export interface RunningGateway extends Gateway {
  server: ServerType;
  port: number;
  /**
   * Stops listening, ends live tails and WebSocket clients, and stops the source, waiting for
   * the source at most `timeoutMs`; resolves to false when it did not stop in time.
   */
  close(opts?: { timeoutMs?: number }): Promise<boolean>;
}

/** Starts the gateway on `host:port` (port 0 = any free port); resolves once listening. */
export async function startGateway(opts: GatewayOptions & { port?: number; host?: string }): Promise<RunningGateway> {
  const gw = createGateway(opts);
  // Frames are already compact and binary; per-message deflate would cost CPU per client.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD, perMessageDeflate: false });
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve, reject) => {
    const server = serve({ fetch: gw.app.fetch, port: opts.port ?? 8787, hostname: opts.host ?? "127.0.0.1", websocket: { server: wss } }, (info) =>
      resolve({ server, port: info.port }),
    );
    server.once("error", reject);
  });
  try {
    await gw.start();
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    ...gw,
    server,
    port,
    async close({ timeoutMs = CLOSE_TIMEOUT_MS } = {}) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      // A live tail (Server-Sent Events) never ends by itself and would hold server.close() open.
      (server as Server).closeAllConnections?.();
      // gw.stop() first sends every WebSocket client a close (1001); those that have not answered
      // by the time the source stopped are cut off rather than waited for (ws waits 30 s).
      const stopped = await settledWithin(gw.stop(), timeoutMs);
      for (const c of wss.clients) c.terminate();
      await settledWithin(closed, 500);
      return stopped;
    },
  };
}

/** Whether `p` settled (either way) within `ms`. */
function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  return Promise.race([p.then(() => true, () => true), late]).finally(() => clearTimeout(timer));
}
