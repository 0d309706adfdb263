/**
 * What `eddy serve` and `eddy dev` say when the gateway starts: who can reach it, and, when it
 * cannot listen, the reason in one sentence with the flag that fixes it.
 */
import { createServer } from "node:net";
import { isLoopbackHostname } from "./hosts";

/** Tries to listen on `host:port`; resolves to the error code (e.g. EADDRINUSE) or undefined. */
export function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "EUNKNOWN"));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** The first free port after `port` on `host` (of the next 20), or `port + 1`. */
async function freePortAfter(host: string, port: number): Promise<number> {
  for (let p = port + 1; p <= Math.min(port + 20, 65535); p++) if ((await tryListen(host, p)) === undefined) return p;
  return Math.min(port + 1, 65535);
}

/**
 * The one-sentence reason why the gateway could not listen on `host:port` (`code` of Node's
 * listen error), naming the flag to change; undefined for an error that is not about the address.
 */
export async function listenProblem(code: string | undefined, host: string, port: number): Promise<string | undefined> {
  switch (code) {
    case "EADDRINUSE":
      return `port ${port} is in use (another eddy serve?); pick another with --port ${await freePortAfter(host, port)}`;
    case "EACCES":
      return `port ${port} needs privileges this user lacks; pick one above 1023 with --port ${await freePortAfter(host, Math.max(port, 1023))}`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `--host ${host} is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`;
    default:
      return undefined;
  }
}

/** How a URL names `host` (wildcard addresses are shown as 127.0.0.1, brackets around IPv6). */
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * The startup line: where the gateway listens and who can reach it. Without a token, a gateway
 * on the network still answers only loopback and --allowed-hosts names (the Host check), so the
 * line says so and what to set.
 */
export function reachability(o: { what: string; host: string; port: number; token: boolean; allowedHosts: readonly string[] }): string {
  const url = `http://${urlHost(o.host)}:${o.port}/`;
  const allowed = o.allowedHosts.length ? ` and ${o.allowedHosts.join(", ")}` : "";
  const wildcard = o.host === "0.0.0.0" || o.host === "::" || o.host === "";
  if (!wildcard && isLoopbackHostname(urlHost(o.host))) {
    return `${o.what} listening on ${url} — reachable from this machine only; set --host 0.0.0.0 and EDDY_TOKEN to share it`;
  }
  const where = wildcard ? "every interface" : o.host;
  if (o.token) return `${o.what} listening on ${url} (${where}) — reachable from the network; EDDY_TOKEN required on the API, /metrics and /ws`;
  return (
    `${o.what} listening on ${url} (${where}) — reachable from the network, but without EDDY_TOKEN it answers only ` +
    `Host names localhost, 127.0.0.1, [::1]${allowed}; set EDDY_TOKEN to share it`
  );
}
