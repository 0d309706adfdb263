/**
 * Child-process entry of the pass-through runner, so a test can kill -9 it mid-epoch:
 * `node --import tsx kafka-pass-through-main.ts '<PassThroughOptions as JSON>'`.
 * Prints `ready` once reading and `commit <epoch>` after each commit; exits 0 at the end of input.
 */
import { runPassThrough, type PassThroughOptions } from "./kafka-pass-through";

const options = JSON.parse(process.argv[2]) as PassThroughOptions;
runPassThrough({
  ...options,
  onReady: () => process.stdout.write("ready\n"),
  onCommit: (epoch) => process.stdout.write(`commit ${epoch}\n`),
}).then(
  (epoch) => {
    process.stdout.write(`done ${epoch}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`pass-through failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
