/**
 * The contract between the kernel bench harness (bench/kernels.ts) and one kernel's suite
 * (bench/suites/<kernel>.ts, discovered by file name; its default export is a BenchSuite).
 *
 * Every suite runs THREE implementations of the same kernel on the SAME batches:
 *  - "wasm":         the AssemblyScript kernel through its typed wrapper (src/core/kernels);
 *  - "ts-reference": the plain TypeScript reference (src/core/reference), the tests' oracle;
 *  - "js-port":      a hand-tuned JS typed-array port of the WASM algorithm (bench/ports),
 *                    so the WASM figure is compared with the best JS, not a strawman.
 *
 * What is timed: `run()` only: processing one batch that `prepare()` already put where the
 * implementation reads its input (for wasm: the kernel's input columns in linear memory, which
 * is where the runner's decoder writes events), including the watermark advance and the
 * emission of every row that closes. Generating and copying the input is untimed for all three.
 *
 * Cold = the first batch after load, measured in a fresh child process (nothing compiled or
 * JIT-warmed yet; for wasm the module is compiled in create()). Steady = the median per-batch
 * rate over `measure` batches after `warmup` batches, in the main process.
 */

/** The three implementations, in table order. */
export const IMPLS = ["wasm", "js-port", "ts-reference"] as const;
export type ImplName = (typeof IMPLS)[number];

/** One measured configuration of a suite. */
export interface BenchCase {
  /** A variant of the kernel the suite defines, e.g. "tumbling 1m count+sum". */
  variant: string;
  /** Events per batch (the harness uses 1_000 and 65_536). */
  batchSize: number;
  /** Distinct keys in the generated stream (the harness uses 1_000 and 100_000). */
  keys: number;
}

/** One implementation instance, created fresh for each case. */
export interface BenchRunner {
  /**
   * Untimed: puts batch number `i` into the implementation's input area. The harness calls
   * it with i = 0, 1, 2, ... in order, each followed by exactly one `run()`. Batches must
   * be deterministic functions of (case, i) so the three implementations see the same data.
   */
  prepare(i: number): void;
  /** Timed: processes the prepared batch; returns the number of events it processed. */
  run(): number;
  /**
   * A digest of every result emitted so far (final rows, late indices, flags): the harness
   * compares digests of the three implementations after the same batches and reports a
   * mismatch, so a fast but wrong port cannot win.
   */
  digest(): string;
  /** Releases the instance. */
  dispose?(): void;
}

/** Linear-memory flatness of one kernel variant (wasm only). */
export interface MemoryReport {
  variant: string;
  events: number;
  keys: number;
  /** Linear memory bytes after the warm-up part of the stream. */
  bytesAfterWarmup: number;
  /** Linear memory bytes after all `events`. */
  bytesAtEnd: number;
  /** Rows emitted (shows the watermark advanced and state was closed). */
  rows: number;
  /** Open windows / sessions / join entries left at the end (bounded by the horizon). */
  openAtEnd: number;
}

/**
 * Two wasm kernels on the SAME events (e.g. a general kernel against the specialised one it
 * could replace), measured by the suite itself: each batch goes through both back to back, in
 * alternating order, so load that varies over seconds on a shared machine hits both alike.
 */
export interface ComparisonReport {
  variant: string;
  events: number;
  keys: number;
  batchSize: number;
  /** Median per-batch events/s, per kernel name. */
  rates: Record<string, number>;
  /** Median over batches of (time of the first kernel / time of the second): > 1 = second faster. */
  medianRatio: number;
  /** What the ratio compares, e.g. "session-agg / session". */
  ratioOf: string;
}

/** A throughput target from the issue, checked and printed by the harness. */
export interface BenchTarget {
  variant: string;
  batchSize: number;
  keys: number;
  /** Minimum wasm steady events/s. */
  minEventsPerSec?: number;
  /** Minimum ratio wasm / js-port, checked for cold and steady. */
  minVsJsPort?: number;
}

/** What a bench/suites/<kernel>.ts file default-exports. */
export interface BenchSuite {
  /** Kernel name as in the table ("window", "join", ...). */
  kernel: string;
  /** The variants this suite measures (each crossed with batch sizes and key counts). */
  variants: string[];
  /** Creates a fresh runner of `impl` for case `c` (loading the wasm core is untimed). */
  create(impl: ImplName, c: BenchCase): Promise<BenchRunner>;
  /** Targets to check (optional). */
  targets?: BenchTarget[];
  /**
   * Optional: streams `events` events with the watermark advancing through a fresh wasm
   * instance of each variant and reports linear-memory bytes after warm-up and at the end.
   */
  memoryCheck?(events: number): Promise<MemoryReport[]>;
  /** Optional: paired comparisons of wasm kernels on `events` events (see ComparisonReport). */
  compare?(events: number): Promise<ComparisonReport[]>;
}
