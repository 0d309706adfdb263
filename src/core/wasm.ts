/**
 * Loads eddy's analytics core (build/eddy.wasm) in Node and in browser workers alike.
 *
 * The module is compiled once per realm and cached; each {@link instantiateCore} call makes
 * a fresh instance with its own linear memory, so independent pipelines (or a test and its
 * oracle run) never share kernel state.
 */

/** ABI version this TypeScript API was written against (assembly/version.ts). */
export const CORE_ABI_VERSION = 1;

/** Raw exports of the core; the typed kernel wrappers in src/core/kernels read these. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  core_abi_version(): number;
  [name: string]: unknown;
}

/** Where the default .wasm lives, relative to this module (works under Vite and in Node). */
export const DEFAULT_WASM_URL = new URL("../../build/eddy.wasm", import.meta.url);

let cached: Promise<WebAssembly.Module> | undefined;

async function readBytes(url: URL): Promise<ArrayBuffer | Uint8Array> {
  if (url.protocol === "file:") {
    // Node only: the specifier is built at run time so browser bundlers never try to resolve it.
    const fsName = "node:fs/promises";
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import("node:fs/promises");
    return fs.readFile(url).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") {
        throw new Error(`eddy core not built: ${url.pathname} is missing. Run \`npm run asbuild\` (or \`npm run build\`).`);
      }
      throw err;
    });
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load eddy core from ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** Compiles (once) the core module from `source`, or from {@link DEFAULT_WASM_URL}. */
export function compileCore(source?: URL | BufferSource): Promise<WebAssembly.Module> {
  if (source === undefined || source instanceof URL) {
    const url = source ?? DEFAULT_WASM_URL;
    if (source === undefined) {
      cached ??= readBytes(url).then((b) => WebAssembly.compile(b as BufferSource));
      return cached;
    }
    return readBytes(url).then((b) => WebAssembly.compile(b as BufferSource));
  }
  return WebAssembly.compile(source);
}

function abort(msgPtr: number, filePtr: number, line: number, col: number): never {
  throw new Error(`eddy core aborted at ${line}:${col} (message @${msgPtr}, file @${filePtr})`);
}

/** Instantiates a fresh core with its own memory and checks its ABI version. */
export async function instantiateCore(source?: URL | BufferSource | WebAssembly.Module): Promise<CoreExports> {
  const module = source instanceof WebAssembly.Module ? source : await compileCore(source);
  const instance = await WebAssembly.instantiate(module, {
    env: { abort, seed: () => 0x9e3779b9 },
  });
  const exports = instance.exports as unknown as CoreExports;
  const abi = exports.core_abi_version();
  if (abi !== CORE_ABI_VERSION) {
    throw new Error(`eddy core ABI ${abi} does not match the TypeScript API (${CORE_ABI_VERSION}); rebuild with \`npm run asbuild\``);
  }
  return exports;
}
