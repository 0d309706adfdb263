/**
 * A broker that cannot be reached at start-up fails `eddy run`, `generate` and `start --brokers`
 * at once with one plain sentence (which address, what went wrong, how to start a broker) and
 * exit code 1, instead of a restart loop. The 15 s bound is the requirement itself (the check
 * waits 10 s for a broker that is starting up), not a performance threshold.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/kafka-broker";
import { waitForBroker } from "../../src/server/kafka/reachable";
import { testBrokers } from "../helpers/kafka";

const CLI = join(__dirname, "../../bin/eddy.js");
const BOUND_MS = 15_000;

/** Runs `eddy ...args` as a child process without KAFKA_BROKERS; its exit code, stderr and wall time. */
function eddy(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr, ms: Date.now() - t0 }));
  });
}

const HINT = "or point eddy at yours with --brokers host:port or KAFKA_BROKERS.";

describe("eddy fails fast when Kafka is unreachable at start", () => {
  let closedPort = 0;
  let notKafka: Server;
  let notKafkaPort = 0;
  beforeAll(async () => {
    closedPort = await freePort();
    // Accepts connections and hangs up at once: a port that is open but not Kafka's.
    notKafka = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => notKafka.listen(0, "127.0.0.1", r));
    notKafkaPort = (notKafka.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => notKafka.close(() => r())));

  it("eddy run: connection refused on a closed port names it and the kafka:start command with that port", async () => {
    const r = await eddy(["run", "--brokers", `127.0.0.1:${closedPort}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `eddy run: cannot reach Kafka at 127.0.0.1:${closedPort} within 10 s: connection refused (nothing listens on that port). ` +
        `Start a local broker with \`npm run kafka:start -- --port ${closedPort}\`, ${HINT}`,
    );
    expect(r.stderr).not.toContain('"event":"restart"');
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it("eddy run: a host name that does not resolve is a DNS failure, reported without waiting", async () => {
    const r = await eddy(["run", "--brokers", "nonexistent.invalid:9092"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "eddy run: cannot reach Kafka at nonexistent.invalid:9092: the host name 'nonexistent.invalid' does not resolve (DNS lookup failed: ENOTFOUND). " +
        `Start a local broker with \`npm run kafka:start\`, ${HINT}`,
    );
    expect(r.stderr).not.toContain('"event":"restart"');
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it("eddy run: an open port that is not Kafka says so", async () => {
    const r = await eddy(["run", "--brokers", `127.0.0.1:${notKafkaPort}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot reach Kafka at 127\\.0\\.0\\.1:${notKafkaPort} within 10 s: it accepts connections but does not answer like a Kafka broker`));
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it("eddy generate: the same check and message", async () => {
    const r = await eddy(["generate", "--brokers", `127.0.0.1:${closedPort}`, "--count", "5"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`eddy generate: cannot reach Kafka at 127.0.0.1:${closedPort} within 10 s: connection refused`);
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it("eddy start --brokers: the same check before the generator and the pipeline start", async () => {
    const r = await eddy(["start", "--brokers", "nonexistent.invalid:9092"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("eddy start: cannot reach Kafka at nonexistent.invalid:9092: the host name 'nonexistent.invalid' does not resolve");
    expect(r.stderr).not.toContain("generator failed");
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it("the check passes against a running broker (its advertised address included)", async () => {
    await expect(waitForBroker(testBrokers())).resolves.toBeUndefined();
  });
});
