/**
 * A deliberately slow console client: it says hello like the browser worker, then stops
 * reading its socket, so the gateway's send buffer for it fills up. The gateway must sample or
 * drop frames for it (docs/frames.md, Backpressure) without slowing any other client.
 */
import type { Socket } from "node:net";
import WebSocket from "ws";

/** A connected client that does not read. */
export interface SlowClient {
  /** Text messages it read before it stopped reading. */
  messages: string[];
  close(): void;
}

/** Connects to `url` (ws://…/ws), subscribes to every topic, and stops reading after the welcome. */
export function slowClient(url: string, origin: string): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin, perMessageDeflate: false });
    const messages: string[] = [];
    ws.on("error", reject);
    ws.on("open", () => ws.send(JSON.stringify({ type: "hello", v: 1, epoch: null, dicts: null })));
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = String(data);
      messages.push(text);
      if (text.includes('"welcome"')) {
        // Stop reading: the kernel's receive window fills, then the gateway's send buffer.
        (ws as unknown as { _socket: Socket })._socket.pause();
        resolve({ messages, close: () => ws.terminate() });
      }
    });
  });
}
