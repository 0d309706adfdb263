/**
 * Global setup of the `e2e` project: installs Debian's Chromium once per test run when it is
 * missing and this process can (root with apt-get), before any e2e file starts. When it cannot,
 * it prints why with the command to run, and the e2e files fail at launch with the same command;
 * the other projects still run.
 */
import { ensureChromium } from "../e2e/helpers/ensure-chromium";

export async function setup(): Promise<void> {
  const problem = await ensureChromium();
  if (problem) console.error(`e2e: ${problem}`);
}
