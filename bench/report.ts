/** Result types of the kernel bench and the plain-text table bench/kernels.ts prints. */
import { IMPLS, type BenchTarget, type ComparisonReport, type ImplName, type MemoryReport } from "./suite";

export interface ImplResult {
  /** Median per-batch events/s after warm-up. */
  steady: number;
  /** Events / seconds over the measured batches. */
  steadyMean: number;
  /** First batch in a fresh process, events/s (absent with --no-cold). */
  cold?: number;
  digest: string;
}

export interface CaseResult {
  kernel: string;
  variant: string;
  batchSize: number;
  keys: number;
  impls: Partial<Record<ImplName, ImplResult>>;
  /** All implementations produced the same digest after the same batches. */
  agree: boolean;
}

export interface TargetResult extends BenchTarget {
  kernel: string;
  met: boolean;
  detail: string;
}

const m = (x: number | undefined): string => (x === undefined ? "-" : x >= 1e7 ? (x / 1e6).toFixed(0) : (x / 1e6).toFixed(1));
const k = (x: number): string => (x >= 1000 && x % 1000 === 0 ? `${x / 1000}k` : x >= 1024 ? `${Math.round(x / 1024)}Ki` : String(x));
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** The report as an aligned text table (million events/s). */
export function formatTable(r: {
  machine: { cpu: string; cores: number };
  node: string;
  date: string;
  loadavg: { start: number; end: number };
  results: CaseResult[];
  targets: TargetResult[];
  memory: (MemoryReport & { kernel: string })[];
  comparisons?: (ComparisonReport & { kernel: string })[];
}): string {
  const head = ["kernel", "variant", "batch", "keys", ...IMPLS.flatMap((i) => [`${i} cold`, `${i} steady`]), "wasm/js", "agree"];
  const rows = r.results.map((c) => [
    c.kernel,
    c.variant,
    k(c.batchSize),
    k(c.keys),
    ...IMPLS.flatMap((i) => [m(c.impls[i]?.cold), m(c.impls[i]?.steady)]),
    c.impls.wasm && c.impls["js-port"] ? `${(c.impls.wasm.steady / c.impls["js-port"].steady).toFixed(2)}x` : "-",
    c.agree ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const load = `load average ${r.loadavg.start.toFixed(1)} → ${r.loadavg.end.toFixed(1)}`;
  const out = [`kernel bench, million events/s, single thread — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.node}, ${r.date}, ${load}`, "", line(head), ...rows.map(line)];
  if (r.targets.length) {
    out.push("", "targets:");
    for (const t of r.targets) out.push(`  ${t.met ? "MET " : "MISS"} ${t.kernel} ${t.variant} batch ${k(t.batchSize)} keys ${k(t.keys)}: ${t.detail}`);
  }
  if (r.memory.length) {
    out.push("", "linear memory (wasm, watermark advancing):");
    for (const x of r.memory) {
      const flat = x.bytesAtEnd === x.bytesAfterWarmup ? "flat" : `GREW ${x.bytesAtEnd - x.bytesAfterWarmup} bytes`;
      out.push(`  ${x.kernel} ${x.variant}: ${(x.events / 1e6).toFixed(1)}M events, ${k(x.keys)} keys: ${mib(x.bytesAfterWarmup)} after warm-up, ${mib(x.bytesAtEnd)} at end (${flat}); ${x.rows} rows, ${x.openAtEnd} open at end`);
    }
  }
  if (r.comparisons?.length) {
    out.push("", "paired comparisons: the same events through both, batch by batch (million events/s):");
    for (const c of r.comparisons) {
      const rates = Object.entries(c.rates).map(([name, x]) => `${name} ${m(x)}`).join(", ");
      out.push(`  ${c.kernel} ${c.variant}: ${(c.events / 1e6).toFixed(1)}M events, batch ${k(c.batchSize)}, ${k(c.keys)} keys: ${rates}; ${c.ratioOf} = ${c.medianRatio.toFixed(2)} (median per batch)`);
    }
  }
  return out.join("\n");
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
