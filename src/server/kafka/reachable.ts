/**
 * Is Kafka there? The one start-up check of every command that talks to a broker (`eddy run`,
 * `generate`, `start --brokers`, the gateway, the Kafka source). It says in a plain sentence
 * which address failed and how: the host name does not resolve, nothing listens on the port
 * (connection refused), no answer (timeout), something answered that is not Kafka, or the
 * broker answered but advertises an address clients cannot reach (the classic Docker mistake).
 *
 * The check retries until its deadline, so a broker that is still starting up is waited for;
 * a host name that does not exist (NXDOMAIN) fails at once, since waiting cannot fix a typo.
 */
// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "./read-committed";
import { connect } from "node:net";
import kafkajs from "kafkajs";
import { UsageError } from "../args";

const { Kafka, logLevel } = kafkajs;

/** The broker did not answer within the deadline. */
export class KafkaUnavailableError extends Error {
  override name = "KafkaUnavailableError";
}

/** The port of `npm run kafka:start` when none is given. */
export const DEFAULT_LOCAL_PORT = 9092;

/** `npm run kafka:start` / `kafka:stop`, with `-- --port N` when the port is not the default. */
export function localBrokerCommand(action: "start" | "stop", port: number): string {
  return `npm run kafka:${action}${port === DEFAULT_LOCAL_PORT ? "" : ` -- --port ${port}`}`;
}

/** Host and port of a `host:port` broker address (`[::1]:9092` for IPv6). */
export function parseBrokerAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new UsageError(`broker address '${address}' is not host:port (e.g. 127.0.0.1:9092); fix --brokers or KAFKA_BROKERS`);
  }
  return { host: m[1] ?? m[2], port };
}

type FailureKind = "dns" | "refused" | "timeout" | "unreachable" | "other" | "not-kafka" | "advertised";
interface Failure {
  address: string;
  kind: FailureKind;
  /** The plain-sentence cause, without the address. */
  text: string;
  /** Waiting cannot help (the host name does not exist). */
  final?: boolean;
}

function classify(address: string, host: string, err: NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] }): Failure {
  // Node's happy-eyeballs connect (IPv4 and IPv6 tried in turn) reports an AggregateError.
  const code = err.code ?? err.errors?.[0]?.code ?? "";
  if (code === "ENOTFOUND") return { address, kind: "dns", final: true, text: `the host name '${host}' does not resolve (DNS lookup failed: ENOTFOUND)` };
  if (code === "EAI_AGAIN") return { address, kind: "dns", text: `the host name '${host}' could not be looked up (DNS temporarily failing: EAI_AGAIN; is the network up?)` };
  if (code === "ECONNREFUSED") return { address, kind: "refused", text: "connection refused (nothing listens on that port)" };
  if (code === "ETIMEDOUT") return { address, kind: "timeout", text: "the connection timed out (a wrong address or a firewall?)" };
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return { address, kind: "unreachable", text: `no route to the host (${code})` };
  return { address, kind: "other", text: `cannot connect: ${err.message || code}` };
}

/** TCP connect to `address` (DNS lookup included); undefined when it connects. */
function probeTcp(address: string, timeoutMs: number): Promise<Failure | undefined> {
  const { host, port } = parseBrokerAddress(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (f: Failure | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(f);
    };
    const timer = setTimeout(() => done({ address, kind: "timeout", text: "no answer (the connection timed out: a wrong address or a firewall?)" }), timeoutMs);
    socket.once("connect", () => done(undefined));
    socket.once("error", (err) => done(classify(address, host, err)));
  });
}

function timeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Asks the brokers that accept connections for the cluster's metadata, then checks that every
 * broker's advertised address connects too: clients (kafkajs included) talk to those, not to
 * the bootstrap address.
 */
