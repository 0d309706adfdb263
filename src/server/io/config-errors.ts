/**
 * Telling errors that retrying cannot fix from those it can. A folder on a read-only file system,
 * a file where a folder should be, a missing input file, a topic name the broker refuses: each is
 * a {@link ConfigError}, which ends the command at once with exit code 2 and one sentence naming
 * the setting, the path or address, and the fix. Anything else (a full disk, a lost broker) may
 * pass, so the supervisor retries it (src/server/commands/run.ts).
 */
import { UsageError } from "../args";

/** A setting the environment cannot honour; see the module comment. The message names the fix. */
export class ConfigError extends UsageError {
  override name = "ConfigError";
  constructor(message: string) {
    super(message, { helpHint: false });
  }
}

type ErrnoError = NodeJS.ErrnoException;

/** Codes of file errors that stay the same however often the operation is retried. */
const PERMANENT_FS: Record<string, string> = {
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder, not a file",
  ENAMETOOLONG: "the path is too long",
  ELOOP: "the path has a symbolic link loop",
  EEXIST: "a file of that name is in the way",
};

/** Where a file error happened, for {@link fsConfigError}. */
export interface FsContext {
  /** The flag and its value, e.g. `--output /data/eddy`. */
  setting: string;
  /** What eddy was doing, e.g. `create the folder`, `write in`. */
  what: string;
  /** The path to name (default: the error's own). */
  path?: string;
  /**
   * The failing path's parent exists: ENOENT then means the file system refuses new entries (a
   * read-only or virtual one such as /proc) and is reported so, never as a missing file.
   */
  inExistingDir?: boolean;
}

/** A {@link ConfigError} for `err` when it is a file error retrying cannot fix, else undefined. */
export function fsConfigError(err: unknown, at: FsContext): ConfigError | undefined {
  const e = err as ErrnoError;
  const code = e?.code;
  if (typeof code !== "string") return undefined;
  let cause = PERMANENT_FS[code];
  if (!cause && code === "ENOENT" && at.inExistingDir) cause = "the file system refuses new entries there (read-only or virtual, like /proc)";
  if (!cause) return undefined;
  const fix =
    code === "EACCES" || code === "EPERM"
      ? `pass a folder this user can write (uid ${process.getuid?.() ?? "?"}), or change its permissions`
      : "pass a folder on a writable file system (it is created when missing)";
  return new ConfigError(`${at.setting}: cannot ${at.what} ${at.path ?? e.path ?? ""}: ${cause} (${code}). Fix: ${fix}.`);
}

/** Kafka error types that no retry can fix, with what to do about each. */
const PERMANENT_KAFKA: Record<string, string> = {
  INVALID_TOPIC_EXCEPTION: "a topic name is not valid (letters, digits, '.', '_' and '-', at most 249 characters): fix the --*-topic flags",
  TOPIC_AUTHORIZATION_FAILED: "this client may not use a topic: grant it access (ACLs) or name another topic",
  GROUP_AUTHORIZATION_FAILED: "this client may not use the consumer group: grant it access or pass another --group",
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "this client may not use its transactional id (eddy-<group>): grant it access or pass another --group",
  CLUSTER_AUTHORIZATION_FAILED: "this client may not create topics: create them beforehand or grant it access",
  SASL_AUTHENTICATION_FAILED: "the broker refused the credentials: fix them",
  POLICY_VIOLATION: "the broker's topic policy refused a topic's settings: create the topic beforehand",
  INVALID_REPLICATION_FACTOR: "the broker cannot place a topic's replicas: create the topic beforehand",
  UNSUPPORTED_VERSION: "the broker is too old for eddy (Kafka 2.5 or newer is needed)",
};

/** A {@link ConfigError} for a kafkajs error (or one in its `cause` chain) that no retry fixes. */
export function kafkaConfigError(err: unknown): ConfigError | undefined {
  for (let e = err as { type?: string; cause?: unknown; errors?: unknown[]; message?: string } | undefined, depth = 0; e && depth < 8; depth++) {
    const fix = e.type ? PERMANENT_KAFKA[e.type] : undefined;
    if (fix) return new ConfigError(`Kafka refused: ${e.message ?? e.type} (${e.type}); ${fix}.`);
    const nested = e.errors?.find((x) => (x as { type?: string })?.type && PERMANENT_KAFKA[(x as { type: string }).type]);
    e = (nested ?? e.cause) as typeof e;
  }
  return undefined;
}
