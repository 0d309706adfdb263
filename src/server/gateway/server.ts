/** Puts a {@link Gateway} on a port with @hono/node-server and its built-in WebSocket support. */
import { serve, type ServerType } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { createGateway, type Gateway, type GatewayOptions } from "./app";

/** Largest message a client may send over /ws (a hello or subscribe is far smaller). */
const MAX_WS_PAYLOAD = 64 * 1024;

/** A running gateway. */
export interface RunningGateway extends Gateway {
  server: ServerType;
  port: number;
  close(): Promise<void>;
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
    async close() {
      await gw.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
