/**
 * `eddy dev` (`npm run dev`): the gateway (`eddy serve --api-only`, restarted by tsx watch when a
 * server file changes) and the Vite dev server, which proxies /api and /ws to it. Prints one URL.
 * Without KAFKA_BROKERS the gateway runs on the embedded generator, so the charts move at once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_GATEWAY_PORT } from "../../core/frames";
import { helpText, parseFlags, UsageError } from "../args";
import { normalizeAllowedHost } from "../gateway/hosts";
import { listenProblem, tryListen } from "../gateway/startup";
import { loadMetricSelection, METRICS_FLAGS } from "../runner/metrics-file";

const FLAGS = {
  port: { type: "int", default: DEFAULT_GATEWAY_PORT, min: 1, max: 65535, help: "port of the gateway (Vite proxies /api and /ws to it)" },
  "web-port": { type: "int", default: 5173, min: 1, max: 65535, help: "port of the Vite dev server (the next free one if taken)" },
  brokers: { type: "string", env: "KAFKA_BROKERS", help: "bridge these Kafka brokers instead of the embedded generator" },
  rate: { type: "int", default: 200, min: 1, max: 100_000, help: "events per second of the embedded generator" },
  "allowed-hosts": {
    type: "list",
    env: "EDDY_ALLOWED_HOSTS",
    help: "host names the console may be opened at besides localhost, 127.0.0.1, [::1] (comma-separated; .example.com for subdomains)",
  },
  "max-future-skew": { type: "duration", min: 0, help: "events stamped further ahead of the wall clock are invalid (default 1h; see eddy serve)" },
  ...METRICS_FLAGS,
} as const;

const USAGE = "usage: eddy dev [--port 8787] [--web-port 5173] [--brokers host:9092] [--allowed-hosts a,b] [--metrics-file metrics.json [--only a,b]]";
const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
/** The gateway stays on loopback under dev: the browser reaches it through Vite's proxy. */
const GATEWAY_HOST = "127.0.0.1";

/** The text of `eddy dev --help`. */
export function help(): string {
  return helpText(USAGE, FLAGS);
}

/** Entry point of `eddy dev`. */
export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (f._.length > 0) throw new UsageError(`unexpected argument '${f._[0]}': eddy dev takes only --flags`);
  let allowedHosts: string[];
  try {
    allowedHosts = (f["allowed-hosts"] ?? []).map(normalizeAllowedHost);
  } catch (err) {
    throw new UsageError(`--allowed-hosts: ${(err as Error).message}`);
  }
  // The gateway runs under tsx watch, which outlives a gateway that exits: check what would stop it
  // first — the metrics file (the same validation as `eddy run`, exit 2) and the port.
  loadMetricSelection(f["metrics-file"], f.only);
  const metricsFile = f["metrics-file"] === undefined ? undefined : resolve(f["metrics-file"]);
  const problem = await listenProblem(await tryListen(GATEWAY_HOST, f.port), GATEWAY_HOST, f.port);
  if (problem) throw new UsageError(problem, { helpHint: false });
  const { createServer } = await import("vite");
  const target = `${GATEWAY_HOST}:${f.port}`;
  const vite = await createServer({
    configFile: resolve(ROOT, "vite.config.ts"),
    clearScreen: false,
    logLevel: "warn",
    server: {
      port: f["web-port"],
      // Vite checks the Host of what reaches it; the proxied requests then carry the gateway's own
      // Host (changeOrigin, as the string form does by default), which its Host check accepts.
      ...(allowedHosts.length ? { allowedHosts } : {}),
      proxy: {
        "/api": `http://${target}`,
        "/ws": { target: `ws://${target}`, ws: true, changeOrigin: true },
        "/collect": `http://${target}`,
        "/metrics": `http://${target}`,
      },
    },
  });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0] ?? `http://localhost:${f["web-port"]}/`;
  const origins = [...(vite.resolvedUrls?.local ?? []), ...(vite.resolvedUrls?.network ?? [])].map((u) => new URL(u).origin);
  const args = [resolve(ROOT, "node_modules/tsx/dist/cli.mjs"), "watch", "--clear-screen=false", "--exclude", "src/web/**", resolve(ROOT, "bin/eddy.js"), "serve", "--api-only", "--port", String(f.port), "--rate", String(f.rate)];
  if (f.brokers) args.push("--brokers", f.brokers);
  if (allowedHosts.length) args.push("--allowed-hosts", allowedHosts.join(","));
  if (f["max-future-skew"] !== undefined) args.push("--max-future-skew", `${f["max-future-skew"]}ms`);
  // The gateway runs in the repository root: the file's path is made absolute first.
  if (metricsFile !== undefined) args.push("--metrics-file", metricsFile);
  if (f.only?.length) args.push("--only", f.only.join(","));
  const env = { ...process.env, EDDY_DEV: "1", EDDY_ALLOWED_ORIGINS: [process.env.EDDY_ALLOWED_ORIGINS, ...origins].filter(Boolean).join(",") };
  const gateway: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  console.log(`\n  eddy console: ${url}\n`);
  console.error(`eddy dev: ${f.brokers ? `bridging Kafka ${f.brokers}` : `embedded generator at ${f.rate} events/s (set KAFKA_BROKERS to bridge Kafka)`}; Ctrl-C stops`);
  // Vite's own SIGTERM handler ends the process with process.exit(): the gateway child is
  // stopped synchronously in every path, never left running behind us.
  const stopGateway = () => {
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill("SIGTERM");
  };
  process.once("exit", stopGateway);
  const code = await new Promise<number>((done) => {
    const stop = () => {
      stopGateway();
      done(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    gateway.once("exit", (c) => done(c ?? 1));
  });
  stopGateway();
  await vite.close();
  return code;
}
