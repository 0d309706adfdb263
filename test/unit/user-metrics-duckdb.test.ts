/**
 * User-defined metrics against an independent engine: `eddy generate` events plus a `reviews`
 * fixture (nested fields, mistyped optional fields, a few invalid messages) in one JSONL file,
 * `eddy run --input` over it with examples/metrics.json and extra definitions (where on amount,
 * a sliding window, boolean + number groupBy, a session over a declared input), and every row
 * of every user metric compared with DuckDB SQL written from SPEC over the same file: windows by
 * floor arithmetic on epoch ms, sessions by window functions (a gap >= GAP starts a session).
 * Disorder stays within the watermark delay and nothing is late (the run says so), so SQL over
 * all valid events is the right oracle. Counts compare exactly, doubles to 1e-9 relative.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_CATALOG } from "../../src/core/catalog";
import type { MetricJson, MetricsFileJson } from "../../src/core/metrics/user/definition";
import { main } from "../../src/server/cli";
import { reviewLine, reviewRecords } from "../helpers/reviews-fixture";

const dir = mkdtempSync(join(tmpdir(), "eddy-udm-duckdb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIN = 60_000;

/** Extra definitions: where-ops on amount, a sliding window, boolean + number groupBy, a session on a declared input. */
const EXTRA: MetricJson[] = [
  {
    name: "big_purchases",
    from: "transactions",
    where: [{ field: "amount", gte: 100 }, { field: "amount", lt: 400 }, { field: "category", ne: "books" }],
    groupBy: ["category"],
    window: { sliding: "5m", every: "1m" },
    aggregates: { purchases: { fn: "count" }, revenue: { fn: "sum", field: "amount" }, smallest: { fn: "min", field: "amount" }, buyers: { fn: "count_distinct", field: "user_id" } },
  },
  {
    name: "ratings_by_verified",
    from: "reviews",
    where: [{ field: "user.country", in: ["de", "fr", "us"] }, { field: "rating", gt: 1 }],
    groupBy: ["verified", "rating"],
    window: { tumbling: "30m" },
    aggregates: { reviews: { fn: "count" }, reviewers: { fn: "count_distinct", field: "user.id" }, rating_sum: { fn: "sum", field: "rating" } },
  },
  {
    name: "review_streaks",
    from: "reviews",
    where: [{ field: "user.country", exists: true }],
    groupBy: ["user.id"],
    window: { session: "10m" },
    aggregates: { reviews: { fn: "count" }, avg_rating: { fn: "avg", field: "rating" }, best: { fn: "max", field: "rating" } },
  },
];

