/**
 * Small text checkpoint files in the data directory, rewritten whole (write temp file, fsync, rename):
 *
 *   recovery-point-offset-checkpoint   "<topic> <partition> <segmentBaseOffset> <position> <createdMs>
 *                                      <logEndOffset> <sizeBytes> <segmentCount> <lastTimestamp + 1>" per line:
 *                                      every byte of the partition before that segment position is fsynced;
 *                                      createdMs = when the active segment was started (segment.ms counts from it);
 *                                      the last four describe the partition (believed after a clean shutdown only:
 *                                      a partition is then opened lazily, topic-catalog.ts)
 *   log-start-offset-checkpoint        "<topic> <partition> <logStartOffset>" per line
 *
 * The first line is a version tag. A missing or unreadable file reads as empty (recovery then scans more, which
 * is safe). Readers ask for a number of columns and ignore extra ones, so a column can be added at the end.
 * Callers: checkpoint-writer.ts (what the log manager writes), topic-catalog.ts (checkpointKey), verify.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openBriefly } from './file-cache';

const VERSION = 'kafka-lite-checkpoint v1';

export type CheckpointEntries = Map<string, number[]>;

export function checkpointKey(topic: string, partition: number): string {
  return `${topic} ${partition}`;
}

export function readCheckpoint(file: string, width: number): CheckpointEntries {
  const out: CheckpointEntries = new Map();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  const lines = text.split('\n');
  if (lines[0] !== VERSION) return out;
  for (const line of lines.slice(1)) {
    const parts = line.trim().split(' ');
    if (parts.length < 2 + width) continue; // more columns than asked for: a newer writer added some
    const nums = parts.slice(2).map(Number);
    const partition = Number(parts[1]);
    if (!Number.isInteger(partition) || nums.some((n) => !Number.isSafeInteger(n) || n < 0)) continue;
    out.set(checkpointKey(parts[0], partition), nums);
  }
  return out;
}

function checkpointText(entries: CheckpointEntries): string {
  const lines = [VERSION];
  for (const [key, nums] of entries) lines.push(`${key} ${nums.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** The same as writeCheckpoint (not durable) without blocking the event loop: write a temp file, then rename. */
export async function writeCheckpointAsync(file: string, entries: CheckpointEntries): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.async.tmp`);
  await fs.promises.writeFile(tmp, checkpointText(entries));
  await fs.promises.rename(tmp, file);
}

export function writeCheckpoint(file: string, entries: CheckpointEntries, durable: boolean): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, checkpointText(entries));
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Replace `file` with `data` atomically and durably: write `<file>.tmp`, fsync it, rename it over `file`. A crash
 * leaves the old file or the new one, never a mix. `beforeRename` runs between the fsync and the rename (a caller
 * that holds `file` open closes it there: Windows cannot rename over an open file). The directory is not fsynced:
 * callers that need the rename itself durable call fsyncDir after.
 */
export function replaceFileDurably(file: string, data: Buffer | string, beforeRename?: () => void): void {
  const tmp = `${file}.tmp`;
  const fd = openBriefly(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length > 0) fs.writeSync(fd, bytes, 0, bytes.length, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  beforeRename?.();
  fs.renameSync(tmp, file);
}

/** Make the renames in a directory durable (fsync of the directory); where a platform cannot, the rename is still atomic. */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some platforms and file systems (Windows) cannot fsync a directory
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
