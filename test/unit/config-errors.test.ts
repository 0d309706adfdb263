/**
 * Errors that retrying cannot fix end `eddy run` at once with exit code 2, the path and the fix:
 * an output or checkpoint folder that cannot be created or written (a virtual file system that
 * answers ENOENT, a file in the way), a missing input file, a Kafka error no retry fixes.
 * Transient errors are retried, each retry a warning saying "attempt n/N".
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/server/cli";
import { ConfigError, fsConfigError, kafkaConfigError } from "../../src/server/io/config-errors";
import { type Attempt, supervise } from "../../src/server/runner/supervisor";

const dir = mkdtempSync(join(tmpdir(), "eddy-config-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = join(dir, "in.jsonl");
writeFileSync(input, "");
const aFile = join(dir, "a-file");
writeFileSync(aFile, "x");

/** Runs the CLI in process; returns its exit code and what it printed on stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const err = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => (lines.push(String(chunk)), true));
  try {
    return { code: await main(args), stderr: lines.join("\n") };
  } finally {
    err.mockRestore();
    write.mockRestore();
  }
}

describe("eddy run: configuration errors fail at once (exit 2) naming the path and the fix", () => {
  it("--output under /proc (a file system that answers ENOENT to every creation) is not reported as a missing file", async () => {
    const r = await cli(["run", "--input", input, "--sink", "files", "--output", "/proc/eddy-test/out"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--output /proc/eddy-test/out: cannot create the folder /proc/eddy-test");
    expect(r.stderr).toContain("refuses new entries there (read-only or virtual, like /proc)");
    expect(r.stderr).toContain("Fix: pass a folder on a writable file system");
    expect(r.stderr).not.toMatch(/no such file/i);
  });

  it("--output through a file: names the file that is in the way", async () => {
    const r = await cli(["run", "--input", input, "--sink", "jsonl", "--output", join(aFile, "out")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--output ${join(aFile, "out")}: ${aFile} is a file, not a folder. Fix: pass a folder path`);
  });

  it("--checkpoint-dir that cannot be created", async () => {
    const r = await cli(["run", "--input", input, "--sink", "console", "--checkpoint-dir", "/proc/eddy-test-ck"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--checkpoint-dir /proc/eddy-test-ck: cannot create the folder /proc/eddy-test-ck");
  });

  it("--input that does not exist", async () => {
    const r = await cli(["run", "--input", join(dir, "missing.jsonl"), "--sink", "jsonl", "--output", join(dir, "o1")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--input ${join(dir, "missing.jsonl")}: cannot read it: no such file (ENOENT). Fix: pass an existing JSONL file`);
    expect(r.stderr).not.toContain('"event":"restart"');
  });
});

describe("error classification", () => {
  it("file errors: read-only, permission and path errors are configuration errors; a full disk is not", () => {
    const at = { setting: "--output /data", what: "write" };
    const ro = fsConfigError(Object.assign(new Error("x"), { code: "EROFS", path: "/data/x" }), at);
    expect(ro).toBeInstanceOf(ConfigError);
    expect(ro!.message).toBe("--output /data: cannot write /data/x: the file system is read-only (EROFS). Fix: pass a folder on a writable file system (it is created when missing).");
    expect(fsConfigError(Object.assign(new Error("x"), { code: "EACCES", path: "/data" }), at)!.message).toMatch(/permission denied \(EACCES\)\. Fix: pass a folder this user can write/);
    expect(fsConfigError(Object.assign(new Error("x"), { code: "ENOSPC", path: "/data" }), at)).toBeUndefined();
    expect(fsConfigError(Object.assign(new Error("x"), { code: "ENOENT", path: "/data" }), at)).toBeUndefined();
    expect(fsConfigError(Object.assign(new Error("x"), { code: "ENOENT", path: "/proc/x" }), { ...at, inExistingDir: true })).toBeInstanceOf(ConfigError);
  });

  it("Kafka errors: a refused topic name or authorization is a configuration error, found through causes; a lost broker is not", () => {
    const invalid = Object.assign(new Error("The request attempted to perform an operation on an invalid topic"), { type: "INVALID_TOPIC_EXCEPTION" });
    const wrapped = new Error("Kafka transaction failed sending to bad topic", { cause: { errors: [invalid] } });
    expect(kafkaConfigError(wrapped)?.message).toMatch(/^Kafka refused: .* \(INVALID_TOPIC_EXCEPTION\); a topic name is not valid .*fix the --\*-topic flags\.$/);
    expect(kafkaConfigError(Object.assign(new Error("lost"), { type: "NOT_LEADER_FOR_PARTITION" }))).toBeUndefined();
    expect(kafkaConfigError(new Error("Connection error: ECONNREFUSED"))).toBeUndefined();
  });
});

describe("the run supervisor", () => {
  /** An attempt that fails with `errors[i]` on its i-th run, then succeeds. */
  function attempts(errors: unknown[]) {
    let n = 0;
    const make = (): Attempt => ({
      committed: 0,
      run: async () => {
        const e = errors[n++];
        if (e) throw e;
      },
      close: async () => {},
    });
    return { make, runs: () => n };
  }

  it("retries a transient error with a warning that says attempt n/N, then finishes", async () => {
    const logs: Array<{ event: string; fields: Record<string, unknown> }> = [];
    const a = attempts([new Error("broker lost"), new Error("broker lost")]);
    await supervise(a.make(), { next: async () => a.make(), maxRestarts: 5, log: (event, fields = {}) => void logs.push({ event, fields }), stopping: () => false, sleep: async () => {} });
    expect(a.runs()).toBe(3);
    expect(logs.map((l) => [l.event, l.fields.level, l.fields.msg])).toEqual([
      ["restart", "warn", "attempt 1/5: broker lost; restarting from the last checkpoint in 1 s"],
      ["restart", "warn", "attempt 2/5: broker lost; restarting from the last checkpoint in 2 s"],
    ]);
  });

  it("gives up after maxRestarts failures in a row", async () => {
    const a = attempts(Array.from({ length: 10 }, () => new Error("still down")));
    await expect(supervise(a.make(), { next: async () => a.make(), maxRestarts: 2, log: () => {}, stopping: () => false, sleep: async () => {} })).rejects.toThrow("still down");
    expect(a.runs()).toBe(3);
  });

  it("ends at once, without a retry, on a configuration error or a Kafka error no retry fixes", async () => {
    for (const err of [new ConfigError("--output /x: read-only"), Object.assign(new Error("bad name"), { type: "INVALID_TOPIC_EXCEPTION" })]) {
      const logs: string[] = [];
      const a = attempts([err]);
      await expect(supervise(a.make(), { next: async () => a.make(), maxRestarts: 10, log: (e) => void logs.push(e), stopping: () => false, sleep: async () => {} })).rejects.toBeInstanceOf(ConfigError);
      expect(a.runs()).toBe(1);
      expect(logs).toEqual([]);
    }
  });
});
