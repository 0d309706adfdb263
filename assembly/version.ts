/** ABI version of the kernel exports; src/core/wasm.ts refuses a .wasm with another one. */
export const ABI_VERSION: i32 = 1;

/** Returns the ABI version (a function, so hosts need no global-export support). */
export function core_abi_version(): i32 {
  return ABI_VERSION;
}
