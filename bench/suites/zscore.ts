/**
 * Bench suite of the z-score kernel (purchase_anomalies): per-key running mean / population
 * stddev (Welford), scoring each event on arrival, for the WASM kernel, the JS port and the
 * TS reference.
 *
 * The stream: keys (categories) uniform over `keys`; amounts around a per-key level (10 to 106
 * EUR, ±5 EUR) in integer cents, 0.1% outliers at 20x the level. No watermark: z-scores are
 * computed on arrival.
 */
import type { BenchCase, BenchRunner, BenchSuite, ImplName, MemoryReport } from "../suite";
import { instantiateCore } from "../../src/core/wasm";
import { WasmZScore, type ZScoreAnomalies, type ZScoreKernel } from "../../src/core/kernels/zscore";
import { ReferenceZScore } from "../../src/core/reference/zscore";
import { JsPortZScore } from "../ports/zscore-js";

const VARIANT = "category amounts, min 30, |z| > 3";

/** Deterministic amount stream (xorshift32); call fill() for batches 0, 1, 2, ... in order. */
export class AmountStream {
  private s = 0x2545f491;
  constructor(readonly keys: number) {}
  private rnd(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return (x >>> 0) / 4294967296;
  }
  fill(n: number, key: Uint32Array, value: Float64Array): void {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(this.rnd() * this.keys);
      const level = 1000 + (k % 97) * 100;
      key[i] = k;
      value[i] = this.rnd() < 0.001 ? level * 20 : level - 500 + Math.floor(this.rnd() * 1000);
    }
  }
}

/** Running FNV digest of every anomaly (index, z bits), folded untimed. */
class Digest {
  h = 0x811c9dc5;
  flags = 0;
  private readonly f = new Float64Array(1);
  private readonly u = new Uint32Array(this.f.buffer);
  private mix(x: number): void {
    this.h = Math.imul(this.h ^ (x >>> 0), 0x01000193);
  }
  fold(a: ZScoreAnomalies): void {
    for (let i = 0; i < a.n; i++) {
      this.mix(a.index[i]!);
      this.f[0] = a.z[i]!;
      this.mix(this.u[0]!);
      this.mix(this.u[1]!);
    }
    this.flags += a.n;
  }
  toString(): string {
    return `${(this.h >>> 0).toString(16)}/${this.flags}flags`;
  }
}

async function create(impl: ImplName, c: BenchCase): Promise<BenchRunner> {
  const n = c.batchSize;
  const gen = new AmountStream(c.keys);
  const digest = new Digest();
  let pending: ZScoreAnomalies | undefined;
  const fold = (): void => {
    if (pending) digest.fold(pending);
    pending = undefined;
  };
  if (impl === "wasm") {
    const core = await instantiateCore();
    const w = WasmZScore.create(core, {}, { batchCap: n });
    return {
      prepare() {
        fold();
        const ins = w.inputs();
        gen.fill(n, ins.key, ins.value);
      },
      run() {
        pending = w.processInPlace(n);
        return n;
      },
      digest: () => (fold(), digest.toString()),
      dispose: () => w.destroy(),
    };
  }
  const k: ZScoreKernel = impl === "js-port" ? new JsPortZScore({}, { batchCap: n }) : new ReferenceZScore();
  const batch = { n, key: new Uint32Array(n), value: new Float64Array(n) };
  return {
    prepare() {
      fold();
      gen.fill(n, batch.key, batch.value);
    },
    run() {
      pending = k.process(batch);
      return n;
    },
    digest: () => (fold(), digest.toString()),
    dispose: () => k.destroy(),
  };
}

async function memoryCheck(events: number): Promise<MemoryReport[]> {
  const n = 65_536, keys = 100_000;
  const core = await instantiateCore();
  const w = WasmZScore.create(core, {}, { batchCap: n });
  const gen = new AmountStream(keys);
  const batches = Math.ceil(events / n), warm = Math.ceil(batches * 0.3);
  let rows = 0, bytesAfterWarmup = 0;
  for (let b = 0; b < batches; b++) {
    const ins = w.inputs();
    gen.fill(n, ins.key, ins.value);
    rows += w.processInPlace(n).n;
    if (b === warm - 1) bytesAfterWarmup = core.memory.buffer.byteLength;
  }
  const report = { variant: VARIANT, events: batches * n, keys, bytesAfterWarmup, bytesAtEnd: core.memory.buffer.byteLength, rows, openAtEnd: keys };
  w.destroy();
  return [report];
}

const suite: BenchSuite = {
  kernel: "zscore",
  variants: [VARIANT],
  create,
  targets: [
    { variant: VARIANT, batchSize: 65_536, keys: 1_000, minEventsPerSec: 150e6 },
    { variant: VARIANT, batchSize: 65_536, keys: 100_000, minEventsPerSec: 150e6 },
  ],
  memoryCheck,
};
export default suite;
