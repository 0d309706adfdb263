// The core-wide IO buffer used for snapshots (format in layout.ts) plus a little-endian
// writer and a bounds-checked reader over it. One buffer per WebAssembly instance: a
// snapshot is copied out by the host before the next kernel call.
import { regrow } from "./mem-util";
import { SNAPSHOT_MAGIC, SNAPSHOT_HEADER_BYTES, ERR_SNAPSHOT_MAGIC, ERR_SNAPSHOT_VERSION, ERR_SNAPSHOT_KIND, ERR_SNAPSHOT_CORRUPT } from "./layout";

let ioBuf: usize = 0;
let ioCap: usize = 0;
let wpos: usize = 0; // writer position
let rpos: usize = 0; // reader position
let rend: usize = 0; // reader end (exclusive)
let rfail: bool = false;

function ensure(size: usize): void {
  if (size <= ioCap) return;
  let ncap = ioCap == 0 ? <usize>4096 : ioCap;
  while (ncap < size) ncap <<= 1;
  ioBuf = regrow(ioBuf, ncap);
  ioCap = ncap;
}

/** Makes the IO buffer at least `len` bytes long and returns its pointer (host writes there). */
export function core_io_reserve(len: i32): usize {
  ensure(<usize>max(len, 16));
  return ioBuf;
}

/** Pointer to the IO buffer (valid until the next call that may allocate). */
export function core_io_ptr(): usize {
  return ioBuf;
}

/** FNV-1a 32 of `len` bytes at `ptr`. */
export function fnv1a(ptr: usize, len: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < len; i++) {
    h = (h ^ <u32>load<u8>(ptr + i)) * 0x01000193;
  }
  return h;
}

// ---- writer ----

/** Starts a snapshot: reserves the header, which `wEnd` fills in. */
export function wBegin(): void {
  ensure(4096);
  wpos = SNAPSHOT_HEADER_BYTES;
}

// @ts-ignore: decorator
@inline function wNeed(n: usize): usize {
  ensure(wpos + n);
  const p = ioBuf + wpos;
  wpos += n;
  return p;
}

export function wU8(v: u8): void { store<u8>(wNeed(1), v); }
export function wU32(v: u32): void { store<u32>(wNeed(4), v); }
export function wI32(v: i32): void { store<i32>(wNeed(4), v); }
export function wI64(v: i64): void { store<i64>(wNeed(8), v); }
export function wF64(v: f64): void { store<f64>(wNeed(8), v); }
/** Copies `len` raw bytes. */
export function wBytes(src: usize, len: usize): void { memory.copy(wNeed(len), src, len); }

/** Finishes the snapshot of `kind` with format `version`; returns its total byte length. */
export function wEnd(kind: i32, version: i32): i32 {
  const payload = wpos - SNAPSHOT_HEADER_BYTES;
  store<u32>(ioBuf, SNAPSHOT_MAGIC);
  store<u16>(ioBuf + 4, <u16>version);
  store<u16>(ioBuf + 6, <u16>kind);
  store<u32>(ioBuf + 8, <u32>payload);
  store<u32>(ioBuf + 12, fnv1a(ioBuf + SNAPSHOT_HEADER_BYTES, payload));
  return <i32>wpos;
}

// ---- reader ----

/**
 * Validates the header of the `len` bytes in the IO buffer and positions the reader on the
 * payload. Returns 0 or a negative ERR_SNAPSHOT_*.
 */
export function rBegin(len: i32, kind: i32, version: i32): i32 {
  if (len < SNAPSHOT_HEADER_BYTES || <usize>len > ioCap) return ERR_SNAPSHOT_MAGIC;
  if (load<u32>(ioBuf) != SNAPSHOT_MAGIC) return ERR_SNAPSHOT_MAGIC;
  if (<i32>load<u16>(ioBuf + 4) != version) return ERR_SNAPSHOT_VERSION;
  if (<i32>load<u16>(ioBuf + 6) != kind) return ERR_SNAPSHOT_KIND;
  const payload = <usize>load<u32>(ioBuf + 8);
  if (payload + SNAPSHOT_HEADER_BYTES > <usize>len) return ERR_SNAPSHOT_CORRUPT;
  if (fnv1a(ioBuf + SNAPSHOT_HEADER_BYTES, payload) != load<u32>(ioBuf + 12)) return ERR_SNAPSHOT_CORRUPT;
  rpos = SNAPSHOT_HEADER_BYTES;
  rend = <usize>SNAPSHOT_HEADER_BYTES + payload;
  rfail = false;
  return 0;
}

// @ts-ignore: decorator
@inline function rTake(n: usize): usize {
  if (rpos + n > rend) {
    rfail = true;
    return 0;
  }
  const p = ioBuf + rpos;
  rpos += n;
  return p;
}

/** True once any read ran past the payload (values read after that are 0). */
export function rFailed(): bool { return rfail; }
/** True when every payload byte was consumed and nothing failed. */
export function rDone(): bool { return !rfail && rpos == rend; }

export function rU8(): u8 { const p = rTake(1); return p ? load<u8>(p) : 0; }
export function rU32(): u32 { const p = rTake(4); return p ? load<u32>(p) : 0; }
export function rI32(): i32 { const p = rTake(4); return p ? load<i32>(p) : 0; }
export function rI64(): i64 { const p = rTake(8); return p ? load<i64>(p) : 0; }
export function rF64(): f64 { const p = rTake(8); return p ? load<f64>(p) : 0; }
/** Copies `len` raw bytes to `dst` (nothing when the payload is too short). */
export function rBytes(dst: usize, len: usize): void {
  const p = rTake(len);
  if (p) memory.copy(dst, p, len);
}
