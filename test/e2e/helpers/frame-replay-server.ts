/**
 * A stand-in gateway for measuring the console alone (worker + charts): serves the built
 * console and answers /ws with pre-encoded event frames at a chosen event rate. Frames are
 * encoded once from generator records; each replay round moves their event times forward by
 * the pool's span (patched in place, no re-encoding), so windows keep closing as in a live
 * stream. Kafka timestamps are set to the send time, so latency is measured from the socket.
 * It applies the gateway's rule of never waiting for a client: a frame is skipped (and
 * counted) while the socket holds more than 1 MiB.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { decodeFrame } from "../../../src/core/frames/decode";
import { FLAG_RESET } from "../../../src/core/frames/format";
import { EventSource } from "../../../src/server/generator";
import { FrameBuilder } from "./frames-from-records";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const SKIP_AT_BYTES = 1024 * 1024;

/** A running replay server. */
export interface ReplayServer {
  port: number;
  /** Events per second sent to each client from now on (0 = pause). */
  setRate(rate: number): void;
  /** Events sent and skipped (all clients) since start. */
  counts(): { sent: number; skipped: number };
  close(): Promise<void>;
}

/** Encodes `poolSize` records into frames of `perFrame` events. */
function encodePool(poolSize: number, perFrame: number): { frames: Uint8Array[]; sizes: number[]; spanMs: number } {
  const src = new EventSource({ seed: 3, startMs: Date.UTC(2026, 0, 1, 10), users: 5000, lateFraction: 0.002, invalidFraction: 0, anomalyFraction: 0.002 });
  const builder = new FrameBuilder();
  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  let tMin = Infinity;
  let tMax = -Infinity;
  for (let i = 0; i < poolSize; i += perFrame) {
    const recs = Array.from({ length: Math.min(perFrame, poolSize - i) }, () => src.next());
    const f = builder.frame(recs, () => 0, 0);
    const d = decodeFrame(f);
    for (let k = 0; k < d.n; k++) {
      tMin = Math.min(tMin, d.t[k]);
      tMax = Math.max(tMax, d.t[k]);
    }
    frames.push(f);
    sizes.push(d.n);
  }
  // One minute of slack so that rounds never overlap in event time.
  return { frames, sizes, spanMs: Math.ceil((tMax - tMin) / 60_000) * 60_000 + 60_000 };
}

/** Starts the server on a free port, serving `webDir`. */
export async function startReplayServer(webDir: string, opts: { poolSize?: number; perFrame?: number; tickMs?: number } = {}): Promise<ReplayServer> {
  const perFrame = opts.perFrame ?? 4096;
  const tickMs = opts.tickMs ?? 100;
  const pool = encodePool(opts.poolSize ?? 200_000, perFrame);
  let rate = 0;
  let sent = 0;
  let skipped = 0;
  const http: Server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? "/", "http://x").pathname).replace(/^(\.\.[/\\])+/, "");
    const file = join(webDir, path === "/" ? "index.html" : path);
    readFile(file)
      .then((body) => {
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(404).end();
      });
  });
  const wss = new WebSocketServer({ server: http, path: "/ws", perMessageDeflate: false });
  wss.on("connection", (ws: WebSocket) => {
    let frameNo = 0;
    let round = 0;
    let owed = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    ws.once("message", () => {
      ws.send(JSON.stringify({ type: "welcome", v: 1, epoch: 0x1234abcd, source: { kind: "embedded", description: "frame replay (bench)" }, topics: [], resultsTopic: null, reset: true, subscribed: { topics: [], results: false }, frameIntervalMs: tickMs, limits: { maxFrameEvents: perFrame, maxClientMessageBytes: 16384 } }));
      timer = setInterval(() => {
        owed += (rate * tickMs) / 1000;
        while (owed >= pool.sizes[frameNo]) {
          const bytes = pool.frames[frameNo];
          const n = pool.sizes[frameNo];
          owed -= n;
          if (ws.bufferedAmount > SKIP_AT_BYTES) {
            skipped += n;
          } else {
            const copy = bytes.slice();
            const f = decodeFrame(copy);
            const shift = round * pool.spanMs;
            for (let k = 0; k < n; k++) f.t[k] += shift;
            f.kafkaTs.fill(Date.now());
            // Only the very first frame starts the client's dictionaries afresh.
            if (round > 0 || frameNo > 0) copy[6] &= ~FLAG_RESET;
            ws.send(copy);
            sent += n;
          }
          frameNo++;
          if (frameNo === pool.frames.length) {
            frameNo = 0;
            round++;
          }
        }
      }, tickMs);
    });
    ws.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    port: (http.address() as AddressInfo).port,
    setRate: (r) => {
      rate = r;
    },
    counts: () => ({ sent, skipped }),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
