/**
 * Assembles an Apache Kafka broker from Maven Central (org.apache.kafka:kafka_2.13 and its runtime
 * dependencies) into a cache directory outside the repository, with the machine's `mvn`.
 * No tarball download: everything comes through the registry the machine already reaches.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Kafka version assembled by default; override with EDDY_KAFKA_VERSION. */
export const KAFKA_VERSION = process.env.EDDY_KAFKA_VERSION ?? "4.1.1";
/** log4j2 version matching Kafka 4.1's own log4j-core, for the slf4j binding the jar leaves out. */
const LOG4J_VERSION = "2.24.3";

/** Root of eddy's caches: EDDY_CACHE_DIR, else $XDG_CACHE_HOME/eddy, else ~/.cache/eddy. */
export function cacheRoot(): string {
  return process.env.EDDY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "eddy");
}

/** Directory whose `libs/` holds the broker's jars for `version`. */
export function kafkaHome(version = KAFKA_VERSION): string {
  return join(cacheRoot(), `kafka-${version}`);
}

/** Thrown when a prerequisite is missing; the message says what to install. */
export class MissingToolError extends Error {
  override name = "MissingToolError";
}

/** Checks for Java 17+ and returns its major version, or throws with an install hint. */
export function checkJava(): number {
  const res = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (res.error || res.status !== 0) {
    throw new MissingToolError(
      "Java 17 or newer is needed to run the local Kafka broker, and `java` was not found. " +
        "Install it (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) " +
        "or point eddy at an existing broker with KAFKA_BROKERS=host:9092.",
    );
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(res.stderr + res.stdout);
  const major = m ? (m[1] === "1" ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) {
    throw new MissingToolError(
      `Kafka 4 needs Java 17 or newer; \`java -version\` reports ${major || "an unknown version"}. ` +
        "Install a newer JDK/JRE (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) or set KAFKA_BROKERS.",
    );
  }
  return major;
}

function checkMaven(): void {
  const res = spawnSync("mvn", ["-v"], { encoding: "utf8" });
  if (res.error || res.status !== 0) {
    throw new MissingToolError(
      "Maven (`mvn`) is needed once, to assemble the Kafka broker from Maven Central, and was not found. " +
        "Install it (Debian/Ubuntu: `apt-get install -y maven`) or set KAFKA_BROKERS to use an existing broker.",
    );
  }
}

function pom(version: string): string {
  const dep = (g: string, a: string, v: string) =>
    `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.eddy</groupId><artifactId>eddy-kafka-broker</artifactId><version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    ${dep("org.apache.kafka", "kafka_2.13", version)}
    ${dep("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION)}
  </dependencies>
</project>
`;
}

/** True when the jars for `version` are already assembled. */
export function isInstalled(version = KAFKA_VERSION): boolean {
  const libs = join(kafkaHome(version), "libs");
  return existsSync(libs) && readdirSync(libs).some((f) => f.startsWith(`kafka_2.13-${version}`));
}

/**
 * Ensures the broker jars are in the cache (a no-op when they are) and returns the libs directory.
 * Assembles into a temporary folder and renames it, so an interrupted run never leaves half a broker.
 */
export async function ensureKafkaInstalled(version = KAFKA_VERSION, log: (s: string) => void = () => {}): Promise<string> {
  checkJava();
  const home = kafkaHome(version);
  const libs = join(home, "libs");
  if (isInstalled(version)) return libs;
  checkMaven();
  log(`assembling Apache Kafka ${version} from Maven Central into ${home} (one time)…`);
  mkdirSync(home, { recursive: true });
  const tmp = join(home, `libs.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(join(home, "pom.xml"), pom(version));
  try {
    await run(
      "mvn",
      ["-B", "-q", "-f", join(home, "pom.xml"), "dependency:copy-dependencies", `-DoutputDirectory=${tmp}`, "-DincludeScope=runtime"],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mvn could not assemble Kafka ${version}: ${(e.stdout ?? "") + (e.stderr ?? "") || e.message}`.slice(0, 4000));
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(tmp, libs);
  return libs;
}
