// Raw linear-memory allocation for the JS wrapper (src/kernels/).
//
// The module is built with the minimal runtime (TLSF allocator) and no imports. Kernels never
// allocate managed objects: every buffer is a raw block from heap.alloc that its owner frees,
// so memory is reused call after call instead of growing.

/** Allocates `bytes` bytes, 16-byte aligned. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Frees a block returned by `alloc`. */
export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}
