/**
 * `npm run bench`: kernel benchmarks. Discovers bench/suites/*.ts (each default-exports a
 * BenchSuite, see bench/suite.ts) and, for every variant x batch size (1k, 64k) x keys (1k,
 * 100k), measures events/s single-threaded for the three implementations side by side:
 *   cold   = the first batch after load, in a fresh child process (one per case);
 *   steady = the median per-batch rate after warm-up (the mean is recorded too).
 * Checks that the implementations agree (digests after the same batches), checks the targets,
 * runs each suite's linear-memory flatness check and paired kernel comparisons (1M events),
 * prints a table and writes
 * bench/results/kernels.json with the machine, Node version and date.
 *
 * Flags: --quick (fewer batches, 1M events for the memory check), --suite <kernel>,
 * --no-cold, --out <file>. Internal: --cold-child <suite file> <variant> <batch> <keys> <impl>.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { IMPLS, type BenchCase, type BenchSuite, type ComparisonReport, type ImplName, type MemoryReport } from "./suite";
import { formatTable, median, type CaseResult, type TargetResult } from "./report";

const HERE = dirname(fileURLToPath(import.meta.url));
const BATCH_SIZES = [1_000, 65_536];
const KEY_COUNTS = [1_000, 100_000];

interface Plan {
  warmup: number;
  measure: number;
}

/** Batches per measurement: the reference gets fewer (it is 10-100x slower). */
function plan(impl: ImplName, batchSize: number, quick: boolean): Plan {
  const big = batchSize >= 16_384;
  const ref = impl === "ts-reference";
  const p = big ? (ref ? { warmup: 1, measure: 3 } : { warmup: 6, measure: 20 }) : ref ? { warmup: 40, measure: 120 } : { warmup: 200, measure: 600 };
  return quick ? { warmup: Math.ceil(p.warmup / 2), measure: Math.ceil(p.measure / 3) } : p;
}

async function loadSuites(only?: string): Promise<{ file: string; suite: BenchSuite }[]> {
  const dir = join(HERE, "suites");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
  const out: { file: string; suite: BenchSuite }[] = [];
  for (const f of files) {
    const file = join(dir, f);
    const mod = (await import(pathToFileURL(file).href)) as { default?: BenchSuite };
    if (!mod.default?.create) throw new Error(`${f}: no default-exported BenchSuite`);
    if (!only || mod.default.kernel === only) out.push({ file, suite: mod.default });
  }
  return out;
}

/** Steady state in this process; returns rates and the digest after `compareAt` batches. */
async function steady(suite: BenchSuite, impl: ImplName, c: BenchCase, p: Plan, compareAt: number) {
  const r = await suite.create(impl, c);
  const rates: number[] = [];
  let events = 0, seconds = 0, digest = "";
  for (let i = 0; i < p.warmup + p.measure; i++) {
    r.prepare(i);
    const t0 = process.hrtime.bigint();
    const n = r.run();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (i >= p.warmup) {
      rates.push(n / dt);
      events += n;
      seconds += dt;
    }
    if (i === compareAt - 1) digest = r.digest();
  }
  r.dispose?.();
  return { median: median(rates), mean: events / seconds, digest };
}

/**
 * Cold: the first batch after load, for each implementation, in one fresh child process per
 * case. The three implementations share no timed code (kernel, port and reference are separate
 * code; the untimed generator is shared), so measuring them one after the other in the same
 * process leaves each one cold, at a third of the process start-ups.
 */
function cold(file: string, c: BenchCase): Record<ImplName, number> {
  const res = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--cold-child", file, c.variant, String(c.batchSize), String(c.keys)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Record<ImplName, number>;
  } catch {
    throw new Error(`cold child failed (${c.variant}): ${res.stderr || res.stdout}`);
  }
}

