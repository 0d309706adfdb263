// The single entry point of eddy's analytics core: every kernel is exported from here
// so that one .wasm serves the Node runner and the browser workers unchanged.
// Kernel exports are prefixed with the kernel's name (window_*, join_*, ...) to keep
// the flat WebAssembly export namespace unambiguous.
export * from "./version";
export { core_io_reserve, core_io_ptr } from "./bytes-util";
export * from "./window";
export * from "./watermark";
export * from "./zscore";
export * from "./session";
export * from "./session-agg";
export * from "./join";
