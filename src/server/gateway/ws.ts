/**
 * GET /ws: upgrades with @hono/node-server's built-in WebSocket support (a `ws`
 * WebSocketServer) and attaches each socket to the {@link Hub}.
 */
import { upgradeWebSocket, type WebSocketLike } from "@hono/node-server";
import type { Hono } from "hono";
import type { ConnectionContext } from "./connection";
import type { Connection } from "./connection";
import type { Hub } from "./hub";

/** Mounts /ws on `app` (auth and origin checks are the caller's middleware). */
export function mountWs(app: Hono, hub: Hub, ctx: ConnectionContext): void {
  app.get(
    "/ws",
    upgradeWebSocket(() => {
      let conn: Connection | undefined;
      return {
        onOpen(_evt, ws) {
          const raw = ws.raw as WebSocketLike & { bufferedAmount: number };
          conn = hub.connect({
            send: (data) => raw.send(data),
            bufferedAmount: () => raw.bufferedAmount,
            close: (code, reason) => raw.close(code, reason),
          });
        },
        onMessage(evt, _ws) {
          const data = evt.data;
          if (typeof data === "string") conn?.handle(data, false, ctx);
          else conn?.handle(new Uint8Array(0), true, ctx);
        },
        onClose() {
          conn?.closed();
        },
        onError() {
          conn?.closed();
        },
      };
    }),
  );
}
