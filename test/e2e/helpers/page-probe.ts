/** Reads the console's debug handle (`window.eddy`, src/web/main.ts) from a playwright page. */
import type { Page } from "playwright-core";
import type { EddyDebug } from "../../../src/web/main";

type Handle = EddyDebug;
type Awaited2<T> = T extends Promise<infer U> ? U : T;

/** Calls `window.eddy[name](...args)` in the page and returns its (awaited) result. */
export function eddy<K extends keyof Handle>(page: Page, name: K, ...args: Parameters<Handle[K]>): Promise<Awaited2<ReturnType<Handle[K]>>> {
  return page.evaluate(
    ([n, a]) => (window as unknown as { eddy: Record<string, (...x: unknown[]) => unknown> }).eddy[n as string](...(a as unknown[])),
    [name, args] as const,
  ) as Promise<Awaited2<ReturnType<Handle[K]>>>;
}

/** Polls `check` every `everyMs` until it returns true; throws `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
