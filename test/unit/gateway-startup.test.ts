import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listenProblem, reachability, tryListen } from "../../src/server/gateway/startup";

describe("gateway start-up messages", () => {
  it("says who can reach the gateway", () => {
    const base = { what: "gateway", port: 8787, allowedHosts: [] as string[] };
    expect(reachability({ ...base, host: "127.0.0.1", token: false })).toMatch(/http:\/\/127\.0\.0\.1:8787\/ — reachable from this machine only; set --host 0\.0\.0\.0 and EDDY_TOKEN/);
    expect(reachability({ ...base, host: "::1", token: false })).toMatch(/http:\/\/\[::1\]:8787\/ — reachable from this machine only/);
    const open = reachability({ ...base, host: "0.0.0.0", token: false, allowedHosts: ["eddy.lan"] });
    expect(open).toMatch(/every interface.*reachable from the network, but without EDDY_TOKEN it answers only Host names .*eddy\.lan; set EDDY_TOKEN/);
    expect(reachability({ ...base, host: "0.0.0.0", token: true })).toMatch(/reachable from the network; EDDY_TOKEN required/);
  });

  it("a port in use is one sentence naming --port and a port that is free", async () => {
    const held = createServer();
    await new Promise<void>((r) => held.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (held.address() as { port: number }).port;
    try {
      const code = await tryListen("127.0.0.1", port);
      expect(code).toBe("EADDRINUSE");
      const msg = (await listenProblem(code, "127.0.0.1", port))!;
      const m = new RegExp(`^port ${port} is in use \\(another eddy serve\\?\\); pick another with --port (\\d+)$`).exec(msg);
      expect(m, msg).not.toBeNull();
      expect(await tryListen("127.0.0.1", Number(m![1]))).toBeUndefined();
    } finally {
      held.close();
    }
    expect(await listenProblem("ECONNRESET", "127.0.0.1", port)).toBeUndefined();
  });

  it("eddy serve on a taken port exits 2 with that sentence and no stack trace", async () => {
    const held = createServer();
    await new Promise<void>((r) => held.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (held.address() as { port: number }).port;
    try {
      // spawnSync blocks this process, but its socket stays bound: the port is taken meanwhile.
      const r = spawnSync(process.execPath, [join(__dirname, "../../bin/eddy.js"), "serve", "--api-only", "--port", String(port)], {
        encoding: "utf8",
        env: { ...process.env, KAFKA_BROKERS: "" },
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim()).toMatch(new RegExp(`^eddy serve: port ${port} is in use \\(another eddy serve\\?\\); pick another with --port \\d+$`));
    } finally {
      held.close();
    }
  });
});
