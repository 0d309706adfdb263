/**
 * Child process for the kill -9 test: runs the fake pipeline of `file-sink-helpers` to epoch
 * argv[4] over argv[2] (output) and argv[3] (checkpoints), printing each step as it passes so
 * the test can kill it at chosen points.
 */
import { drive } from "./file-sink-helpers";

const [out, ck, last] = process.argv.slice(2);
await drive(out, ck, Number(last), (step) => {
  process.stdout.write(`${step}\n`);
  return false;
});
process.stdout.write("done\n");