async function probeKafka(seeds: string[], timeoutMs: number): Promise<Failure | undefined> {
  const admin = new Kafka({
    clientId: "eddy-probe",
    brokers: seeds,
    connectionTimeout: Math.max(100, Math.min(2000, timeoutMs)),
    requestTimeout: Math.max(100, Math.min(5000, timeoutMs)),
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  let cluster: { brokers: Array<{ nodeId: number; host: string; port: number }> };
  try {
    cluster = await timeout(
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeoutMs,
    );
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    return { address: seeds.join(","), kind: "not-kafka", text: `it accepts connections but does not answer like a Kafka broker (${cause}); check that this is the broker's client port` };
  } finally {
    await timeout(admin.disconnect(), 1000).catch(() => {});
  }
  for (const b of cluster.brokers) {
    const advertised = `${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.port}`;
    if (seeds.includes(advertised)) continue;
    const f = await probeTcp(advertised, Math.max(100, Math.min(2000, timeoutMs)));
    if (f) {
      return {
        address: seeds.join(","),
        kind: "advertised",
        text:
          `the broker answered, but the address it advertises for clients, ${advertised} (broker ${b.nodeId}), fails: ${f.text}. ` +
          "Set the broker's advertised.listeners to an address this machine can reach",
      };
    }
  }
  return undefined;
}

/** One attempt over every seed broker: undefined when Kafka answers, else each address's failure. */
async function attempt(brokers: string[], timeoutMs: number): Promise<Failure[] | undefined> {
  const tcp = await Promise.all(brokers.map((b) => probeTcp(b, timeoutMs)));
  const open = brokers.filter((_, i) => tcp[i] === undefined);
  if (open.length === 0) return tcp as Failure[];
  const kafka = await probeKafka(open, timeoutMs);
  return kafka ? [kafka] : undefined;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** The sentence of a failed check: which address, what went wrong, and what to do. */
function describe(brokers: string[], failures: Failure[], waitedMs: number | undefined): string {
  const within = waitedMs === undefined ? "" : ` within ${Math.round(waitedMs / 100) / 10} s`;
  const causes =
    failures.length === 1 ? failures[0].text : failures.map((f) => `${f.address}: ${f.text}`).join("; ");
  if (failures.some((f) => f.kind === "advertised")) return `cannot use Kafka at ${brokers.join(",")}: ${causes}.`;
  const addrs = brokers.map(parseBrokerAddress);
  const port = addrs.every((a) => isLoopback(a.host) && a.port === addrs[0].port) ? addrs[0].port : DEFAULT_LOCAL_PORT;
  return (
    `cannot reach Kafka at ${brokers.join(",")}${within}: ${causes}. ` +
    `Start a local broker with \`${localBrokerCommand("start", port)}\`, or point eddy at yours with --brokers host:port or KAFKA_BROKERS.`
  );
}

/** Options of {@link waitForBroker}. */
export interface WaitForBrokerOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Called once, after the first failed attempt, with a line saying what is being waited for. */
  onWait?: (message: string) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once one of `brokers` answers a metadata request and every broker it advertises
 * accepts connections; otherwise rejects with a {@link KafkaUnavailableError} naming the
 * address and the cause (see the module comment) after `timeoutMs`, or at once when no broker
 * host name exists. A malformed address is a {@link UsageError}.
 */
export async function waitForBroker(brokers: string[], options: number | WaitForBrokerOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, onWait } = typeof options === "number" ? { timeoutMs: options } : options;
  if (brokers.length === 0) throw new UsageError("no Kafka brokers given: pass --brokers host:port or set KAFKA_BROKERS");
  for (const b of brokers) parseBrokerAddress(b);
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let failures: Failure[] = [];
  for (let n = 0; ; n++) {
    const left = Math.max(100, deadline - Date.now());
    const result = await attempt(brokers, Math.min(left, 5000));
    if (!result) return;
    failures = result;
    if (failures.every((f) => f.final)) throw new KafkaUnavailableError(describe(brokers, failures, undefined));
    if (Date.now() >= deadline) break;
    if (n === 0) onWait?.(`waiting up to ${Math.round(timeoutMs / 1000)} s for Kafka at ${brokers.join(",")}: ${failures[0].text}`);
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  throw new KafkaUnavailableError(describe(brokers, failures, timeoutMs));
}
