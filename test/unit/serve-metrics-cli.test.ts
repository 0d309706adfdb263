/**
 * `eddy serve --metrics-file` and `eddy dev --metrics-file` validate the file exactly as
 * `eddy run` does: a bad file, an unknown `--only` name or a declared input on a SPEC topic exits
 * 2 with run's message (after the command's own prefix), before anything listens or connects.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, withoutBrokerEnv } from "../helpers/cli-in-process";
import type { MetricsFileJson } from "../../src/core/metrics/user/definition";

const dir = mkdtempSync(join(tmpdir(), "eddy-serve-udm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const eddy = runCli;

withoutBrokerEnv();

const example = (): MetricsFileJson => JSON.parse(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8")) as MetricsFileJson;

function write(name: string, content: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}

/** The message after `eddy <command>: `. */
const message = (err: string, command: string) => err.replace(new RegExp(`^eddy ${command}: `), "");

describe("eddy serve / eddy dev --metrics-file: the file is checked as by eddy run, exit 2", () => {
  const bad = example();
  bad.metrics[1]!.window = { sliding: "10m", every: "3m" };
  (bad.inputs!.reviews!.fields as Record<string, string>).rating = "float";
  const cases: [string, () => string[]][] = [
    ["a file with two problems", () => ["--metrics-file", write("bad.json", bad)]],
    ["a file that is not there", () => ["--metrics-file", join(dir, "nope.json")]],
    ["a file that is not JSON", () => ["--metrics-file", write("comments.json", '{ "metrics": [] // no\n}')]],
    ["an unknown --only name", () => ["--metrics-file", write("ok.json", example()), "--only", "errors_by_devic"]],
  ];

  it.each(cases)("%s", async (_, args) => {
    const run = await eddy("run", "--brokers", "192.0.2.1:9092", ...args());
    expect(run.code).toBe(2);
    expect(run.err.length).toBeGreaterThan(30);
    const serve = await eddy("serve", "--api-only", "--port", "0", ...args());
    expect(serve.code).toBe(2);
    expect(message(serve.err, "serve")).toBe(message(run.err, "run"));
    const dev = await eddy("dev", "--port", "1", ...args());
    expect(dev.code).toBe(2);
    expect(message(dev.err, "dev")).toBe(message(run.err, "run"));
  });

  it("refuses a declared input on a topic that is already a SPEC topic, naming the fix", async () => {
    const f = write("ok.json", example());
    const serve = await eddy("serve", "--api-only", "--port", "0", "--metrics-file", f, "--clickstream-topic", "reviews");
    expect(serve.code).toBe(2);
    expect(serve.err).toBe(`eddy serve: input 'reviews' of ${f} reads topic 'reviews', which is already the clickstream topic: give the input another topic\n`);
  });

  it("lists the flags in --help", async () => {
    const serve = await eddy("serve", "--help");
    const dev = await eddy("dev", "--help");
    expect([serve.code, dev.code]).toEqual([0, 0]);
    const out = serve.out + dev.out;
    expect(out.match(/--metrics-file/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out.match(/--only/g)?.length).toBeGreaterThanOrEqual(2);
  });
});
