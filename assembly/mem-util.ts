// Allocation helpers over the TLSF heap (see layout.ts: kernels use unmanaged blocks only).

/** heap.realloc that also accepts ptr = 0 (TLSF's realloc does not). */
export function regrow(ptr: usize, size: usize): usize {
  return ptr ? heap.realloc(ptr, size) : heap.alloc(size);
}

/** Allocates `bytes` zeroed bytes. */
export function zalloc(bytes: usize): usize {
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}