/** Runs the CLI in-process with its output silenced. */
async function eddy(...argv: string[]): Promise<number> {
  const spies = [vi.spyOn(console, "log").mockImplementation(() => {}), vi.spyOn(console, "error").mockImplementation(() => {}), vi.spyOn(process.stderr, "write").mockImplementation(() => true)];
  try {
    return await main(argv);
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const NUM = "('UBIGINT', 'BIGINT', 'DOUBLE')";
/** Epoch ms of a JSON time field: a number of ms, or ISO-8601 with a zone. */
const timeOf = (path: string) =>
  `CASE WHEN json_type(value, '${path}') IN ${NUM} THEN CAST(value->>'${path}' AS DOUBLE)::BIGINT ` +
  `WHEN json_type(value, '${path}') = 'VARCHAR' THEN epoch_ms(TRY_CAST(value->>'${path}' AS TIMESTAMPTZ)) END`;
/** A declared field: its value when of the declared type, else NULL (SPEC: counts as missing). */
const str = (p: string) => `CASE WHEN json_type(value, '$.${p}') = 'VARCHAR' THEN value->>'$.${p}' END`;
const num = (p: string) => `CASE WHEN json_type(value, '$.${p}') IN ${NUM} THEN CAST(value->>'$.${p}' AS DOUBLE) END`;
const bool = (p: string) => `CASE WHEN json_type(value, '$.${p}') = 'BOOLEAN' THEN CAST(value->>'$.${p}' AS BOOLEAN) END`;

/** Tumbling window bounds of `t` for size S. */
const tumble = (s: number) => `(floor(t / ${s})::BIGINT * ${s}) AS window_start, (floor(t / ${s})::BIGINT * ${s} + ${s}) AS window_end`;
/** Sliding windows of size S every D: one row per window, `start <= t < start + S` with start a multiple of D. */
const slide = (from: string, s: number, d: number) =>
  `(SELECT *, floor(t / ${d})::BIGINT * ${d} - k * ${d} AS window_start, floor(t / ${d})::BIGINT * ${d} - k * ${d} + ${s} AS window_end FROM ${from} CROSS JOIN range(0, ${s / d}) AS r(k))`;
/** Sessions of `from` per `key` (a SQL expression list): a gap of >= GAP starts a new one. */
const sessions = (from: string, key: string, gap: number) => `(
  SELECT *, sum(fresh) OVER (PARTITION BY ${key} ORDER BY t ROWS UNBOUNDED PRECEDING) AS sid FROM (
    SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY ${key} ORDER BY t) < ${gap} THEN 0 ELSE 1 END AS fresh FROM ${from}))`;

/** The oracle, one SELECT per metric, written from SPEC (not from eddy's code). */
const SQL: Record<string, string> = {
  errors_by_device: `SELECT ${tumble(MIN)}, device, count(*) AS errors, count(DISTINCT user_id) AS users
    FROM clicks WHERE action = 'error' GROUP BY ALL`,
  revenue_by_currency: `SELECT window_start, window_end, currency, sum(amount) AS revenue, avg(amount) AS avg_amount, max(amount) AS largest
    FROM ${slide("tx", 10 * MIN, MIN)} GROUP BY ALL`,
  cart_adds_by_category: `SELECT ${tumble(5 * MIN)}, category, count(*) AS adds, count(DISTINCT product_id) AS products
    FROM clicks WHERE action = 'add_to_cart' GROUP BY ALL`,
  browsing_sessions: `SELECT min(t) AS window_start, max(t) + ${30 * MIN} AS window_end, user_id, count(*) AS events, count(DISTINCT product_id) AS products
    FROM ${sessions("clicks", "user_id", 30 * MIN)} GROUP BY user_id, sid`,
  verified_ratings: `SELECT ${tumble(60 * MIN)}, product_id, count(*) AS reviews, avg(rating) AS avg_rating, min(rating) AS lowest
    FROM rv WHERE verified = true GROUP BY ALL`,
  reviews_by_country: `SELECT ${tumble(15 * MIN)}, country AS "user.country", count(*) AS reviews, count(DISTINCT user_id) AS reviewers
    FROM rv GROUP BY ALL`,
  big_purchases: `SELECT window_start, window_end, category, count(*) AS purchases, sum(amount) AS revenue, min(amount) AS smallest, count(DISTINCT user_id) AS buyers
    FROM ${slide("(SELECT * FROM tx WHERE amount >= 100 AND amount < 400 AND category <> 'books')", 5 * MIN, MIN)} GROUP BY ALL`,
  ratings_by_verified: `SELECT ${tumble(30 * MIN)}, verified, rating, count(*) AS reviews, count(DISTINCT user_id) AS reviewers, sum(rating) AS rating_sum
    FROM rv WHERE country IN ('de', 'fr', 'us') AND rating > 1 GROUP BY ALL`,
  review_streaks: `SELECT min(t) AS window_start, max(t) + ${10 * MIN} AS window_end, user_id AS "user.id", count(*) AS reviews, avg(rating) AS avg_rating, max(rating) AS best
    FROM ${sessions("(SELECT * FROM rv WHERE country IS NOT NULL)", "user_id", 10 * MIN)} GROUP BY user_id, sid`,
};

let db: DuckDBConnection;
let definitions: MetricJson[] = [];
let summary: { events: { in: number; valid: number; invalid: number; late: number }; rows_out: Record<string, number> };
let invalidReviews = 0;
const out = join(dir, "out");

beforeAll(async () => {
  const generated = join(dir, "generated.jsonl");
  expect(await eddy("generate", "--out", generated, "--rate", "max", "--count", "20000", "--seed", "31", "--users", "300", "--late-fraction", "0", "--out-of-order-ms", "120000")).toBe(0);
  const text = readFileSync(generated, "utf8");
  const first = JSON.parse(text.slice(0, text.indexOf("\n"))) as { value: { timestamp: number | string } };
  const t0 = typeof first.value.timestamp === "number" ? first.value.timestamp : Date.parse(first.value.timestamp);
  const rv = reviewRecords(t0, 3000, 7);
  invalidReviews = rv.filter((r) => r.bad).length;
  const input = join(dir, "input.jsonl");
  writeFileSync(input, text + rv.map((r) => reviewLine("reviews", r)).join("\n") + "\n");
  const example = JSON.parse(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8")) as MetricsFileJson;
  const file: MetricsFileJson = { inputs: example.inputs, metrics: [...example.metrics, ...EXTRA] };
  definitions = file.metrics;
  const metrics = join(dir, "metrics.json");
  writeFileSync(metrics, JSON.stringify(file));
  expect(await eddy("run", "--input", input, "--output", out, "--sink", "jsonl", "--metrics-file", metrics, "--log-format", "json")).toBe(0);
  summary = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));

  const instance = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
  db = await instance.connect();
  const catalog = DEFAULT_CATALOG.products.map((p) => `(${lit(p.product_id)}, ${lit(p.category)})`).join(", ");
  await db.run(`CREATE TABLE catalog(product_id VARCHAR, category VARCHAR); INSERT INTO catalog VALUES ${catalog}`);
  await db.run(`CREATE TABLE raw AS SELECT topic, value FROM read_json(${lit(input)}, format = 'newline_delimited', columns = {topic: 'VARCHAR', key: 'VARCHAR', value: 'JSON'})`);
  // SPEC events (the generator writes only valid ones here): time, and category from the catalog when missing.
  const spec = (topic: string) => `SELECT ${timeOf("$.timestamp")} AS t, value->>'$.user_id' AS user_id, value->>'$.product_id' AS product_id,
      coalesce(value->>'$.category', (SELECT category FROM catalog c WHERE c.product_id = (value->>'$.product_id')), 'unknown') AS category, value
    FROM raw WHERE topic = ${lit(topic)}`;
  await db.run(`CREATE TABLE clicks AS SELECT t, user_id, product_id, category, value->>'$.action' AS action, value->>'$.device' AS device FROM (${spec("clickstream")})`);
  await db.run(`CREATE TABLE tx AS SELECT t, user_id, product_id, category, CAST(value->>'$.amount' AS DOUBLE) AS amount, value->>'$.currency' AS currency FROM (${spec("transactions")})`);
  // Declared input: valid when an object with its time and its required fields of their types.
  await db.run(`CREATE TABLE rv AS SELECT * FROM (
      SELECT ${timeOf("$.created_at")} AS t, ${str("review_id")} AS review_id, ${str("product_id")} AS product_id, ${str("user.id")} AS user_id,
        ${str("user.country")} AS country, ${num("rating")} AS rating, ${bool("verified")} AS verified
      FROM raw WHERE topic = 'reviews' AND json_type(value) = 'OBJECT')
    WHERE t IS NOT NULL AND review_id IS NOT NULL AND product_id IS NOT NULL AND rating IS NOT NULL`);
}, 120_000);

/** A row keyed by its window and group, values apart. */
interface Keyed {
  key: string;
  values: Record<string, unknown>;
}

function keyed(rows: Record<string, unknown>[], groups: string[]): Keyed[] {
  return rows
    .map((r) => {
      const values = { ...r };
      const k = [r.window_start, r.window_end, ...groups.map((g) => r[g] ?? null)];
      for (const f of ["metric", "window_start", "window_end", ...groups]) delete values[f];
      return { key: JSON.stringify(k), values };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function sqlRows(sql: string): Promise<Record<string, unknown>[]> {
  const rows = await (await db.runAndReadAll(sql)).getRowObjectsJS();
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
}

function eddyRows(metric: string): Record<string, unknown>[] {
  return readFileSync(join(out, `${metric}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      return { ...r, window_start: Date.parse(r.window_start as string), window_end: Date.parse(r.window_end as string) };
    });
}

describe("user-defined metrics against DuckDB over the same JSONL", () => {
  it("the run read every record, rejected exactly the invalid reviews, and found nothing late", () => {
    expect(summary.events.late).toBe(0);
    expect(invalidReviews).toBeGreaterThan(10);
    expect(summary.events.invalid).toBe(invalidReviews);
    expect(summary.events.in).toBe(20_000 + 3000);
  });

  it.each(Object.keys(SQL))("%s: every row equal to the SQL oracle's", async (metric) => {
    const want = await sqlRows(SQL[metric]!);
    const got = eddyRows(metric);
    expect(got.length).toBeGreaterThan(0);
    const def = definitions.find((m) => m.name === metric)!;
    const counts = new Set(Object.entries(def.aggregates).filter(([, a]) => a.fn === "count" || a.fn === "count_distinct").map(([name]) => name));
    const g = keyed(got, def.groupBy ?? []), w = keyed(want, def.groupBy ?? []);
    expect(g.map((x) => x.key)).toEqual(w.map((x) => x.key));
    g.forEach((row, i) => {
      const x = w[i]!.values;
      expect(Object.keys(row.values).sort(), row.key).toEqual(Object.keys(x).sort());
      for (const [f, v] of Object.entries(row.values)) {
        const e = x[f];
        if (counts.has(f) || typeof e !== "number" || typeof v !== "number") expect(v, `${metric} ${row.key} ${f}`).toEqual(e);
        else expect(Math.abs(v - e), `${metric} ${row.key} ${f}: ${v} vs ${e}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(v), Math.abs(e)));
      }
    });
    expect(summary.rows_out[metric]).toBe(got.length);
  });
});
