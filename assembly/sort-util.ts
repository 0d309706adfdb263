// In-place ascending sort of u32 arrays in unmanaged memory (quicksort, median of three,
// insertion sort below 24 elements; recursion only into the smaller side, so depth is
// O(log n)). Used to emit rows in key order.

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): u32 {
  return load<u32>(p + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function put(p: usize, i: i32, v: u32): void {
  store<u32>(p + (<usize>i << 2), v);
}

function insertion(p: usize, lo: i32, hi: i32): void {
  for (let i = lo + 1; i <= hi; i++) {
    const v = at(p, i);
    let j = i - 1;
    while (j >= lo && at(p, j) > v) {
      put(p, j + 1, at(p, j));
      j--;
    }
    put(p, j + 1, v);
  }
}

function quick(p: usize, lo: i32, hi: i32): void {
  while (hi - lo >= 24) {
    const mid = lo + ((hi - lo) >> 1);
    // median of three into `pivot`
    let a = at(p, lo), b = at(p, mid), c = at(p, hi);
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo, j = hi;
    while (i <= j) {
      while (at(p, i) < pivot) i++;
      while (at(p, j) > pivot) j--;
      if (i <= j) {
        const t = at(p, i);
        put(p, i, at(p, j));
        put(p, j, t);
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quick(p, lo, j);
      lo = i;
    } else {
      quick(p, i, hi);
      hi = j;
    }
  }
  insertion(p, lo, hi);
}

/** Sorts `n` u32 values at `p` ascending. */
export function sortU32(p: usize, n: i32): void {
  if (n > 1) quick(p, 0, n - 1);
}
