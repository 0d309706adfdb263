// The core-wide handle table (conventions in layout.ts): handle h > 0 names entry h - 1,
// which holds the instance's kernel kind and the pointer to its unmanaged state block.
// The table lives in unmanaged memory and grows by doubling; freed entries are reused.
import { regrow } from "./mem-util";

let kinds: usize = 0; // i32 per entry, 0 = free
let ptrs: usize = 0; // usize per entry
let cap: i32 = 0;

function grow(): void {
  const ncap = cap == 0 ? 16 : cap << 1;
  kinds = regrow(kinds, <usize>ncap << 2);
  ptrs = regrow(ptrs, <usize>ncap << alignof<usize>());
  memory.fill(kinds + (<usize>cap << 2), 0, <usize>(ncap - cap) << 2);
  cap = ncap;
}

/** Registers an instance and returns its handle (the lowest free one). */
export function handleNew(kind: i32, ptr: usize): i32 {
  for (let i = 0; i < cap; i++) {
    if (load<i32>(kinds + (<usize>i << 2)) == 0) {
      store<i32>(kinds + (<usize>i << 2), kind);
      store<usize>(ptrs + (<usize>i << alignof<usize>()), ptr);
      return i + 1;
    }
  }
  const i = cap;
  grow();
  store<i32>(kinds + (<usize>i << 2), kind);
  store<usize>(ptrs + (<usize>i << alignof<usize>()), ptr);
  return i + 1;
}

/** The state pointer of handle `h` if it is live and of `kind`, else 0. */
// @ts-ignore: decorator
@inline
export function handlePtr(h: i32, kind: i32): usize {
  if (h <= 0 || h > cap) return 0;
  const i = <usize>(h - 1);
  if (load<i32>(kinds + (i << 2)) != kind) return 0;
  return load<usize>(ptrs + (i << alignof<usize>()));
}

/** Releases handle `h` (the caller frees the state block itself). */
export function handleFree(h: i32): void {
  if (h <= 0 || h > cap) return;
  store<i32>(kinds + (<usize>(h - 1) << 2), 0);
}
