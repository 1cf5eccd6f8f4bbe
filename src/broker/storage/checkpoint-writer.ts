/**
 * The log manager's checkpoints: what it reads at open and writes back about every partition of the topic
 * catalog (file grammar in checkpoints.ts and docs/LOG_FORMAT.md):
 *
 *   <dataDir>/recovery-point-offset-checkpoint  per partition: the fsynced prefix, plus what a lazy open needs
 *   <dataDir>/log-start-offset-checkpoint       per partition: the log start offset
 *   <dataDir>/cleaner-offset-checkpoint         per partition: segments below this offset were compacted
 *   <dataDir>/.clean-shutdown                   written by close() once the checkpoints it vouches for are
 *
 * Guarantees: a partition left unopened (lazy) is written back exactly as it was read; the recovery checkpoint
 * written after a flush goes off the event loop, one write at a time in call order, each reading the state when
 * it runs (a later write never loses to an earlier one); the log-start and cleaner checkpoints are written
 * durably (fsync before rename); a clean-shutdown marker that could not be written whole is removed.
 *
 * Callers: log-manager.ts (open, flush, close, topic deletion, deleteRecords), retention-scheduler.ts (retention,
 * the cleaner's progress).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../api';
import type { CheckpointEntries } from './checkpoints';
import { checkpointKey, readCheckpoint, writeCheckpoint, writeCheckpointAsync } from './checkpoints';
import type { PartitionCheckpoints, Topic } from './topic-catalog';

export const CLEAN_SHUTDOWN_MARKER = '.clean-shutdown';
export const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_FILE = 'log-start-offset-checkpoint';
export const CLEANER_FILE = 'cleaner-offset-checkpoint';

/** The three checkpoints as read at open (missing or unreadable files read as empty). */
export function readCheckpoints(dataDir: string): PartitionCheckpoints {
  return {
    recoveryPoints: readCheckpoint(path.join(dataDir, RECOVERY_POINT_FILE), 2),
    logStarts: readCheckpoint(path.join(dataDir, LOG_START_FILE), 1),
    cleaned: readCheckpoint(path.join(dataDir, CLEANER_FILE), 1),
  };
}

export class CheckpointWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    /** Every topic of the catalog, now. */
    private readonly topics: () => Iterable<Topic>,
    private readonly isClosed: () => boolean,
    private readonly logger: Logger,
  ) {}

  /**
   * Write the recovery-point checkpoint off the event loop (a flush happens every flush interval under load; a
   * synchronous open/write/rename there cost ~5 ms of blocked loop each time). Writes are chained, and each one
   * reads the state when it runs, so a later write never loses to an earlier one.
   */
  queueRecovery(): Promise<void> {
    const run = this.chain.then(() =>
      this.isClosed()
        ? undefined
        : writeCheckpointAsync(path.join(this.dataDir, RECOVERY_POINT_FILE), this.recoveryEntries()),
    );
    this.chain = run.catch((e: Error) => this.logger('warn', `recovery checkpoint not written: ${e.message}`));
    return this.chain;
  }

  /** Resolves when no queued recovery checkpoint is left to write. */
  idle(): Promise<void> {
    return this.chain;
  }

  writeRecovery(): void {
    writeCheckpoint(path.join(this.dataDir, RECOVERY_POINT_FILE), this.recoveryEntries(), false);
  }

  writeLogStart(): void {
    const entries: CheckpointEntries = new Map();
    for (const t of this.topics()) {
      for (const slot of t.partitions)
        entries.set(checkpointKey(t.info.name, slot.partition), [
          slot.log ? slot.log.logStartOffset : slot.lazy!.logStartOffset,
        ]);
    }
    writeCheckpoint(path.join(this.dataDir, LOG_START_FILE), entries, true);
  }

  /** The cleaner compacted the partition's segments below `cleanedUpTo` (written before its first rename). */
  writeCleanedUpTo(topic: string, partition: number, cleanedUpTo: number): void {
    const entries = this.cleanerEntries();
    entries.set(checkpointKey(topic, partition), [cleanedUpTo]);
    writeCheckpoint(path.join(this.dataDir, CLEANER_FILE), entries, true);
  }

  /** The marker that vouches for the checkpoints just written; a marker not written whole is removed. */
  writeCleanShutdownMarker(now: number): void {
    const marker = path.join(this.dataDir, CLEAN_SHUTDOWN_MARKER);
    const fd = fs.openSync(marker, 'w');
    try {
      fs.writeSync(fd, `clean shutdown at ${new Date(now).toISOString()}\n`);
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(marker, { force: true }); // a half-written marker must not vouch for anything
      throw e;
    }
    fs.closeSync(fd);
  }

  private recoveryEntries(): CheckpointEntries {
    const entries: CheckpointEntries = new Map();
    for (const t of this.topics()) {
      for (const slot of t.partitions) {
        const key = checkpointKey(t.info.name, slot.partition);
        const log = slot.log;
        if (log?.recoveryPoint) {
          entries.set(key, [
            log.recoveryPoint.segmentBaseOffset,
            log.recoveryPoint.position,
            log.active.createdAt,
            log.logEndOffset,
            log.sizeBytes,
            log.segments.length,
            log.lastTimestamp + 1,
          ]);
        } else if (slot.lazy) {
          const z = slot.lazy;
          entries.set(key, [
            z.recoveryPoint.segmentBaseOffset,
            z.recoveryPoint.position,
            z.activeCreatedAt,
            z.logEndOffset,
            z.sizeBytes,
            z.segmentCount,
            z.lastTimestamp + 1,
          ]);
        }
      }
    }
    return entries;
  }

  private cleanerEntries(): CheckpointEntries {
    const entries: CheckpointEntries = new Map();
    for (const t of this.topics()) {
      for (const slot of t.partitions) {
        const cleanedUpTo = slot.log ? slot.log.cleanedUpTo : slot.lazy!.cleanedUpTo;
        if (cleanedUpTo > 0) entries.set(checkpointKey(t.info.name, slot.partition), [cleanedUpTo]);
      }
    }
    return entries;
  }
}
