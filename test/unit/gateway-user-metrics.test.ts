/**
 * The gateway with user-defined metrics over a real socket (embedded source, as `eddy serve
 * --metrics-file` without Kafka): the welcome carries the definitions and the declared input's
 * topic, messages produced to that topic reach live frames (version 2, topic code 3, its field
 * columns), invalid ones are counted, and a new tab's history replay includes them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { decodeFrame, type EventFrame, FRAME_VERSION_FIELDS, type ServerMessage } from "../../src/core/frames";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { parseMetrics } from "../../src/core/metrics/user/parse";
import { EmbeddedSource } from "../../src/server/gateway/embedded-source";
import { type RunningGateway, startGateway } from "../../src/server/gateway/server";

const FILE = join(__dirname, "../../examples/metrics.json");
const text = readFileSync(FILE, "utf8");
const user = parseMetrics(text, { builtins: MetricRegistry.builtin().names });
const info = { definitions: JSON.parse(text) as unknown, only: null, source: FILE };

let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

function connect(port: number, hello: Record<string, unknown>) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  ws.binaryType = "arraybuffer";
  const frames: EventFrame[] = [];
  const json: ServerMessage[] = [];
  ws.once("open", () => ws.send(JSON.stringify({ type: "hello", v: 1, ...hello })));
  ws.on("message", (data, isBinary) => {
    if (isBinary) frames.push(decodeFrame(data as ArrayBuffer));
    else json.push(JSON.parse(String(data)) as ServerMessage);
  });
  return { ws, frames, json };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const review = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ review_id: `r-${i}`, product_id: "prod-001", user: { id: `u-${i}`, country: "de" }, rating: 4, verified: true, created_at: Date.now(), ...extra });

describe("gateway with --metrics-file (embedded source)", () => {
  it("welcomes with the definitions and the declared topic, forwards its events in version-2 frames, and replays them", async () => {
    const source = new EmbeddedSource({ rate: 100, seed: 3, declared: [{ name: "reviews", kind: "declared", input: "reviews" }] });
    gw = await startGateway({ source, port: 0, metrics: { user, info } });
    const live = connect(gw.port, { topics: ["reviews"] });
    await until(() => live.json.some((m) => m.type === "welcome"));
    const welcome = live.json.find((m) => m.type === "welcome")!;
    expect(welcome).toMatchObject({ metrics: info, subscribed: { topics: ["reviews"] } });
    expect(welcome.type === "welcome" && welcome.topics.at(-1)).toEqual({ name: "reviews", kind: "declared", input: "reviews" });

    await source.produce("reviews", [1, 2, 3].map((i) => ({ key: null, value: review(i) })));
    await source.produce("reviews", [{ key: null, value: review(4, { rating: "five" }) }, { key: null, value: review(5, { user: { id: "x".repeat(300) } }) }]);
    await until(() => live.frames.reduce((n, f) => n + f.n, 0) >= 3 && live.frames.reduce((n, f) => n + f.invalid, 0) >= 2);
    const f = live.frames.find((x) => x.n > 0)!;
    expect(f.version).toBe(FRAME_VERSION_FIELDS);
    expect(Array.from(f.topic)).toEqual(new Array(f.n).fill(3));
    expect(f.fields.length).toBeGreaterThan(0);
    expect(f.fields.every((c) => c.topic === 3 && c.values.length === f.n)).toBe(true);
    const values = live.frames.flatMap((x) => x.deltas.filter((d) => d.dict === 5).flatMap((d) => d.strings));
    expect(values).toEqual(expect.arrayContaining(["prod-001", "u-1", "de"]));
    expect(values).not.toContain("r-1"); // review_id: no example metric reads it
    expect(gw.hub.invalid.reviews).toBe(2);

    // A new tab replays the kept messages of the declared topic too.
    const later = connect(gw.port, { history: { sinceMs: 0 } });
    await until(() => later.json.some((m) => m.type === "history" && m.state === "done"));
    const replayed = later.frames.flatMap((x) => Array.from(x.topic)).filter((c) => c === 3).length;
    expect(replayed).toBe(3);
    live.ws.close();
    later.ws.close();
  });
});
