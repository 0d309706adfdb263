/** Builds the web console with the project's vite.config.ts into a folder of the test's own. */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

/** Runs `vite build` into `outDir`; resolves to it. */
export async function buildConsole(outDir: string): Promise<string> {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  await build({ configFile: resolve(root, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
  return outDir;
}
