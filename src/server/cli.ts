/**
 * `eddy` command dispatcher. Each subcommand lives in src/server/commands/<name>.ts and exports
 * `run(argv): Promise<number>` (the exit code) and `help(): string`, so that tests can call it
 * in-process and so that `--help` is answered here, before a command resolves its settings
 * (which may need a broker or an input that a user asking for help has not given).
 *
 * Exit codes: 0 success, 1 failure at run time (a broker that cannot be reached included: the
 * flags were well-formed, the environment was not ready, and retrying later may succeed), 2 a
 * usage error (unknown command or flag, bad value; retrying the same line cannot succeed).
 */
import { readFileSync } from "node:fs";
import { UsageError, wantsHelp } from "./args";
import { didYouMean } from "./suggest";

/** What a command module exports. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
  help(): string;
}

type Command = { summary: string; load: () => Promise<CommandModule> };

const COMMANDS: Record<string, Command> = {
  generate: { summary: "produce realistic clickstream, transactions and orders (to Kafka or a JSONL file)", load: () => import("./commands/generate") },
  run: { summary: "the headless job: Kafka or a JSONL file in, every SPEC metric out (console, Kafka, files)", load: () => import("./commands/run") },
  start: { summary: "one-command demo: local broker (unless KAFKA_BROKERS) + generator", load: () => import("./commands/start") },
  serve: { summary: "web console and its gateway on one port (after npm run build); embedded generator unless KAFKA_BROKERS", load: () => import("./commands/serve") },
  dev: { summary: "gateway (restarting on change) + Vite dev server for the web console; prints the URL", load: () => import("./commands/dev") },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    "usage: eddy <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "options:",
    "  -h, --help     this overview",
    "  -v, --version  eddy's version (and Node's)",
    "",
    "Run `eddy help <command>` or `eddy <command> --help` for a command's options.",
  ].join("\n");
}

/** `eddy <version from package.json> (node vX.Y.Z)`. */
export function versionText(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return `eddy ${pkg.version} (node ${process.version})`;
}

function unknownCommand(name: string): number {
  const near = didYouMean(name, Object.keys(COMMANDS), (c) => `'${c}'`);
  console.error(`eddy: unknown command '${name}'.${near} Run \`eddy --help\` for the list of commands.`);
  return 2;
}

/**
 * Runs the CLI with `argv` (without node and script) and resolves to the exit code. `eddy` alone
 * prints the overview and exits 2, like git (which exits 1) and unlike kubectl (0): a script that
 * forgot the command should not pass.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.log(usage());
    return 2;
  }
  if (name === "--help" || name === "-h") {
    console.log(usage());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(versionText());
    return 0;
  }
  if (name === "help") {
    const topic = rest[0];
    if (topic === undefined || topic === "help") {
      console.log(usage());
      return 0;
    }
    if (!COMMANDS[topic]) return unknownCommand(topic);
    console.log((await COMMANDS[topic].load()).help());
    return 0;
  }
  if (name.startsWith("-")) {
    const near = didYouMean(name.replace(/^-+/, ""), ["help", "version"], (o) => `--${o}`);
    console.error(`eddy: unknown option '${name}'.${near} Run \`eddy --help\` for usage.`);
    return 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) return unknownCommand(name);
  try {
    const mod = await cmd.load();
    if (wantsHelp(rest)) {
      console.log(mod.help());
      return 0;
    }
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.helpHint ? `eddy ${name}: ${err.message}\nSee \`eddy ${name} --help\` for the options.` : `eddy ${name}: ${err.message}`);
      return 2;
    }
    console.error(`eddy ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.EDDY_DEBUG) console.error(err);
    return 1;
  }
}
