/**
 * Static checks of deploy/ (there is no container engine or cluster here): the Kubernetes
 * manifests parse, the Deployment's arguments are real `eddy run` flags that resolve to a valid
 * run configuration, the probes reach the metrics port, the PodDisruptionBudget selects the
 * runners, and the Dockerfile copies paths that exist and starts the `eddy` bin.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunConfig, RUN_FLAGS } from "../../src/server/runner/run-config";
import { copyParts, dockerignorePatterns, isIgnored, parseDockerfile } from "../helpers/dockerfile";
import { parseYamlSubset } from "../helpers/yaml-subset";

const ROOT = join(import.meta.dirname, "../..");
const K8S = join(ROOT, "deploy/k8s");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
// Manifests are plain data: `any` keeps the field walks short, and every field read is asserted.
const yaml = (name: string): any => parseYamlSubset(read(`deploy/k8s/${name}`));

// Parallel runners' flags, until run-config.ts defines them; each is checked again once it does.
const PENDING_FLAGS = ["parallel", "workers"].filter((f) => !(f in RUN_FLAGS));

/** KEY=VALUE lines of a kustomize env file. */
function envFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read(path).split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const eq = t.indexOf("=");
    expect(eq, `${path}: '${t}' is not KEY=VALUE`).toBeGreaterThan(0);
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

const kustomization = yaml("kustomization.yaml");
const deployment = yaml("deployment.yaml");
const pdb = yaml("pdb.yaml");
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const generated = (name: string) => kustomization.configMapGenerator.find((g: { name: string }) => g.name === name);

describe("deploy/k8s", () => {
  it("lists resources and generated ConfigMap sources that exist", () => {
    expect(kustomization.kind).toBe("Kustomization");
    const files = [...kustomization.resources, ...kustomization.configMapGenerator.flatMap((g: { envs?: string[]; files?: string[] }) => [...(g.envs ?? []), ...(g.files ?? [])])];
    for (const f of files) expect(existsSync(join(K8S, f)), f).toBe(true);
    expect(kustomization.resources).toEqual(expect.arrayContaining(["deployment.yaml", "pdb.yaml"]));
    expect(kustomization.images.map((i: { name: string }) => i.name)).toContain(container.image.split(":")[0]);
  });

  it("runs at least two runners, each `eddy run` with real flags only", () => {
    expect(deployment.kind).toBe("Deployment");
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const args: string[] = container.args;
    expect(args[0]).toBe("run");
    for (const flag of args.slice(1).filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")[0])) {
      if (PENDING_FLAGS.includes(flag)) continue;
      expect(Object.keys(RUN_FLAGS), `--${flag}`).toContain(flag);
    }
    expect(args).toContain("--parallel");
  });

  it("gives the arguments a valid run configuration from its ConfigMaps", () => {
    const envFromNames = container.envFrom.map((e: { configMapRef: { name: string } }) => e.configMapRef.name);
    const env: Record<string, string> = {};
    for (const name of envFromNames) {
      const gen = generated(name);
      expect(gen, `envFrom ${name} is a generated ConfigMap`).toBeDefined();
      for (const f of gen.envs) Object.assign(env, envFile(`deploy/k8s/${f}`));
    }
    for (const e of container.env) env[e.name] = e.value;
    // Kubernetes expands $(VAR) from the container's environment; an undefined one stays literal.
    const args = (container.args as string[]).slice(1).map((a) =>
      a.replace(/\$\((\w+)\)/g, (_, k: string) => {
        expect(env, `$(${k}) in args`).toHaveProperty(k);
        return env[k];
      }),
    );
    // --config names a file in a mounted ConfigMap: read the file it is generated from instead.
    const configAt = args.indexOf("--config") + 1;
    expect(configAt).toBeGreaterThan(0);
    const mount = container.volumeMounts.find((m: { mountPath: string }) => args[configAt].startsWith(m.mountPath + "/"));
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    const fileName = args[configAt].slice(mount.mountPath.length + 1);
    expect(generated(volume.configMap.name).files).toContain(fileName);
    args[configAt] = join(K8S, fileName);
    const { config } = parseRunConfig(args.filter((a) => !PENDING_FLAGS.includes(a.slice(2))), {});
    expect(config.group).toBe(env.EDDY_GROUP);
    expect(config.brokers).toEqual(env.KAFKA_BROKERS.split(","));
    expect(config.sinks).toEqual(["kafka"]);
    expect(config.metricsPort).toBeGreaterThan(0);
  });

  it("probes /healthz on the metrics port, and Prometheus scrapes that port", () => {
    const args: string[] = container.args;
    const metricsPort = Number(args[args.indexOf("--metrics-port") + 1]);
    const named = container.ports.find((p: { containerPort: number }) => p.containerPort === metricsPort);
    expect(named, "a container port for --metrics-port").toBeDefined();
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const get = container[probe]?.httpGet;
      expect(get?.path, probe).toBe("/healthz");
      expect([named.name, metricsPort], probe).toContain(get.port);
    }
    expect(Number(deployment.spec.template.metadata.annotations["prometheus.io/port"])).toBe(metricsPort);
  });

  it("sets requests and limits, a V8 heap below the memory limit, and time to checkpoint on SIGTERM", () => {
    const { requests, limits } = container.resources;
    const mib = (q: string) => Number(/^(\d+)(Mi|Gi)$/.exec(q)![1]) * (q.endsWith("Gi") ? 1024 : 1);
    expect(mib(limits.memory)).toBeGreaterThanOrEqual(mib(requests.memory));
    expect(Number(limits.cpu)).toBeGreaterThanOrEqual(Number(requests.cpu));
    const heap = /--max-old-space-size=(\d+)/.exec(container.env.find((e: { name: string }) => e.name === "NODE_OPTIONS").value);
    expect(Number(heap![1])).toBeLessThan(mib(limits.memory));
    // A graceful stop finishes a batch and commits one checkpoint: give it tens of seconds.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toContain("/tmp");
  });

  it("has a PodDisruptionBudget whose selector matches the runners' labels", () => {
    expect(pdb.kind).toBe("PodDisruptionBudget");
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(pdb.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(labels[k], k).toBe(v);
    expect(pdb.spec.maxUnavailable ?? 0).toBeLessThan(deployment.spec.replicas);
  });
});

