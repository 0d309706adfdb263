import { describe, expect, it } from "vitest";
import { copyParts, isIgnored, parseDockerfile } from "../helpers/dockerfile";
import { parseYamlSubset } from "../helpers/yaml-subset";

describe("YAML subset reader", () => {
  it("reads nested mappings, both sequence indents, item mappings, comments and typed scalars", () => {
    const src = [
      "# a comment",
      "a:",
      "- x",
      "- y: 1",
      "  z: \"q # kept\"   # dropped",
      "-",
      "  - 2.5",
      "  - -3",
      "b: ~",
      "c: 'it''s'",
      "d:",
      "e:",
      "  f: true",
      "  g:",
      "    - --flag=1",
      "    - \"9464\"",
    ].join("\n");
    expect(parseYamlSubset(src)).toEqual({
      a: ["x", { y: 1, z: "q # kept" }, [2.5, -3]],
      b: null,
      c: "it's",
      d: null,
      e: { f: true, g: ["--flag=1", "9464"] },
    });
  });

  it.each([
    ["a: [1, 2]", /line 1: '\[' .*outside the supported subset/],
    ["a: |\n  text", /line 1: '\|'/],
    ["a: &x 1", /line 1: '&'/],
    ["a:\n\tb: 1", /line 2: a tab/],
    ["a: 1\na: 2", /line 2: duplicate key 'a'/],
    ["a: 1\n  b: 2", /line 2: unexpected indentation/],
    ["a: 1\n---\nb: 2", /line 2: several documents/],
    ["just text", /line 1: expected 'key: value'/],
    ["a: \"open", /line 1: unterminated string/],
  ])("refuses %j naming the line and the reason", (src, message) => {
    expect(() => parseYamlSubset(src)).toThrow(message);
  });
});

describe("Dockerfile reader", () => {
  it("resolves global ARGs in FROM, names stages and joins continued lines", () => {
    const stages = parseDockerfile("ARG BASE=node:22-slim\nFROM ${BASE} AS one\nRUN a \\\n  && b\n# note\nFROM one\nCOPY --from=one /x ./y\n");
    expect(stages.map((s) => [s.image, s.name])).toEqual([["node:22-slim", "one"], ["one", undefined]]);
    expect(stages[0].instructions).toEqual([{ op: "RUN", args: "a    && b" }]);
    expect(copyParts(stages[1].instructions[0].args)).toEqual({ from: "one", sources: ["/x"], dest: "./y" });
  });

  it("refuses an instruction before FROM", () => {
    expect(() => parseDockerfile("RUN x\nFROM node:22-slim")).toThrow(/RUN before the first FROM/);
  });

  it("matches .dockerignore patterns on a path and its parent folders, the last match winning", () => {
    const patterns = ["node_modules", "*.log", "bench/results", "!keep.log"];
    expect(isIgnored("node_modules/a/b.js", patterns)).toBe(true);
    expect(isIgnored("run.log", patterns)).toBe(true);
    expect(isIgnored("keep.log", patterns)).toBe(false);
    expect(isIgnored("src/run.log", patterns)).toBe(false);
    expect(isIgnored("bench/results/e2e.json", patterns)).toBe(true);
    expect(isIgnored("bench/e2e.ts", patterns)).toBe(false);
  });
});
