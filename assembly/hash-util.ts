// Open-addressing hash set of u64 values in unmanaged memory (linear probing, power-of-two
// capacity, load <= 1/2). A slot holds value + 1 so that 0 marks an empty slot; callers keep
// values below 2^64 - 1. The caller owns (ptr, cap, size) and passes them in.

/** Fibonacci hash of a u64 to a slot index under `mask`. */
// @ts-ignore: decorator
@inline
export function hash64(x: u64, mask: u32): u32 {
  return <u32>((x * 0x9e3779b97f4a7c15) >> 32) & mask;
}

/** Allocates a zeroed table of `cap` (a power of two) slots. */
export function setAlloc(cap: i32): usize {
  const bytes = <usize>cap << 3;
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

/**
 * Inserts `x` into the table (ptr, cap); returns true when it was not there. The caller
 * grows the table (setRehash) before size reaches cap / 2.
 */
// @ts-ignore: decorator
@inline
export function setInsert(ptr: usize, cap: i32, x: u64): bool {
  const v = x + 1;
  const mask = <u32>(cap - 1);
  let i = hash64(v, mask);
  while (true) {
    const p = ptr + (<usize>i << 3);
    const cur = load<u64>(p);
    if (cur == v) return false;
    if (cur == 0) {
      store<u64>(p, v);
      return true;
    }
    i = (i + 1) & mask;
  }
  return false;
}

/** Moves every value of (ptr, cap) into a new table of `ncap` slots; frees the old one. */
export function setRehash(ptr: usize, cap: i32, ncap: i32): usize {
  const np = setAlloc(ncap);
  for (let i = 0; i < cap; i++) {
    const v = load<u64>(ptr + (<usize>i << 3));
    if (v != 0) setInsert(np, ncap, v - 1);
  }
  if (ptr) heap.free(ptr);
  return np;
}

/** The stored value (x + 1) of slot i, 0 when empty. */
// @ts-ignore: decorator
@inline
export function setSlot(ptr: usize, i: i32): u64 {
  return load<u64>(ptr + (<usize>i << 3));
}
