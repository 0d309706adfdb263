// The conventions every eddy kernel follows, in one place. The TypeScript mirror of the
// constants is src/core/kernels/memory.ts; change both together and bump the ABI/format
// version when a change is not backwards compatible.
//
// LINEAR MEMORY
//   [0, __heap_base)      static data of the module (string constants, globals)
//   [__heap_base, ...)    the AssemblyScript TLSF heap (runtime "minimal")
// Kernels allocate ONLY unmanaged blocks from that heap (heap.alloc / heap.realloc /
// heap.free, 16-byte aligned), never managed objects (no `new Array`, strings, closures),
// so the garbage collector is never involved and `__collect` is never needed. Every block
// is owned by exactly one kernel instance (or by the core-wide IO buffer) and is freed by
// `<kernel>_destroy`. Blocks that are reused (window slabs, output columns) are kept and
// reused rather than freed and re-allocated, so a steady stream leaves memory flat.
//
// MEMORY GROWTH
//   Any export that may allocate (create, process, advance, peek, snapshot, restore,
//   core_io_reserve) can grow the memory, which DETACHES every typed-array view the host
//   holds. Hosts re-create their views whenever `memory.buffer` is not the buffer they were
//   built on (src/core/kernels/memory.ts `CoreMemory` does this); pointers stay valid
//   (growth never moves a block), only views go stale. Output pointers may change after a
//   call that grows an output area: always re-read them (`<kernel>_out`) after such a call.
//
// HANDLES (handle-util.ts)
//   `<kernel>_create(...)` returns a handle: an i32 > 0 that names one instance in this
//   WebAssembly instance's handle table, tagged with the kernel KIND below; handles of
//   destroyed instances are reused. Passing a handle of another kind or a dead handle
//   returns ERR_HANDLE (or NaN from f64-returning exports). Several instances of several
//   kinds live side by side in one WebAssembly instance (one per metric aggregate).
//
// EXPORT NAMES
//   `<kernel>_<verb>`: window_create, window_process, window_advance, watermark_process, ...
//   Core-wide helpers are `core_*`. Every kernel file is re-exported by assembly/index.ts.
//
// INPUT COLUMNS
//   Each instance owns an input block of `batchCap` events (fixed at create), laid out as
//   separate contiguous columns (structure of arrays). `<kernel>_in(h, col)` gives a
//   column's pointer; the host writes events 0..n-1 there and calls `<kernel>_process(h, n,
//   ...)` with n <= batchCap. Column types: event time = f64 epoch milliseconds (integers,
//   exact up to 2^53), keys / user ids / stream ids = u32 dense dictionary ids (0..n-1, see
//   src/core/dictionary.ts), money = f64 holding integer CENTS (summed as i64 inside).
//   Kernels convert times to i64 where they need floor division (time-util.ts).
//
// LATE EVENTS
//   `<kernel>_process` returns the number of late events (>= 0) or a negative ERR_*; the
//   late events' indices (u32, relative to the batch, ascending) are at `<kernel>_late(h)`.
//
// OUTPUT COLUMNS
//   Each instance owns an output block of columns (structure of arrays) whose capacity
//   grows as needed. Calls that emit rows (`<kernel>_advance`, `<kernel>_peek`) return the
//   row count (or a negative ERR_*); `<kernel>_out(h, col)` gives each column's pointer.
//   Rows are valid until the next call into that instance. Counts are u32, money sums are
//   f64 integer cents, exact; a sum beyond +-(2^53 - 1) cents reads NaN (the window kernel
//   counts such rows: window_overflows). Sums of plain doubles are f64. Times are f64 ms.
//
// WATERMARKS
//   The watermark tracker is its own kernel (watermark.ts). It fills a per-event column
//   wm[i] = the pipeline watermark in force BEFORE event i. Windowed kernels take such a
//   column (or one scalar for the whole batch) in their input block and decide lateness per
//   event from it; `<kernel>_advance(h, wm)` then closes, in order, everything the watermark
//   after the batch has passed. Because a watermark never moves back, this gives exactly the
//   results of per-event processing whatever the batch boundaries.
//
// SNAPSHOTS (bytes-util.ts)
//   `<kernel>_snapshot(h)` serialises all state of one instance into the core-wide IO buffer
//   and returns its byte length; the host copies it out from `core_io_ptr()`. To restore,
//   the host calls `core_io_reserve(len)` (returns the pointer), copies the bytes there and
//   calls `<kernel>_restore(len)`, which returns a NEW handle (or a negative ERR_*).
//   Layout, little-endian: a 16-byte header
//     u32 magic = SNAPSHOT_MAGIC ("EDDY") | u16 format version | u16 kernel KIND |
//     u32 payload byte length | u32 FNV-1a 32 hash of the payload
//   followed by the kernel-specific payload (config first, then state).

/** "EDDY" read as a little-endian u32. */
export const SNAPSHOT_MAGIC: u32 = 0x59444445;
/** Byte length of the snapshot header. */
export const SNAPSHOT_HEADER_BYTES: i32 = 16;

// Kernel kinds: handle tags and the snapshot header's kind field.
export const KIND_WINDOW: i32 = 1;
export const KIND_WATERMARK: i32 = 2;
export const KIND_JOIN: i32 = 3;
export const KIND_SESSION: i32 = 4;
export const KIND_ZSCORE: i32 = 5;
export const KIND_SESSION_AGG: i32 = 6;

// Error codes (negative i32 results).
/** Unknown or destroyed handle, or a handle of another kernel kind. */
export const ERR_HANDLE: i32 = -1;
/** n is negative or larger than the instance's batch capacity. */
export const ERR_BATCH: i32 = -2;
/** Snapshot bytes do not start with SNAPSHOT_MAGIC or are shorter than their header says. */
export const ERR_SNAPSHOT_MAGIC: i32 = -3;
/** Snapshot format version not understood by this build. */
export const ERR_SNAPSHOT_VERSION: i32 = -4;
/** Snapshot of another kernel kind. */
export const ERR_SNAPSHOT_KIND: i32 = -5;
/** Snapshot hash mismatch or truncated payload. */
export const ERR_SNAPSHOT_CORRUPT: i32 = -6;
/** Invalid configuration passed to `<kernel>_create`. */
export const ERR_CONFIG: i32 = -7;
/** A key / stream id beyond what the kernel can index (>= 2^28). */
export const ERR_KEY_RANGE: i32 = -8;

/** Largest dense key id + 1 a kernel grows to (bounds slab growth on corrupt input). */
export const MAX_KEYS: i32 = 1 << 28;
