/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser, always the same
 * flags, a fresh profile per launch.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { CHROMIUM, missingChromiumMessage } from "./ensure-chromium";

/** The flags every e2e run uses. */
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"];

/** A launched browser with a fresh profile directory (removed by `close`). */
export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium; fails with the install command when Debian's package is missing (the e2e
 * project's global setup, test/setup/global-chromium.ts, installs it when it can).
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM)) throw new Error(missingChromiumMessage("not installed"));
  const profile = mkdtempSync(join(tmpdir(), "eddy-chromium-"));
  // A persistent context is how playwright takes --user-data-dir (a fresh one here).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1100 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
