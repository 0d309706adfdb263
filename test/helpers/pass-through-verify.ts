/**
 * The output an uninterrupted pass-through run (kafka-pass-through.ts) gives for an input, and
 * the check that the committed output equals it: one row per valid record with its partition's
 * running count 1..n in offset order, and every bad record once in `<input>.dlq`.
 */
import type { Kafka } from "kafkajs";
import { expect } from "vitest";
import { readCommitted } from "./kafka-io";

/** Asserts the read_committed output of a pass-through run over `values` (record i on partition i % partitions). */
export async function expectExactPassThroughOutput(
  kafka: Kafka,
  o: { input: string; values: string[]; partitions: number; resultsTopic: string; context?: string },
): Promise<void> {
  const { input, values, partitions } = o;
  const valid = values.map((v, i) => ({ v, p: i % partitions, offset: Math.floor(i / partitions) })).filter((r) => r.v !== "bad");
  const rows = (await readCommitted(kafka, o.resultsTopic)).map((r) => JSON.parse(r.value!));
  expect(rows.length, o.context).toBe(valid.length);
  expect(new Set(rows.map((r) => r.product_id))).toEqual(new Set(valid.map((r) => `${input}/${r.p}/${r.offset}`)));
  for (let p = 0; p < partitions; p++) {
    const mine = rows
      .filter((r) => r.product_id.startsWith(`${input}/${p}/`))
      .sort((a, b) => Number(a.product_id.split("/")[2]) - Number(b.product_id.split("/")[2]));
    expect(mine.map((r) => r.views), o.context).toEqual(mine.map((_, i) => i + 1));
  }
  const bad = values.filter((v) => v === "bad").length;
  const dlq = await readCommitted(kafka, `${input}.dlq`);
  expect(dlq, o.context).toHaveLength(bad);
  expect(new Set(dlq.map((r) => `${r.headers["eddy-source-partition"]}/${r.headers["eddy-source-offset"]}`)).size).toBe(bad);
  expect(dlq.every((r) => r.value === "bad" && r.headers["eddy-error"] === "bad input" && r.headers["eddy-source-topic"] === input)).toBe(true);
}
