/**
 * `eddy start` (`npm start`): the one-command demo and quick start. A local Kafka broker unless
 * KAFKA_BROKERS is set, the event generator producing into it, and `eddy run` reading it with
 * the console (and exactly-once Kafka) sinks. Ctrl-C stops all three cleanly; the broker keeps
 * running for the next start (`npm run kafka:stop` stops it; `-- --port N` for another port).
 */
import { DEFAULT_CATALOG } from "../../core/catalog";
import { devBrokerDir, runningBrokerPid, startBroker } from "../../../scripts/kafka-broker";
import { type FlagSpec, helpText, parseFlags, UsageError } from "../args";
import { generate, GenerateError, KafkaTarget, summaryLine } from "../generator";
import { localBrokerCommand, waitForBroker } from "../kafka/reachable";
import { SINK_CHOICES } from "../runner/run-config";
import { CheckpointRestoreError, CheckpointSettingsError } from "../runner/runner";
import { run as runPipeline } from "./run";

const FLAGS = {
  brokers: { type: "string", env: "KAFKA_BROKERS", help: "use this Kafka instead of starting a local broker" },
  rate: { type: "int", default: 200, min: 1, max: 1_000_000, help: "generator events per second" },
  users: { type: "int", min: 1, max: 1_000_000, help: "simulated users (default: as many as --rate needs; event time is the wall clock)" },
  sink: { type: "list", default: ["console", "kafka"], choices: SINK_CHOICES, help: "sinks of the pipeline, comma-separated (see eddy run --help)" },
  group: { type: "string", default: "eddy-demo", help: "consumer group of the pipeline" },
  port: { type: "int", default: 9092, min: 1, max: 65535, help: "port of the local broker" },
} satisfies Record<string, FlagSpec>;

const USAGE = "usage: eddy start [--rate N] [--brokers host:9092] [--sink console,kafka,files]";

async function localBroker(port: number): Promise<string[]> {
  const running = runningBrokerPid(port);
  if (running) {
    console.error(`eddy start: using the local broker on 127.0.0.1:${port} (pid ${running})`);
    return [`127.0.0.1:${port}`];
  }
  console.error(`eddy start: starting a local Kafka broker on 127.0.0.1:${port} (set KAFKA_BROKERS to use yours)…`);
  const b = await startBroker({ port, dir: devBrokerDir(port), log: (s) => console.error(`eddy start: ${s}`) });
  console.error(`eddy start: broker ready (pid ${b.pid}); \`${localBrokerCommand("stop", port)}\` stops it`);
  return b.brokers;
}

/** The text of `eddy start --help`. */
export function help(): string {
  return helpText(USAGE, FLAGS);
}

/** Entry point of `eddy start`. */
export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (f._.length > 0) throw new UsageError(`unexpected argument '${f._[0]}': eddy start takes only --flags`);
  const given = f.brokers?.split(",").map((s) => s.trim()).filter(Boolean);
  const brokers = given?.length ? given : await localBroker(f.port);
  // Given brokers must answer before the generator and the pipeline start, or both would fail
  // with the same error; a local broker was just checked by startBroker.
  if (given?.length) await waitForBroker(brokers, { onWait: (m) => console.error(`eddy start: ${m}`) });
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.error(`eddy start: generating ~${f.rate} events/s into ${brokers.join(",")} (clickstream, transactions, orders)`);
  const generator = generate(
    // Event time is the wall clock (the default speed): a restart under the same group then
    // continues where the checkpoint's watermark left off instead of landing behind it.
    { seed: Date.now() % 2 ** 31, users: f.users, catalog: DEFAULT_CATALOG, rate: f.rate, invalidFraction: 0.002, lateFraction: 0.002, anomalyFraction: 0.002 },
    new KafkaTarget({ brokers }),
    { signal: abort.signal, onStart: (plan) => console.error(`eddy start: ${plan.description}`) },
  ).then(
    (s) => console.error(`eddy start: generator stopped: ${summaryLine(s)}`),
    (err: unknown) => {
      console.error(`eddy start: generator failed: ${err instanceof GenerateError ? err.message : String(err)}`);
      abort.abort();
    },
  );
  try {
    try {
      return await runPipeline(["--brokers", brokers.join(","), "--group", f.group, "--sink", f.sink.join(",")]);
    } catch (err) {
      // The demo's saved state came from another eddy build, or from a run of this group with other
      // settings (start passes none, so the SPEC defaults differ from them): carry on afresh rather than fail.
      if (!(err instanceof CheckpointRestoreError || err instanceof CheckpointSettingsError) || abort.signal.aborted) throw err;
      const group = `${f.group}-${Date.now().toString(36)}`;
      console.error(`eddy start: ${err.message}\neddy start: continuing with a fresh pipeline under group ${group}`);
      return await runPipeline(["--brokers", brokers.join(","), "--group", group, "--sink", f.sink.join(",")]);
    }
  } finally {
    abort.abort();
    await generator;
  }
}
