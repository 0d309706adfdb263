/**
 * Starts and stops a single-node KRaft Apache Kafka (combined broker + controller) on loopback,
 * from the jars that kafka-install.ts assembled. Used by `npm run kafka:start|stop` and by the
 * test suite's global setup.
 */
// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "../src/server/kafka/read-committed";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { cacheRoot, ensureKafkaInstalled, KAFKA_VERSION } from "./kafka-install";

/** Options for {@link startBroker}. */
export interface BrokerOptions {
  /** Client port on 127.0.0.1 (default 9092; 0 = any free port). */
  port?: number;
  /** Data + log directory; reused (not reformatted) when it already holds a formatted log. */
  dir?: string;
  /** Max JVM heap (default 1g). */
  heap?: string;
  /** How long to wait for the broker to answer a metadata request (default 90 s). */
  readyTimeoutMs?: number;
  log?: (s: string) => void;
}

/** A running broker. */
export interface BrokerHandle {
  brokers: string[];
  port: number;
  pid: number;
  dir: string;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Default state directory of the dev broker on `port` (data, logs, pid file). */
export function devBrokerDir(port: number): string {
  return join(cacheRoot(), "kafka-data", String(port));
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  // A single node must keep every internal topic at replication factor 1 and min ISR 1, or the
  // group and transaction coordinators never become available.
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(dir, "data")}
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
`;
}

function log4jConfig(logFile: string): string {
  return `status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${logFile}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.state.name = state.change.logger
logger.state.level = warn
`;
}

function javaArgs(libs: string, heap: string, extra: string[]): string[] {
  return [`-Xms128m`, `-Xmx${heap}`, "-XX:+UseG1GC", "-Djava.awt.headless=true", "-cp", join(libs, "*"), ...extra];
}

async function runJava(args: string[], logFile: string): Promise<void> {
  const out = openSync(logFile, "a");
  try {
    const child = spawn("java", args, { stdio: ["ignore", out, out] });
    const code: number = await new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new Error(`${args.at(-5) ?? "java"} exited with ${code}; see ${logFile}`);
  } finally {
    closeSync(out);
  }
}

/** Resolves once `brokers` answer a metadata request, or rejects after `timeoutMs`. */
export async function waitForBroker(brokers: string[], timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("the broker process exited during start-up");
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  throw new Error(`broker ${brokers.join(",")} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the process `pid` (SIGTERM, SIGKILL after graceMs) and waits until it is gone. */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    process.kill(pid, "SIGKILL");
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Formats (if needed) and starts a KRaft broker as a detached process, and resolves once it
 * answers a metadata request. The JVM outlives this Node process; stop it with `stop()` or by pid.
 */
export async function startBroker(opts: BrokerOptions = {}): Promise<BrokerHandle> {
  const log = opts.log ?? (() => {});
  const libs = await ensureKafkaInstalled(KAFKA_VERSION, log);
  const port = opts.port === 0 ? await freePort() : (opts.port ?? 9092);
  if (!(await portIsFree(port))) {
    throw new Error(`port ${port} on 127.0.0.1 is already in use: stop what holds it (\`npm run kafka:stop\` if it is eddy's broker) or pass --port`);
  }
  const dir = opts.dir ?? devBrokerDir(port);
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, "server.log");
  const controllerFile = join(dir, "controller.port");
  // The controller port is part of the formatted quorum, so a reused directory keeps its own.
  const controllerPort = existsSync(controllerFile) ? Number(readFileSync(controllerFile, "utf8")) : await freePort();
  const props = join(dir, "server.properties");
  writeFileSync(props, serverProperties(dir, port, controllerPort));
  writeFileSync(join(dir, "log4j2.properties"), log4jConfig(logFile));
  const heap = opts.heap ?? "1g";
  if (!existsSync(join(dir, "data", "meta.properties"))) {
    // base64url ids may start with '-': pass it as --cluster-id=… so the parser never takes it for a flag.
    const clusterId = randomBytes(16).toString("base64url");
    await runJava(javaArgs(libs, "256m", ["kafka.tools.StorageTool", "format", `--cluster-id=${clusterId}`, "-c", props]), join(dir, "format.log"));
    writeFileSync(controllerFile, String(controllerPort));
  }
  const out = openSync(join(dir, "stdout.log"), "a");
  const child = spawn(
    "java",
    javaArgs(libs, heap, [`-Dlog4j2.configurationFile=${join(dir, "log4j2.properties")}`, "kafka.Kafka", props]),
    { detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid!;
  writeFileSync(join(dir, "broker.pid"), String(pid));
  const brokers = [`127.0.0.1:${port}`];
  try {
    await waitForBroker(brokers, opts.readyTimeoutMs ?? 90_000, () => isAlive(pid));
  } catch (err) {
    await stopPid(pid, 2000);
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
    throw new Error(`${(err as Error).message}\n--- ${logFile} (tail) ---\n${tail}`);
  }
  return {
    brokers,
    port,
    pid,
    dir,
    logFile,
    stop: (graceMs?: number) => stopPid(pid, graceMs).then(() => rmSync(join(dir, "broker.pid"), { force: true })),
  };
}

/** Reads the pid of the dev broker on `port` and confirms it is that broker's JVM (Linux /proc). */
export function runningBrokerPid(port: number, dir = devBrokerDir(port)): number | undefined {
  const pidFile = join(dir, "broker.pid");
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (!isAlive(pid)) return undefined;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmd.includes(join(dir, "server.properties"))) return undefined;
  } catch {
    // No /proc (macOS): trust the pid file.
  }
  return pid;
}
