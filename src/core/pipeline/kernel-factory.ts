/**
 * One seam between the pipeline and its kernels: the WASM core or the plain-TypeScript reference.
 * The pipeline is written once against these interfaces; `wasmKernels(core)` runs it on
 * eddy.wasm, `referenceKernels()` runs the oracle the tests compare it with.
 */
import type { CoreExports } from "../wasm";
import { type JoinKernel, type JoinOptions, WasmJoin } from "../kernels/join";
import { type SessionKernel, type SessionOptions, WasmSession } from "../kernels/session";
import { type SessionAggKernel, type SessionAggOptions, WasmSessionAgg } from "../kernels/session-agg";
import { type WatermarkSpec, type WatermarkTracker, WasmWatermark } from "../kernels/watermark";
import { type WindowAggregate, type WindowSpec, WasmWindow } from "../kernels/window";
import { type ZScoreKernel, type ZScoreOptions, WasmZScore } from "../kernels/zscore";
import { ReferenceJoin } from "../reference/join";
import { ReferenceSession } from "../reference/session";
import { ReferenceSessionAgg } from "../reference/session-agg";
import { ReferenceWatermark } from "../reference/watermark";
import { ReferenceWindow } from "../reference/window";
import { ReferenceZScore } from "../reference/zscore";

/** Creates (or, given a snapshot, restores) every kind of kernel the pipeline uses. */
export interface KernelFactory {
  readonly impl: "wasm" | "reference";
  window(spec: WindowSpec, snapshot?: Uint8Array): WindowAggregate;
  watermark(spec: WatermarkSpec, snapshot?: Uint8Array): WatermarkTracker;
  join(opts: JoinOptions, snapshot?: Uint8Array): JoinKernel;
  session(opts: SessionOptions, snapshot?: Uint8Array): SessionKernel;
  /** Keyed session windows with configurable aggregates (user-defined metrics). */
  sessionAgg(opts: SessionAggOptions, snapshot?: Uint8Array): SessionAggKernel;
  zscore(opts: ZScoreOptions, snapshot?: Uint8Array): ZScoreKernel;
}

/** Kernels in one WASM core instance (all instances share its linear memory). */
export function wasmKernels(core: CoreExports): KernelFactory {
  return {
    impl: "wasm",
    window: (spec, snap) => (snap ? WasmWindow.restore(core, snap) : WasmWindow.create(core, spec)),
    watermark: (spec, snap) => (snap ? WasmWatermark.restore(core, snap) : WasmWatermark.create(core, spec)),
    join: (opts, snap) => (snap ? WasmJoin.restore(core, snap) : WasmJoin.create(core, opts)),
    session: (opts, snap) => (snap ? WasmSession.restore(core, snap) : WasmSession.create(core, opts)),
    sessionAgg: (opts, snap) => (snap ? WasmSessionAgg.restore(core, snap) : WasmSessionAgg.create(core, opts)),
    zscore: (opts, snap) => (snap ? WasmZScore.restore(core, snap) : WasmZScore.create(core, opts)),
  };
}

/** The plain-TypeScript reference kernels (the tests' oracle). */
export function referenceKernels(): KernelFactory {
  return {
    impl: "reference",
    window: (spec, snap) => (snap ? ReferenceWindow.restore(snap) : new ReferenceWindow(spec)),
    watermark: (spec, snap) => (snap ? ReferenceWatermark.restore(snap) : new ReferenceWatermark(spec)),
    join: (opts, snap) => (snap ? ReferenceJoin.restore(snap) : new ReferenceJoin(opts)),
    session: (opts, snap) => (snap ? ReferenceSession.restore(snap) : new ReferenceSession(opts)),
    sessionAgg: (opts, snap) => (snap ? ReferenceSessionAgg.restore(snap) : new ReferenceSessionAgg(opts)),
    zscore: (opts, snap) => (snap ? ReferenceZScore.restore(snap) : new ReferenceZScore(opts)),
  };
}
