/**
 * Gateway security: the EDDY_TOKEN check for the API, /metrics and /ws (Bearer header or
 * `?token=`, since a browser cannot set headers on a WebSocket), and the Origin check of /ws.
 */
import type { MiddlewareHandler } from "hono";

/** Compares in time independent of where the strings differ. */
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** Requires `token` (when set) as `Authorization: Bearer …` or `?token=…`; 401 otherwise. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return next();
    const header = c.req.header("authorization");
    const given = header?.startsWith("Bearer ") ? header.slice(7) : c.req.query("token");
    if (given === undefined || !sameToken(given, token)) {
      return c.json({ error: "missing or wrong token (EDDY_TOKEN is set: send Authorization: Bearer <token> or ?token=<token>)" }, 401);
    }
    return next();
  };
}

/**
 * Allows a WebSocket upgrade only from the page's own origin (Origin host = Host) or one of
 * `allowed` (full origins, e.g. http://localhost:5173); requests without Origin (not from a
 * browser) pass, since Origin only protects browsers against cross-site pages.
 */
export function checkOrigin(allowed: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    const forwarded = c.req.header("x-forwarded-host");
    const ok = allowed.includes(origin) || (host !== undefined && (host === c.req.header("host") || host === forwarded));
    if (!ok) return c.json({ error: `origin ${origin} not allowed (set EDDY_ALLOWED_ORIGINS)` }, 403);
    return next();
  };
}
