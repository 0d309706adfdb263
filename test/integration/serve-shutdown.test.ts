import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { testBrokers, testKafka, uniqueName } from "../helpers/kafka";

const CLI = join(__dirname, "../../bin/eddy.js");
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
});

/** Starts `eddy serve` bridging the test broker; resolves with its port once it listens. */
function serve(prefix: string): Promise<{ port: number; exited: Promise<{ code: number | null; at: number }>; stderr: () => string }> {
  const args = ["serve", "--api-only", "--port", "0", "--clickstream-topic", `${prefix}-clickstream`, "--transactions-topic", `${prefix}-transactions`];
  args.push("--orders-topic", `${prefix}-orders`, "--results-topic", `${prefix}-results`);
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, KAFKA_BROKERS: testBrokers().join(","), EDDY_TOKEN: "" }, stdio: ["ignore", "ignore", "pipe"] });
  child = proc;
  let err = "";
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => proc.once("exit", (code) => resolve({ code, at: Date.now() })));
  const port = new Promise<number>((resolve, reject) => {
    proc.stderr!.on("data", (d: Buffer) => {
      err += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(({ code }) => reject(new Error(`eddy serve exited ${code} before listening: ${err}`)));
  });
  return port.then((p) => ({ port: p, exited, stderr: () => err }));
}

describe("eddy serve on Kafka stops on Ctrl-C", () => {
  it("exits 0 within 2 s of SIGINT while a topic tail and a WebSocket client are open", async () => {
    const prefix = uniqueName("serve-stop");
    const gw = await serve(prefix);
    const base = `http://127.0.0.1:${gw.port}`;

    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`, { headers: { origin: base } });
    const welcomed = new Promise<void>((resolve, reject) => {
      ws.on("message", (d, bin) => !bin && JSON.parse(String(d)).type === "welcome" && resolve());
      ws.once("error", reject);
    });
    ws.once("open", () => ws.send(JSON.stringify({ type: "hello", v: 1 })));
    await welcomed;

    // The live tail sees a message produced after it opened: it is really streaming. The bridge
    // reads from the end, resolved at its first fetch, so the probe is repeated until it shows.
    const tail = await fetch(`${base}/api/topics/${prefix}-orders/messages?follow=1&limit=5`);
    expect(tail.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = tail.body!.getReader();
    const producer = testKafka().producer();
    await producer.connect();
    const probe = () => producer.send({ topic: `${prefix}-orders`, messages: [{ key: "u1", value: "tail-probe" }] });
    await probe();
    const again = setInterval(() => void probe(), 500);
    let text = "";
    try {
      while (!text.includes("tail-probe")) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`tail ended early: ${text}`);
        text += new TextDecoder().decode(chunk.value);
      }
    } finally {
      clearInterval(again);
      await producer.disconnect();
    }

    const wsClosed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    const tailEnded = reader.read().then(
      (r) => r.done,
      () => true,
    );
    const sent = Date.now();
    child!.kill("SIGINT");
    const { code, at } = await gw.exited;
    expect(code, gw.stderr()).toBe(0);
    // A functional bound (Ctrl-C must feel immediate), not a speed measurement.
    expect(at - sent).toBeLessThan(2000);
    expect(await wsClosed).toBe(1001);
    expect(await tailEnded).toBe(true);
    // Stopped in time, not cut off by the close bound.
    expect(gw.stderr()).not.toMatch(/did not stop/);
  });
});
