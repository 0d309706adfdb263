/**
 * Parallel runners against the real broker: several `eddy run --parallel` processes in one group
 * over 6 partitions write, for a read_committed consumer, exactly the windowed and session rows
 * one runner writes — when all run from the start, when one is killed -9 mid-run, when one joins
 * mid-run and when one is stopped gracefully — and score each transaction at most once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/server/cli";
import { testBrokers, testKafka, uniqueName } from "../helpers/kafka";
import { expectExactlyOnce, readCommitted } from "../helpers/kafka-io";
import { records } from "../helpers/pipeline";
import { produce, runChild, runTopics, topicFlags, type RunTopics } from "../helpers/run-kafka";
import { spawnRunner, type RunnerProcess } from "../helpers/parallel-runners";

const PARTITIONS = 6;
let t: RunTopics;
/** The single runner's rows (anomalies apart), the reference. */
let expected: string[] = [];
let transactions = 0;
/** Transactions the single runner flagged. */
let singleFlagged = new Set<string>();
/** The single runner's flags (its group holds a single runner's checkpoint). */
let singleArgs: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "eddy-parallel-"));
/** examples/metrics.json with its declared input on a topic of this run: user metrics merge too. */
const metricsFile = join(dir, "metrics.json");

/** Flags of a run over the shared input topics writing to its own results topic and group. */
function flags(name: string): { args: string[]; results: string; anomalies: string } {
  const p = uniqueName(name);
  const results = `${p}-results`;
  const anomalies = `${p}-anomalies`;
  return {
    results,
    anomalies,
    args: [
      "run", "--brokers", testBrokers().join(","), ...topicFlags(t), "--group", `${p}-group`, "--results-topic", results,
      "--anomalies-topic", anomalies, "--processed-orders-topic", `${p}-processed`, "--product-metrics-topic", `${p}-product-metrics`,
      "--until-end", "--sink", "kafka", "--checkpoint-interval", "500ms", "--poll-records", "2000", "--metrics-file", metricsFile,
    ],
  };
}

function split(rows: string[]): { windowed: string[]; anomalies: string[] } {
  const windowed: string[] = [];
  const anomalies: string[] = [];
  for (const r of rows) (JSON.parse(r).metric === "purchase_anomalies" ? anomalies : windowed).push(r);
  return { windowed, anomalies };
}

async function rowsOf(topic: string): Promise<string[]> {
  return (await readCommitted(testKafka(), topic)).map((r) => r.value!);
}

/** The parallel run's rows equal the single runner's; each transaction is scored at most once. */
async function expectSameAsOneRunner(f: { results: string; anomalies: string }): Promise<void> {
  const { windowed, anomalies } = split(await rowsOf(f.results));
  const count = (rows: string[]) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(r, (m.get(r) ?? 0) + 1);
    return m;
  };
  const got = count(windowed);
  const want = count(expected);
  const diff: Record<string, { extra: number; missing: number }> = {};
  for (const [r, n] of got) if (n > (want.get(r) ?? 0)) (diff[JSON.parse(r).metric] ??= { extra: 0, missing: 0 }).extra += n - (want.get(r) ?? 0);
  for (const [r, n] of want) if (n > (got.get(r) ?? 0)) (diff[JSON.parse(r).metric] ??= { extra: 0, missing: 0 }).missing += n - (got.get(r) ?? 0);
  expect(diff, "rows that differ from one runner's, per metric").toEqual({});
  expectExactlyOnce(windowed, expected, "windowed and session rows");
  const ids = (await rowsOf(f.anomalies)).map((r) => JSON.parse(r).transaction_id as string);
  expect(new Set(ids).size).toBe(ids.length);
  expect(anomalies.length).toBe(ids.length);
  expect(ids.length).toBeLessThan(transactions);
  // Scored in another order (per category, as the merge tasks read them), the injected outliers
  // still stand out: nearly every transaction the single runner flagged is flagged here too.
  const both = ids.filter((id) => singleFlagged.has(id)).length;
  expect(both).toBeGreaterThanOrEqual(Math.floor(0.8 * singleFlagged.size));
  expect(singleFlagged.size).toBeGreaterThan(10);
}

beforeAll(async () => {
  t = runTopics("parallel");
  const example = JSON.parse(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8"));
  example.inputs.reviews.topic = `${t.prefix}reviews`;
  writeFileSync(metricsFile, JSON.stringify(example));
  const recs = records(30_000, { seed: 31, late: 0, invalid: 0.01, anomaly: 0.01, users: 400 });
  transactions = recs.filter((r) => r.kind === "transactions").length;
  await produce(testBrokers(), t, recs, PARTITIONS);
  const one = flags("single");
  singleArgs = one.args;
  expect(await main(one.args)).toBe(0);
  expected = split(await rowsOf(one.results)).windowed.sort();
  singleFlagged = new Set((await rowsOf(one.anomalies)).map((r) => JSON.parse(r).transaction_id as string));
  expect(expected.length).toBeGreaterThan(1000);
  // The user metrics are in the reference too, so their merged rows are checked like the built-ins'.
  for (const m of ["errors_by_device", "revenue_by_currency", "cart_adds_by_category", "browsing_sessions"]) {
    expect(expected.some((r) => JSON.parse(r).metric === m)).toBe(true);
  }
}, 240_000);

describe("parallel runners in one group", () => {
  it("--workers 3 gives one runner's rows and every worker exits 0", async () => {
    const f = flags("workers");
    const r = await runChild([...f.args, "--workers", "3"]);
    expect(r.code).toBe(0);
    await expectSameAsOneRunner(f);
  });

  it("gives one runner's rows when a runner is killed -9 mid-run", async () => {
    const f = flags("kill");
    const runners: RunnerProcess[] = [0, 1, 2].map(() => spawnRunner([...f.args, "--parallel"]));
    await runners[1].checkpoints(2);
    runners[1].kill("SIGKILL");
    const codes = await Promise.all([runners[0].exit, runners[2].exit]);
    expect(codes).toEqual([0, 0]);
    await expectSameAsOneRunner(f);
  });

  it("gives one runner's rows when a runner joins mid-run and another stops gracefully", async () => {
    const f = flags("join");
    const a = spawnRunner([...f.args, "--parallel"]);
    const b = spawnRunner([...f.args, "--parallel"]);
    await a.checkpoints(2);
    const c = spawnRunner([...f.args, "--parallel"]);
    await c.checkpoints(1);
    b.kill("SIGTERM");
    expect(await b.exit).toBe(0);
    expect(await Promise.all([a.exit, c.exit])).toEqual([0, 0]);
    await expectSameAsOneRunner(f);
  });

  it("refuses to run a single runner's group as parallel runners, naming the way out", async () => {
    const r = spawnRunner([...singleArgs, "--parallel"]);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/has checkpoints of a single runner/);
    expect(r.stderr()).toMatch(/Use a new --group/);
  });

  it("refuses inputs that are not co-partitioned, naming the fix", async () => {
    const u = runTopics("copart");
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: u.clickstream, numPartitions: 4 }, { topic: u.transactions, numPartitions: 2 }, { topic: u.orders, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const r = spawnRunner(["run", "--brokers", testBrokers().join(","), ...topicFlags(u), "--until-end", "--sink", "kafka", "--parallel"]);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/co-partitioned/);
    expect(r.stderr()).toMatch(/'.*clickstream' has 4 partitions and '.*transactions' has 2/);
    expect(r.stderr()).toMatch(/--partitions 4/);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
