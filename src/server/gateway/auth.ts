/**
 * Gateway security: the EDDY_TOKEN check for the API, /metrics and /ws (Bearer header or
 * `?token=`, since a browser cannot set headers on a WebSocket), the Host check that stands in
 * for it when no token is set, and the Origin check of /ws.
 */
import type { MiddlewareHandler } from "hono";
import type { HostPolicy } from "./hosts";

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
 * Without EDDY_TOKEN: answers only requests whose Host is loopback or allowed (hosts.ts); 403
 * with the reason as plain text otherwise. @hono/node-server builds the request URL from the
 * Host header (the bound address when there is none), so the URL's host name is the Host.
 */
export function checkHost(allowed: HostPolicy): MiddlewareHandler {
  return async (c, next) => {
    const host = new URL(c.req.url).hostname;
    if (allowed(host)) return next();
    return c.text(
      `host ${host} is not allowed: without EDDY_TOKEN the gateway answers only localhost, 127.0.0.1 and [::1]; ` +
        `add the name with --allowed-hosts ${host} (or EDDY_ALLOWED_HOSTS), or set EDDY_TOKEN\n`,
      403,
    );
  };
}

/**
 * Allows a WebSocket upgrade from a page whose Origin host name is loopback or allowed, or
 * whose origin is in `allowedOrigins` (full origins, EDDY_ALLOWED_ORIGINS). With a token, also
 * from the page's own origin (Origin host = Host or X-Forwarded-Host), whatever its name.
 * Requests without Origin (not from a browser) pass: Origin only protects browsers against
 * cross-site pages.
 */
export function checkOrigin(allowedOrigins: readonly string[], allowedHosts: HostPolicy, token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined || allowedOrigins.includes(origin)) return next();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    const sameHost = url !== undefined && (url.host === c.req.header("host") || url.host === c.req.header("x-forwarded-host"));
    if (url !== undefined && (allowedHosts(url.hostname) || (token !== undefined && sameHost))) return next();
    return c.text(`origin ${origin} is not allowed to open /ws: add its host with --allowed-hosts, or the origin to EDDY_ALLOWED_ORIGINS\n`, 403);
  };
}
