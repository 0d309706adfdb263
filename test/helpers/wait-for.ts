/**
 * Waits for a condition instead of sleeping a fixed time: polls `check` until it returns true.
 * `timeoutMs` only guards against a hang (it is not a speed requirement); on expiry it throws
 * naming what was awaited.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
