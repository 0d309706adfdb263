/**
 * `npm run kafka:start [-- --port N]` / `npm run kafka:stop [-- --port N]`: a local single-node
 * KRaft broker for development, state kept under the eddy cache so topics survive a restart.
 */
import { MissingToolError } from "./kafka-install";
import { localBrokerCommand } from "../src/server/kafka/reachable";
import { devBrokerDir, runningBrokerPid, startBroker, stopPid } from "./kafka-broker";

function portArg(argv: string[]): number {
  const i = argv.findIndex((a) => a === "--port" || a.startsWith("--port="));
  if (i < 0) return 9092;
  const raw = argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port: expected an integer between 1 and 65535, got '${raw}'`);
  }
  return port;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const port = portArg(rest);
  const dir = devBrokerDir(port);
  if (cmd === "start") {
    const running = runningBrokerPid(port);
    if (running) {
      console.log(`kafka: already running on 127.0.0.1:${port} (pid ${running}); stop it with \`${localBrokerCommand("stop", port)}\``);
      return 0;
    }
    const t0 = Date.now();
    const b = await startBroker({ port, dir, log: (s) => console.log(`kafka: ${s}`) });
    console.log(`kafka: broker ready on ${b.brokers[0]} (pid ${b.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s; log ${b.logFile}`);
    console.log(`kafka: use it with KAFKA_BROKERS=${b.brokers[0]}; stop it with \`${localBrokerCommand("stop", port)}\``);
    return 0;
  }
  if (cmd === "stop") {
    const pid = runningBrokerPid(port);
    if (!pid) {
      console.log(`kafka: no eddy broker running on port ${port}`);
      return 0;
    }
    await stopPid(pid);
    console.log(`kafka: stopped broker on port ${port} (pid ${pid})`);
    return 0;
  }
  console.error("usage: node --import tsx scripts/kafka.ts start|stop [--port N]");
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof MissingToolError ? `kafka: ${err.message}` : `kafka: ${(err as Error).message}`);
    process.exit(1);
  },
);
