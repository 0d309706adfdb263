/**
 * Byte format of a {@link MergeStore} snapshot: "EDMS" magic, u16 version, then JSON. Rows are
 * stored per metric as value arrays under one list of field names, and numbers JSON cannot carry
 * (NaN, ±Infinity, -0) as `{ "n": "<number>" }`, so a restore gives back exactly what was added.
 */
import type { OutputRow } from "../pipeline/rows";

const MAGIC = 0x534d4445; // "EDMS" little-endian
const VERSION = 1;

/** One task's watermark as the store keeps it. */
export interface TaskMarkState {
  task: number;
  wm: number;
  idle: boolean;
}

/** One watermark group's state. */
export interface GroupState {
  group: string;
  merged: number;
  drained: number;
  tasks: TaskMarkState[];
}

/** One task's contribution to an open merged row. */
export interface ContributionState {
  task: number;
  provisional: boolean;
  row: OutputRow;
}

/** Everything a store holds. */
export interface MergeStoreState {
  lateRows: number;
  groups: GroupState[];
  contributions: ContributionState[];
}

/** String(-0) is "0": spell it out. */
const numText = (x: number): string => (Object.is(x, -0) ? "-0" : String(x));
const encNum = (x: number): number | string => (Number.isFinite(x) && !Object.is(x, -0) ? x : numText(x));
const decNum = (x: number | string): number => (typeof x === "number" ? x : Number(x));

function encValue(v: unknown): unknown {
  return typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? { n: numText(v) } : v;
}

function decValue(v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "n" && typeof (v as { n: unknown }).n === "string") return Number((v as { n: string }).n);
  }
  return v;
}

type GroupJson = [group: string, merged: number | string, drained: number | string, tasks: [number, number | string, 0 | 1][]];
type MetricJson = [metric: string, fields: string[], rows: [task: number, provisional: 0 | 1, values: unknown[]][]];

/** Frames a store's state as bytes. */
export function encodeMergeState(s: MergeStoreState): Uint8Array {
  const byMetric = new Map<string, ContributionState[]>();
  for (const c of s.contributions) byMetric.set(c.row.metric, [...(byMetric.get(c.row.metric) ?? []), c]);
  const metrics: MetricJson[] = [...byMetric].map(([metric, cs]) => {
    const fields = [...new Set(cs.flatMap((c) => Object.keys(c.row).filter((k) => k !== "metric")))];
    return [metric, fields, cs.map((c) => [c.task, c.provisional ? 1 : 0, fields.map((f) => encValue(c.row[f]))])];
  });
  const groups: GroupJson[] = s.groups.map((g) => [g.group, encNum(g.merged), encNum(g.drained), g.tasks.map((t) => [t.task, encNum(t.wm), t.idle ? 1 : 0])]);
  const body = new TextEncoder().encode(JSON.stringify({ late: s.lateRows, groups, metrics }));
  const out = new Uint8Array(6 + body.byteLength);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint16(4, VERSION, true);
  out.set(body, 6);
  return out;
}

/** Inverse of {@link encodeMergeState}; throws on bytes it did not make. */
export function decodeMergeState(bytes: Uint8Array): MergeStoreState {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 6 || dv.getUint32(0, true) !== MAGIC) throw new Error("not an eddy merge-store snapshot");
  const version = dv.getUint16(4, true);
  if (version !== VERSION) throw new Error(`merge-store snapshot version ${version} is not supported (expected ${VERSION})`);
  const j = JSON.parse(new TextDecoder().decode(bytes.subarray(6))) as { late: number; groups: GroupJson[]; metrics: MetricJson[] };
  const contributions: ContributionState[] = [];
  for (const [metric, fields, rows] of j.metrics) {
    for (const [task, provisional, values] of rows) {
      const row: OutputRow = { metric };
      fields.forEach((f, k) => {
        if (values[k] !== undefined) row[f] = decValue(values[k]);
      });
      contributions.push({ task, provisional: provisional === 1, row });
    }
  }
  return {
    lateRows: j.late,
    groups: j.groups.map(([group, merged, drained, tasks]) => ({ group, merged: decNum(merged), drained: decNum(drained), tasks: tasks.map(([task, wm, idle]) => ({ task, wm: decNum(wm), idle: idle === 1 })) })),
    contributions,
  };
}
