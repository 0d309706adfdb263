// Exact distinct sets of the session aggregate kernel: one open-addressing set of u32 ids per
// session and distinct column (linear probing, load <= 1/2, a slot holds id + 1 so 0 is
// empty; the id 0xFFFFFFFF means "missing" and is never inserted).
//
// A set is described by a 12-byte entry in its session record (pointer u32 | capacity i32 |
// size i32); the block is made on the first id. Sessions merge, so sets union: the
// smaller set's ids go into the larger (union by size keeps the total work O(n log n)), and
// the smaller block is released. Blocks are released to the instance's pool, one free list
// per power-of-two capacity, and taken from there before the heap: a steady stream of
// sessions reuses blocks instead of allocating.
import { SA } from "./session-agg-state";

/** The distinct column value that means "missing". */
export const MISSING: u32 = 0xffffffff;
const FIRST_CAP: i32 = 8;

// @ts-ignore: decorator
@inline function home(v: u32, mask: u32): u32 {
  const h = v * 0x9e3779b1;
  return (h ^ (h >> 16)) & mask;
}

function blockAlloc(s: SA, cap: i32): usize {
  const head = s.pool + (<usize>ctz(cap) << 2);
  let p = <usize>load<u32>(head);
  if (p) store<u32>(head, load<u32>(p));
  else p = heap.alloc(<usize>cap << 2);
  memory.fill(p, 0, <usize>cap << 2);
  return p;
}

function blockFree(s: SA, p: usize, cap: i32): void {
  const head = s.pool + (<usize>ctz(cap) << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, <u32>p);
}

// Inserts stored value v (= id + 1) into a block with room; true when new.
// @ts-ignore: decorator
@inline function put(p: usize, cap: i32, v: u32): bool {
  const mask = <u32>(cap - 1);
  let i = home(v, mask);
  while (true) {
    const q = p + (<usize>i << 2);
    const cur = load<u32>(q);
    if (cur == v) return false;
    if (cur == 0) {
      store<u32>(q, v);
      return true;
    }
    i = (i + 1) & mask;
  }
  return false;
}

/** Adds `id` (not MISSING) to the set of entry `e`. */
export function setAdd(s: SA, e: usize, id: u32): void {
  let p = <usize>load<u32>(e);
  let cap = load<i32>(e, 4);
  const size = load<i32>(e, 8);
  if (p == 0) {
    cap = FIRST_CAP;
    p = blockAlloc(s, cap);
    store<u32>(e, <u32>p);
    store<i32>(e, cap, 4);
  } else if ((size + 1) * 2 > cap) {
    const np = blockAlloc(s, cap << 1);
    for (let i = 0; i < cap; i++) {
      const v = load<u32>(p + (<usize>i << 2));
      if (v) put(np, cap << 1, v);
    }
    blockFree(s, p, cap);
    p = np;
    cap <<= 1;
    store<u32>(e, <u32>p);
    store<i32>(e, cap, 4);
  }
  if (put(p, cap, id + 1)) store<i32>(e, size + 1, 8);
}

/** Number of ids in the set of entry `e`. */
// @ts-ignore: decorator
@inline export function setSize(e: usize): i32 {
  return load<i32>(e, 8);
}

/** Slot i of entry `e`'s block: id + 1, or 0 when empty (i below the capacity). */
export function setSlot(e: usize, i: i32): u32 {
  return load<u32>(<usize>load<u32>(e) + (<usize>i << 2));
}

/** Capacity of entry `e`'s block (0 when it has none). */
export function setCap(e: usize): i32 {
  return load<u32>(e) == 0 ? 0 : load<i32>(e, 4);
}

/** Releases entry `e`'s block and empties the entry. */
export function setRelease(s: SA, e: usize): void {
  const p = <usize>load<u32>(e);
  if (p) blockFree(s, p, load<i32>(e, 4));
  memory.fill(e, 0, 12);
}

/** dst := dst ∪ src; src is left empty. */
export function setUnion(s: SA, dst: usize, src: usize): void {
  if (load<u32>(src) == 0) return;
  if (load<i32>(src, 8) > load<i32>(dst, 8)) {
    // add the smaller into the larger: swap the entries first
    const a = load<u64>(dst), b = load<u32>(dst, 8);
    store<u64>(dst, load<u64>(src));
    store<u32>(dst, load<u32>(src, 8), 8);
    store<u64>(src, a);
    store<u32>(src, b, 8);
    if (load<u32>(src) == 0) return;
  }
  const cap = load<i32>(src, 4);
  const p = <usize>load<u32>(src);
  for (let i = 0; i < cap; i++) {
    const v = load<u32>(p + (<usize>i << 2));
    if (v) setAdd(s, dst, v - 1);
  }
  setRelease(s, src);
}

/** Frees every pooled block (at destroy; live sets are released first). */
export function poolFree(s: SA): void {
  for (let c = 0; c < 32; c++) {
    let p = <usize>load<u32>(s.pool + (<usize>c << 2));
    while (p) {
      const next = <usize>load<u32>(p);
      heap.free(p);
      p = next;
    }
  }
}
