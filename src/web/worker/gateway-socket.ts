/**
 * The worker's WebSocket to the gateway (docs/frames.md): hello with the dictionary state it
 * holds, binary frames and JSON messages out to handlers, and reconnection with capped
 * exponential backoff and jitter, reported as connection states so the page never goes blank.
 */
import { type HelloMessage, PROTOCOL_VERSION, type ServerMessage, type WelcomeMessage } from "../../core/frames/protocol";
import type { ConnectionState } from "../shared/chart-data";

/** What the socket reports to its owner. */
export interface SocketHandlers {
  hello(): HelloMessage;
  onWelcome(w: WelcomeMessage): void;
  onFrame(data: ArrayBuffer): void;
  onMessage(m: ServerMessage): void;
  onState(s: ConnectionState): void;
}

/** Backoff before reconnect attempt `attempt` (1, 2, …): 250 ms doubling to 8 s, ±20 % jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(8000, 250 * 2 ** Math.min(attempt - 1, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** See the module comment. */
export class GatewaySocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly h: SocketHandlers,
  ) {}

  /** Opens the socket (and keeps reopening it until {@link close}). */
  open(): void {
    this.stopped = false;
    this.connect();
  }

  /** Closes for good. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, "closed by the console");
    this.ws = null;
    this.h.onState({ kind: "disconnected", reason: "stopped" });
  }

  /** Drops the connection and reconnects (e.g. after a frame whose dictionary delta did not fit). */
  reconnect(reason: string): void {
    this.ws?.close(4000, reason.slice(0, 100));
  }

  /** Sends a JSON message when open. */
  send(m: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private connect(): void {
    this.h.onState({ kind: "connecting", url: this.url });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.retry(err instanceof Error ? err.message : String(err));
      return;
    }
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    let lastError = "";
    ws.onopen = () => ws.send(JSON.stringify({ ...this.h.hello(), v: PROTOCOL_VERSION }));
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== "string") {
        this.h.onFrame(ev.data as ArrayBuffer);
        return;
      }
      let m: ServerMessage;
      try {
        m = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      if (m.type === "welcome") {
        this.attempt = 0;
        this.h.onState({ kind: "connected", url: this.url });
        this.h.onWelcome(m);
      } else if (m.type === "error") {
        lastError = m.reason;
      }
      this.h.onMessage(m);
    };
    ws.onerror = () => {
      lastError ||= "connection error";
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.retry(lastError || ev.reason || `closed (code ${ev.code})`);
    };
  }

  private retry(reason: string): void {
    this.attempt++;
    const inMs = backoffMs(this.attempt);
    this.h.onState({ kind: "reconnecting", attempt: this.attempt, inMs, reason });
    this.timer = setTimeout(() => this.connect(), inMs);
  }
}
