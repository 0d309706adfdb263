import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { decodeFrame, type EventFrame, FLAG_RESET, type ServerMessage } from "../../src/core/frames";
import { EmbeddedSource } from "../../src/server/gateway/embedded-source";
import { type RunningGateway, startGateway } from "../../src/server/gateway/server";

let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** Opens /ws, says hello, and collects what comes back. */
function connect(port: number, opts: { query?: string; origin?: string; hello?: Record<string, unknown> } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${opts.query ?? ""}`, { headers: opts.origin ? { origin: opts.origin } : {} });
  ws.binaryType = "arraybuffer";
  const frames: EventFrame[] = [];
  const json: ServerMessage[] = [];
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => {
      ws.send(JSON.stringify({ type: "hello", v: 1, ...opts.hello }));
      resolve();
    });
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
  ws.on("message", (data, isBinary) => {
    if (isBinary) frames.push(decodeFrame(data as ArrayBuffer));
    else json.push(JSON.parse(String(data)) as ServerMessage);
  });
  return { ws, frames, json, opened };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("gateway over a real socket (embedded source)", () => {
  it("a client gets a welcome naming the embedded source, then frames of live events", async () => {
    const startedAt = Date.now();
    gw = await startGateway({ source: new EmbeddedSource({ rate: 500, seed: 1 }), port: 0 });
    const c = connect(gw.port);
    await c.opened;
    await until(() => c.frames.length >= 3);
    const welcome = c.json.find((m) => m.type === "welcome");
    expect(welcome).toMatchObject({ type: "welcome", source: { kind: "embedded" }, reset: true, epoch: gw.hub.epoch });
    expect(c.frames[0].flags & FLAG_RESET).toBe(FLAG_RESET);
    expect(c.frames[0].deltas.length).toBeGreaterThan(0);
    const f = c.frames[2];
    // Kafka-timestamp column: the in-process "produce" time, during this run and before the frame left.
    for (let i = 0; i < f.n; i++) {
      expect(f.kafkaTs[i]).toBeGreaterThanOrEqual(startedAt);
      expect(f.kafkaTs[i]).toBeLessThanOrEqual(f.sentAt);
    }
    const topics = (await (await fetch(`http://127.0.0.1:${gw.port}/api/topics`)).json()) as { topics: { partitions: { messages: number }[] }[] };
    expect(topics.topics[0].partitions.reduce((n, p) => n + p.messages, 0)).toBeGreaterThan(0);
    c.ws.close();
  });

  it("an event sent to /collect reaches a subscribed client's frames", async () => {
    gw = await startGateway({ source: new EmbeddedSource({ rate: 50, seed: 2 }), port: 0, collect: { batchMs: 1 } });
    const c = connect(gw.port, { hello: { topics: ["clickstream"] } });
    await c.opened;
    const event = { event_id: "beacon-1", user_id: "visitor-42", product_id: "prod-003", action: "click", timestamp: Date.now() };
    const r = await fetch(`http://127.0.0.1:${gw.port}/collect`, { method: "POST", body: JSON.stringify(event), headers: { "content-type": "text/plain" } });
    expect(r.status).toBe(202);
    await until(() => c.frames.some((f) => f.deltas.some((d) => d.dict === 0 && d.strings.includes("visitor-42"))));
  });

  it("EDDY_TOKEN and Origin are enforced on the upgrade", async () => {
    gw = await startGateway({ source: new EmbeddedSource({ rate: 10 }), port: 0, token: "tok", allowedOrigins: ["http://localhost:5173"] });
    await expect(connect(gw.port).opened).rejects.toThrow(/HTTP 401/);
    await expect(connect(gw.port, { query: "?token=tok", origin: "https://evil.example" }).opened).rejects.toThrow(/HTTP 403/);
    const ok = connect(gw.port, { query: "?token=tok", origin: "http://localhost:5173" });
    await ok.opened;
    await until(() => ok.json.some((m) => m.type === "welcome"));
    ok.ws.close();
  });

  it("without EDDY_TOKEN, a request or upgrade naming a foreign Host is refused on the socket too", async () => {
    gw = await startGateway({ source: new EmbeddedSource({ rate: 10 }), port: 0 });
    const port = gw.port;
    const status = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.once("error", reject).end();
      });
    expect(await status("/api/topics", "attacker.example")).toBe(403);
    expect(await status("/metrics", `attacker.example:${port}`)).toBe(403);
    expect(await status("/api/topics", `localhost:${port}`)).toBe(200);
    // A DNS-rebinding page: its socket reaches 127.0.0.1, its Host and Origin name the attacker.
    const rebound = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` } });
    const code = await new Promise<number>((resolve, reject) => {
      rebound.once("unexpected-response", (_req, res) => resolve(res.statusCode!));
      rebound.once("open", () => reject(new Error("upgrade accepted")));
      rebound.once("error", reject);
    });
    expect(code).toBe(403);
    const local = connect(port, { origin: "http://localhost:5173" });
    await local.opened;
    await until(() => local.json.some((m) => m.type === "welcome"));
    local.ws.close();
  });

  it("close() ends live tails and WebSocket clients and resolves with the source stopped", async () => {
    gw = await startGateway({ source: new EmbeddedSource({ rate: 50 }), port: 0 });
    const c = connect(gw.port);
    await c.opened;
    await until(() => c.json.some((m) => m.type === "welcome"));
    const tail = await fetch(`http://127.0.0.1:${gw.port}/api/topics/clickstream/messages?follow=1`);
    const reader = tail.body!.getReader();
    await reader.read();
    const wsClosed = new Promise<number>((resolve) => c.ws.once("close", (code) => resolve(code)));
    const tailEnded = reader.read().then(async function drain(r): Promise<boolean> {
      return r.done ? true : reader.read().then(drain, () => true);
    }, () => true);
    expect(await gw.close()).toBe(true);
    gw = undefined;
    expect(await wsClosed).toBe(1001);
    expect(await tailEnded).toBe(true);
  });

  it("serves the built console and falls back to its page for client routes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eddy-web-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>eddy console</title>");
    writeFileSync(join(dir, "app.js"), "console.log(1)");
    gw = await startGateway({ source: new EmbeddedSource({ rate: 10 }), port: 0, staticDir: dir });
    const base = `http://127.0.0.1:${gw.port}`;
    expect(await (await fetch(`${base}/`)).text()).toContain("eddy console");
    expect(await (await fetch(`${base}/app.js`)).text()).toBe("console.log(1)");
    expect(await (await fetch(`${base}/topics/clickstream`)).text()).toContain("eddy console");
    expect((await fetch(`${base}/api/nope`)).status).toBe(404);
    expect((await (await fetch(`${base}/api/health`)).json()).source.kind).toBe("embedded");
  });
});
