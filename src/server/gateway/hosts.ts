/**
 * Host names the gateway answers when no EDDY_TOKEN is set: loopback names, and those given
 * with --allowed-hosts (EDDY_ALLOWED_HOSTS). Checking the Host header is what defeats DNS
 * rebinding: a page on attacker.example whose name re-resolves to 127.0.0.1 reaches the
 * gateway, but its requests carry `Host: attacker.example`. Ports never matter.
 */
import { isIPv4 } from "node:net";

/** Whether `hostname` (as in a URL: lower case, IPv6 in brackets) names this machine. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost") || h === "[::1]") return true;
  return isIPv4(h) && h.startsWith("127.");
}

/**
 * The host name of an --allowed-hosts entry (`eddy.lan`, `eddy.lan:8787`, `[fd00::1]`), or a
 * leading-dot suffix (`.example.com`: the name and every subdomain, as in Vite's allowedHosts).
 * Throws with the entry named when it is not a host name.
 */
export function normalizeAllowedHost(entry: string): string {
  const e = entry.trim().toLowerCase();
  const suffix = e.startsWith(".");
  let hostname = "";
  try {
    const url = new URL(`http://${suffix ? e.slice(1) : e}`);
    if (url.pathname === "/" && !url.search && !url.hash && !url.username) hostname = url.hostname;
  } catch {
    hostname = "";
  }
  if (!hostname) throw new Error(`'${entry}' is not a host name (give names such as eddy.example.com or .example.com, comma-separated)`);
  return suffix ? `.${hostname}` : hostname.replace(/\.$/, "");
}

/** A test of host names: loopback, or one of `allowed` (already normalized). */
export type HostPolicy = (hostname: string) => boolean;

/** Builds the {@link HostPolicy} of `allowed` entries (normalizing them; throws on a bad one). */
export function hostPolicy(allowed: readonly string[]): HostPolicy {
  const names = allowed.map(normalizeAllowedHost);
  return (hostname) => {
    const h = hostname.toLowerCase().replace(/\.$/, "");
    if (isLoopbackHostname(h)) return true;
    return names.some((n) => (n.startsWith(".") ? h === n.slice(1) || h.endsWith(n) : h === n));
  };
}
