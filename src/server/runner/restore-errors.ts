/**
 * Why a run cannot continue from its checkpoint, as errors the supervisor never retries: the
 * checkpoint is unreadable by this build, or it was written with other pipeline settings than the
 * flags give.
 */
import type { PipelineSettingsError } from "../../core/pipeline/config";
import { UsageError } from "../args";
import { formatSetting, PIPELINE_SETTING_FLAGS } from "./run-config";

/**
 * A checkpoint that exists but cannot be restored (written by an incompatible eddy build, or
 * damaged): retrying cannot help, so the supervisor gives up at once and says what to do.
 */
export class CheckpointRestoreError extends Error {
  override name = "CheckpointRestoreError";
}

/**
 * The checkpoint was written with other window, gap, delay or threshold settings than the flags
 * give. A usage error (exit 2, never retried): the flags are what is wrong, and the message names
 * each changed flag with both values and the two ways out.
 */
export class CheckpointSettingsError extends UsageError {
  override name = "CheckpointSettingsError";

  constructor(message: string) {
    super(message, { helpHint: false });
  }
}

/** The message of a {@link CheckpointSettingsError}. */
export function settingsMismatchMessage(epoch: number, err: PipelineSettingsError, freshStart: string): string {
  const lines = err.changes.map((c) => {
    const flag = PIPELINE_SETTING_FLAGS[c.key] ?? `${c.key} (no flag)`;
    return `  ${flag}: checkpoint has ${formatSetting(c.key, c.stored)}, flags say ${formatSetting(c.key, c.wanted)}`;
  });
  const restore = err.changes
    .map((c) => (PIPELINE_SETTING_FLAGS[c.key] ? `${PIPELINE_SETTING_FLAGS[c.key]} ${formatSetting(c.key, c.stored)}` : undefined))
    .filter((x) => x !== undefined);
  const back = restore.length ? `pass the checkpoint's values again (${restore.join(" ")})` : "run the eddy build that wrote it";
  return (
    `checkpoint epoch ${epoch} was written with other settings than the flags give; its state only makes sense under its own:\n` +
    `${lines.join("\n")}\n` +
    `Either ${back} to continue it, or ${freshStart} to start afresh with the new settings.`
  );
}
