/**
 * Shared plumbing for the typed kernel wrappers: the TypeScript mirror of assembly/layout.ts
 * (kinds, error codes, snapshot header), typed-array views over the core's linear memory that
 * are rebuilt after memory growth, and the snapshot IO-buffer copy in / copy out.
 *
 * The wrappers' common base (./wasm-kernel.ts, under window, watermark, join, session,
 * session-agg, zscore) uses these, so the conventions stay in one place. Isomorphic: no
 * node:* imports.
 */
import type { CoreExports } from "../wasm";

// Kernel kinds (assembly/layout.ts KIND_*).
export const KIND_WINDOW = 1;
export const KIND_WATERMARK = 2;
export const KIND_JOIN = 3;
export const KIND_SESSION = 4;
export const KIND_ZSCORE = 5;
export const KIND_SESSION_AGG = 6;

/** "EDDY" as a little-endian u32 (assembly/layout.ts SNAPSHOT_MAGIC). */
export const SNAPSHOT_MAGIC = 0x59444445;
export const SNAPSHOT_HEADER_BYTES = 16;

/** Negative status codes returned by kernel exports (assembly/layout.ts ERR_*). */
export const KERNEL_ERRORS: Record<number, string> = {
  [-1]: "unknown or destroyed kernel handle",
  [-2]: "batch size out of range (0..batchCap)",
  [-3]: "not an eddy snapshot (bad magic or length)",
  [-4]: "snapshot format version not supported by this build",
  [-5]: "snapshot of another kernel kind",
  [-6]: "snapshot corrupt (hash mismatch or truncated)",
  [-7]: "invalid kernel configuration",
  [-8]: "key id out of range",
};

/** Error raised when a kernel export returns a negative status. */
export class KernelError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(`${what}: ${KERNEL_ERRORS[code] ?? `kernel error ${code}`}`);
    this.name = "KernelError";
  }
}

/** Returns `code` when it is >= 0, else throws a {@link KernelError} naming `what`. */
export function check(code: number, what: string): number {
  if (code < 0) throw new KernelError(code, what);
  return code;
}

/**
 * Typed-array views over a core's linear memory. Views detach when the memory grows; callers
 * ask {@link CoreMemory.changed} (cheap: one identity compare) before touching views they
 * cached and rebuild them when it says so. Pointers stay valid across growth.
 */
export class CoreMemory {
  private buf: ArrayBuffer;
  private gen = 0;

  constructor(readonly memory: WebAssembly.Memory) {
    this.buf = memory.buffer as ArrayBuffer;
  }

  /** A number that changes each time the memory grew since the last call (compare to your cached one). */
  generation(): number {
    const b = this.memory.buffer as ArrayBuffer;
    if (b !== this.buf) {
      this.buf = b;
      this.gen++;
    }
    return this.gen;
  }

  /** Current byte length of linear memory. */
  bytes(): number {
    return this.memory.buffer.byteLength;
  }

  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, len);
  }
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, len);
  }
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, len);
  }
  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }
}

/** The memory helper of a core, one per instance (cached so all wrappers share it). */
const memories = new WeakMap<CoreExports, CoreMemory>();
export function coreMemory(core: CoreExports): CoreMemory {
  let m = memories.get(core);
  if (!m) {
    m = new CoreMemory(core.memory);
    memories.set(core, m);
  }
  return m;
}

interface IoExports {
  core_io_reserve(len: number): number;
  core_io_ptr(): number;
}

/** Copies the `len` snapshot bytes a `<kernel>_snapshot` call left in the IO buffer. */
export function readSnapshot(core: CoreExports, len: number, what: string): Uint8Array {
  check(len, what);
  const io = core as unknown as IoExports;
  return new Uint8Array(core.memory.buffer, io.core_io_ptr(), len).slice();
}

/** Copies `bytes` into the IO buffer for a `<kernel>_restore(len)` call; returns len. */
export function writeSnapshot(core: CoreExports, bytes: Uint8Array): number {
  const io = core as unknown as IoExports;
  const ptr = io.core_io_reserve(bytes.length);
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  return bytes.length;
}

/** Kernel kind recorded in a snapshot header, or -1 when the bytes are not a snapshot. */
export function snapshotKind(bytes: Uint8Array): number {
  if (bytes.length < SNAPSHOT_HEADER_BYTES) return -1;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== SNAPSHOT_MAGIC) return -1;
  return dv.getUint16(6, true);
}
