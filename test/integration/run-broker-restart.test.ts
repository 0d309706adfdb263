/**
 * A broker restart in the middle of `eddy run`: the runner reconnects (or restarts in-process from
 * its last checkpoint) and the read_committed output is still exactly the file replay's.
 *
 * The input's disorder stays within the watermark delay (no generator "late" events): SPEC makes
 * results independent of how the topics interleave only for such input. An event older than the
 * delay is late or not depending on how far the other topics have moved the watermark when it
 * arrives, and a restart changes that interleaving whenever the source stops waiting for a lagging
 * partition (the aligned merge waits at most 2 s, kafka-fetch-queue.ts), e.g. while the restarted
 * broker brings a partition back. With late events in the input, a restart turned some of them
 * into counted events (same rows, other values). Late input through Kafka is run-kafka.test.ts.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { main } from "../../src/server/cli";
import { jsonlLine } from "../../src/server/generator";
import { testKafka } from "../helpers/kafka";
import { expectExactlyOnce, readCommitted } from "../helpers/kafka-io";
import { records } from "../helpers/pipeline";
import { startRestartableBroker, type RestartableBroker } from "../helpers/restartable-broker";
import { produce, resultFileRows, runChild, runTopics, topicFlags } from "../helpers/run-kafka";

const dir = mkdtempSync(join(tmpdir(), "eddy-run-restart-"));
let broker: RestartableBroker | undefined;
afterAll(async () => {
  await broker?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

it("survives a broker restart mid-run with exact output", async () => {
  const recs = records(40_000, { seed: 31, late: 0, invalid: 0.01, anomaly: 0.005 });
  const input = join(dir, "in.jsonl");
  writeFileSync(input, recs.map((r) => jsonlLine(r) + "\n").join(""));
  expect(await main(["run", "--input", input, "--output", join(dir, "file"), "--sink", "files"])).toBe(0);
  const want = resultFileRows(join(dir, "file"));
  // The premise of the comparison: nothing in the input is late, whatever the interleaving.
  expect(existsSync(join(dir, "file", "late"))).toBe(false);

  broker = await startRestartableBroker();
  const t = runTopics("restart");
  await produce(broker.brokers, t, recs);
  const b = broker;
  let restarted: Promise<void> | undefined;
  let log = "";
  const run = runChild(
    ["run", "--brokers", b.brokers.join(","), ...topicFlags(t), "--until-end", "--sink", "kafka", "--checkpoint-interval", "200ms"],
    undefined,
    process.env,
    (line) => {
      log += line;
      // After the first checkpoint that committed rows (mid-stream): take the broker away for a few seconds.
      if (!restarted && /"event":"checkpoint","epoch":\d+,"rows":[1-9]/.test(line)) {
        restarted = (async () => {
          stoppedAt = Date.now();
          await b.stop();
          await new Promise((r) => setTimeout(r, 3000));
          await b.start();
        })();
      }
    },
  );
  let stoppedAt = 0;
  // A hang must fail with the runner's own log, not a bare test timeout.
  const guard = setTimeout(() => console.error(`runner still running after 150 s; its log:\n${log.slice(-4000)}`), 150_000);
  const result = await run;
  clearTimeout(guard);
  const exitedAt = Date.now();
  await restarted;
  expect(result.code).toBe(0);
  expect(restarted).toBeDefined();
  // The run was still going when the broker went away, and outlived the outage.
  expect(exitedAt).toBeGreaterThan(stoppedAt + 3000);
  console.log(result.stderr.split("\n").filter((l) => /restart|warn|error/i.test(l)).slice(0, 5).join("\n"));
  const got = (await readCommitted(testKafka(b.brokers), t.results)).map((r) => r.value!);
  expectExactlyOnce(got, want, "result rows after a broker restart");
});
