/**
 * `eddy` command dispatcher. Each subcommand lives in src/server/commands/<name>.ts and
 * exports `run(argv): Promise<number>` (the exit code), so that tests can call it in-process.
 */
import { UsageError } from "./args";

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  generate: { summary: "produce realistic clickstream, transactions and orders (to Kafka or a JSONL file)", load: () => import("./commands/generate") },
  run: { summary: "the headless job: Kafka or a JSONL file in, every SPEC metric out (console, Kafka, files)", load: () => import("./commands/run") },
  start: { summary: "one-command demo: local broker (unless KAFKA_BROKERS) + generator", load: () => import("./commands/start") },
  serve: { summary: "web console and its gateway on one port (after npm run build); embedded generator unless KAFKA_BROKERS", load: () => import("./commands/serve") },
  dev: { summary: "gateway (restarting on change) + Vite dev server for the web console; prints the URL", load: () => import("./commands/dev") },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: eddy <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun \`eddy <command> --help\` for a command's options.`;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`eddy: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`eddy ${name}: ${err.message}`);
      return 2;
    }
    console.error(`eddy ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.EDDY_DEBUG) console.error(err);
    return 1;
  }
}
