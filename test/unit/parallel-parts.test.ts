/** The pure parts of parallel runners: task assignment, repartition records, task state, flags. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/server/args";
import { assignTasks } from "../../src/server/parallel/assignor";
import { checkCoPartitioned } from "../../src/server/parallel/layout";
import { partitionOfKey } from "../../src/server/kafka/partitioner";
import { BATCH_BYTES, decodeRepartition, forwardMessages, markerMessages, partialMessages } from "../../src/server/parallel/repartition";
import { packState, unpackState } from "../../src/server/parallel/task-state";
import { workerArgv } from "../../src/server/parallel/workers";
import { parseRunConfig, parseWorkers } from "../../src/server/runner/run-config";

describe("assignTasks", () => {
  it("gives every task to exactly one member, balanced within one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(fc.array(fc.nat(45), { maxLength: 10 }), { minLength: 1, maxLength: 8 }), (tasks, held) => {
        const members = new Map(held.map((h, i) => [`m${i}`, h]));
        const plan = assignTasks(tasks, members);
        const all = [...plan.values()].flat().sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: tasks }, (_, i) => i));
        const sizes = [...plan.values()].map((l) => l.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("keeps tasks with the member that held them when one joins", () => {
    const before = assignTasks(6, new Map([["a", []], ["b", []]]));
    const after = assignTasks(6, new Map([["a", before.get("a")!], ["b", before.get("b")!], ["c", []]]));
    const moved = [...after.get("c")!];
    expect(moved).toHaveLength(2);
    for (const id of ["a", "b"]) for (const task of after.get(id)!) expect(before.get(id)).toContain(task);
  });

  it("gives a leaving member's tasks to the others and moves nothing else", () => {
    const held = new Map([["a", [0, 3]], ["b", [1, 4]], ["c", [2, 5]]]);
    held.delete("b");
    const after = assignTasks(6, held);
    expect(after.get("a")).toEqual(expect.arrayContaining([0, 3]));
    expect(after.get("c")).toEqual(expect.arrayContaining([2, 5]));
  });
});

describe("repartition records", () => {
  it("round-trip watermark markers, ±Infinity included, one per partition", () => {
    const msgs = markerMessages({ task: 4, watermarks: { main: 1234, orders: -Infinity, reviews: Infinity }, idle: ["orders"] }, 3);
    expect(msgs.map((m) => m.partition)).toEqual([0, 1, 2]);
    const rec = decodeRepartition(msgs[1].value as string);
    expect(rec).toEqual({ kind: "watermark", marker: { task: 4, watermarks: { main: 1234, orders: -Infinity, reviews: Infinity }, idle: ["orders"] } });
  });

  it("batch partial rows by the partition of their key, in order, and round-trip them", () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ key: `page_views|p${i % 37}`, row: { metric: "page_views", window_start: i, window_end: i + 60_000, product_id: `p${i % 37}`, views: i } }));
    const msgs = partialMessages(2, rows, 4, true);
    const got = new Map<number, unknown[]>();
    for (const m of msgs) {
      const rec = decodeRepartition(m.value as string);
      if (rec.kind !== "partials") throw new Error(rec.kind);
      expect([rec.task, rec.provisional]).toEqual([2, true]);
      got.set(m.partition!, [...(got.get(m.partition!) ?? []), ...rec.rows]);
    }
    for (let p = 0; p < 4; p++) expect(got.get(p) ?? []).toEqual(rows.filter((r) => partitionOfKey(r.key, 4) === p).map((r) => r.row));
  });

  it("split a partition's batch before it passes BATCH_BYTES, and round-trip transactions", () => {
    const raw = JSON.stringify({ transaction_id: "t", pad: "x".repeat(1000) });
    const txs = Array.from({ length: 600 }, () => ({ key: "books", raw }));
    const msgs = forwardMessages(1, txs, 3);
    expect(msgs.length).toBeGreaterThan(1);
    expect(new Set(msgs.map((m) => m.partition))).toEqual(new Set([partitionOfKey("books", 3)]));
    for (const m of msgs) expect((m.value as string).length).toBeLessThan(BATCH_BYTES + 2000);
    const back = msgs.flatMap((m) => {
      const rec = decodeRepartition(m.value as string);
      return rec.kind === "txs" ? rec.raws : [];
    });
    expect(back).toEqual(txs.map((t) => t.raw));
  });

  it("refuses records eddy did not write", () => {
    expect(() => decodeRepartition('{"kind":"partials"}')).toThrow(/task/);
    expect(() => decodeRepartition('{"kind":"x","task":1}')).toThrow(/unknown kind 'x'/);
    expect(() => decodeRepartition("not json")).toThrow();
  });
});

describe("merge task state", () => {
  it("round-trips with and without the anomaly state", () => {
    const store = new Uint8Array([1, 2, 3]);
    for (const anomalies of [undefined, new Uint8Array([9, 8])]) {
      const back = unpackState(packState({ store, anomalies, meta: { ended: { t: [1, 2] } } }));
      expect(back.store).toEqual(store);
      expect(back.anomalies).toEqual(anomalies);
      expect(back.meta).toEqual({ ended: { t: [1, 2] } });
    }
  });

  it("refuses other bytes", () => {
    expect(() => unpackState(new Uint8Array(20))).toThrow(/another eddy version/);
  });
});

describe("parallel flags", () => {
  it("--workers takes N or auto and names the range otherwise", () => {
    expect(parseWorkers("3")).toBe(3);
    expect(parseWorkers("auto", 8)).toBe(8);
    expect(() => parseWorkers("0")).toThrow(/from 1 to 256, or auto/);
    expect(() => parseWorkers("two")).toThrow(UsageError);
  });

  it("workers start `run --parallel` without --workers", () => {
    expect(workerArgv(["--brokers", "b:1", "--workers", "3", "--group", "g"])).toEqual(["--brokers", "b:1", "--group", "g", "--parallel"]);
    expect(workerArgv(["--workers=auto", "--parallel"])).toEqual(["--parallel"]);
  });

  it("--parallel refuses a file input and file sinks, and drops the console", () => {
    const env = {};
    expect(() => parseRunConfig(["--parallel", "--input", "x.jsonl", "--brokers", "b:1"], env)).toThrow(/Drop --input/);
    expect(() => parseRunConfig(["--parallel", "--brokers", "b:1", "--sink", "kafka,files"], env)).toThrow(/Kafka only/);
    expect(() => parseRunConfig(["--parallel", "--brokers", "b:1", "--sink", "console"], env)).toThrow(/add kafka to --sink/);
    const { config } = parseRunConfig(["--workers", "2", "--brokers", "b:1"], env);
    expect(config).toMatchObject({ parallel: true, workers: 2, sinks: ["kafka"] });
  });

  it("co-partitioning: equal counts pass, different ones name both counts and the fix", () => {
    expect(() => checkCoPartitioned(new Map([["c", 6], ["t", 6]]), ["c", "t"])).not.toThrow();
    expect(() => checkCoPartitioned(new Map([["c", 6], ["t", 3]]), ["c", "t"])).toThrow(/'c' has 6 partitions and 't' has 3.*--partitions 6/s);
  });
});