describe("deploy/Dockerfile", () => {
  const stages = parseDockerfile(read("deploy/Dockerfile"));
  const final = stages.at(-1)!;
  const ops = (stage: (typeof stages)[number], op: string) => stage.instructions.filter((i) => i.op === op);

  it("builds on Node 22 slim", () => {
    for (const s of stages) expect(s.image).toMatch(/^node:22(\.\d+)*-(\w+-)?slim$/);
  });

  it("copies only paths that exist and that .dockerignore keeps", () => {
    const ignore = dockerignorePatterns(read(".dockerignore"));
    const sources = stages.flatMap((s) => ops(s, "COPY").map((i) => copyParts(i.args))).filter((c) => !c.from).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(isIgnored(src, ignore), `${src} is in .dockerignore`).toBe(false);
    }
    // The context leaves out local installs and build output.
    expect(isIgnored("node_modules/kafkajs/package.json", ignore)).toBe(true);
    expect(isIgnored("build/eddy.wasm", ignore)).toBe(true);
  });

  it("takes node_modules from a stage installed without dev dependencies, and the kernels from the asbuild stage", () => {
    const copies = ops(final, "COPY").map((i) => copyParts(i.args));
    const modules = copies.find((c) => c.sources.some((s) => s.endsWith("node_modules")));
    const depsStage = stages.find((s) => s.name === modules?.from);
    expect(ops(depsStage!, "RUN").map((r) => r.args).join(" ")).toMatch(/npm ci --omit=dev/);
    expect(ops(final, "RUN")).toEqual([]);
    const wasm = copies.find((c) => c.dest.endsWith("build/eddy.wasm"));
    const wasmStage = stages.find((s) => s.name === wasm?.from);
    const script = /npm run (\S+)/.exec(ops(wasmStage!, "RUN").map((r) => r.args).join(" "))?.[1];
    const pkg = JSON.parse(read("package.json")) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(script).toBe("asbuild");
    expect(pkg.scripts[script!]).toContain("--target release");
  });

  it("starts the eddy bin as a non-root user, running `eddy run` by default", () => {
    const pkg = JSON.parse(read("package.json")) as { bin: Record<string, string> };
    const entrypoint = JSON.parse(ops(final, "ENTRYPOINT").at(-1)!.args) as string[];
    const cmd = JSON.parse(ops(final, "CMD").at(-1)!.args) as string[];
    expect(entrypoint[0]).toBe("node");
    expect(entrypoint[1]).toBe(pkg.bin.eddy);
    expect(existsSync(join(ROOT, entrypoint[1]))).toBe(true);
    const copied = ops(final, "COPY").map((i) => copyParts(i.args)).filter((c) => !c.from).flatMap((c) => c.sources);
    expect(copied.some((s) => entrypoint[1] === s || entrypoint[1].startsWith(s.replace(/\/$/, "") + "/"))).toBe(true);
    expect(cmd[0]).toBe("run");
    const user = ops(final, "USER").at(-1)?.args.split(":")[0];
    expect(user).toBeDefined();
    expect(["0", "root"]).not.toContain(user);
    expect(Number(user)).toBe(pod.securityContext.runAsUser);
  });
});