async function coldChild(args: string[]): Promise<void> {
  const [file, variant, batch, keys] = args;
  const mod = (await import(pathToFileURL(file!).href)) as { default: BenchSuite };
  const out: Partial<Record<ImplName, number>> = {};
  for (const impl of IMPLS) {
    const r = await mod.default.create(impl, { variant: variant!, batchSize: Number(batch), keys: Number(keys) });
    r.prepare(0);
    const t0 = process.hrtime.bigint();
    const n = r.run();
    out[impl] = n / (Number(process.hrtime.bigint() - t0) / 1e9);
    r.dispose?.();
  }
  console.log(JSON.stringify(out));
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<number> {
  if (args[0] === "--cold-child") {
    await coldChild(args.slice(1));
    return 0;
  }
  const quick = args.includes("--quick");
  const withCold = !args.includes("--no-cold");
  const outFile = flag(args, "--out") ?? join(HERE, "results", "kernels.json");
  const suites = await loadSuites(flag(args, "--suite"));
  const started = Date.now();
  const loadStart = os.loadavg();
  const results: CaseResult[] = [];
  const memory: (MemoryReport & { kernel: string })[] = [];
  const comparisons: (ComparisonReport & { kernel: string })[] = [];
  for (const { file, suite } of suites) {
    for (const variant of suite.variants) {
      for (const batchSize of BATCH_SIZES) {
        for (const keys of KEY_COUNTS) {
          const c: BenchCase = { variant, batchSize, keys };
          const compareAt = Math.min(...IMPLS.map((impl) => { const p = plan(impl, batchSize, quick); return p.warmup + p.measure; }));
          const row: CaseResult = { kernel: suite.kernel, ...c, impls: {}, agree: true };
          const colds = withCold ? cold(file, c) : undefined;
          for (const impl of IMPLS) {
            const s = await steady(suite, impl, c, plan(impl, batchSize, quick), compareAt);
            row.impls[impl] = { steady: s.median, steadyMean: s.mean, cold: colds?.[impl], digest: s.digest };
          }
          const digests = new Set(IMPLS.map((i) => row.impls[i]!.digest));
          row.agree = digests.size === 1;
          results.push(row);
          process.stderr.write(`  ${suite.kernel} ${variant} batch ${batchSize} keys ${keys}${row.agree ? "" : "  DIGESTS DIFFER"}\n`);
        }
      }
    }
    if (suite.memoryCheck) {
      for (const m of await suite.memoryCheck(quick ? 1_000_000 : 10_000_000)) memory.push({ kernel: suite.kernel, ...m });
    }
    if (suite.compare) {
      for (const c of await suite.compare(1_000_000)) comparisons.push({ kernel: suite.kernel, ...c });
    }
  }
  const targets: TargetResult[] = [];
  for (const { suite } of suites) {
    for (const t of suite.targets ?? []) {
      const r = results.find((x) => x.kernel === suite.kernel && x.variant === t.variant && x.batchSize === t.batchSize && x.keys === t.keys);
      if (!r) continue;
      const w = r.impls.wasm!, j = r.impls["js-port"]!;
      const checks: string[] = [];
      let met = true;
      if (t.minEventsPerSec !== undefined) {
        met &&= w.steady >= t.minEventsPerSec;
        checks.push(`steady ${(w.steady / 1e6).toFixed(0)} M/s >= ${(t.minEventsPerSec / 1e6).toFixed(0)} M/s`);
      }
      if (t.minVsJsPort !== undefined) {
        met &&= w.steady >= t.minVsJsPort * j.steady;
        checks.push(`steady ${(w.steady / j.steady).toFixed(2)}x js-port`);
        if (w.cold !== undefined && j.cold !== undefined) {
          met &&= w.cold >= t.minVsJsPort * j.cold;
          checks.push(`cold ${(w.cold / j.cold).toFixed(2)}x js-port`);
        }
      }
      targets.push({ kernel: suite.kernel, ...t, met, detail: checks.join(", ") });
    }
  }
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, platform: os.platform(), release: os.release(), arch: os.arch(), totalMemBytes: os.totalmem() },
    node: process.version,
    v8: process.versions.v8,
    quick,
    seconds: (Date.now() - started) / 1000,
    /** 1-minute load average at start and end: other processes on the machine skew every figure. */
    loadavg: { start: loadStart[0]!, end: os.loadavg()[0]! },
    method: "events/s single-threaded; cold = first batch in a fresh process; steady = median per-batch rate after warm-up (steadyMean = events / time over the same batches); input filling untimed for all implementations",
    results,
    targets,
    memory,
    comparisons,
  };
  console.log(formatTable(report));
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nwrote ${outFile} (${report.seconds.toFixed(0)} s)`);
  return results.every((r) => r.agree) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
