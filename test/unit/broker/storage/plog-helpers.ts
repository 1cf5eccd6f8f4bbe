/**
 * Helpers of the partition-log edge tests: a PartitionLog opened straight on a temp directory (no log manager), with
 * its own file cache and effective config, an append that validates the record set first as the manager does, and
 * a reopen with a chosen recovery point. Everything a fixture opens is closed and removed by dispose().
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TopicConfigs } from '../../../../src/broker/types';
import type { EffectiveConfig } from '../../../../src/broker/storage/configs';
import { effectiveConfig } from '../../../../src/broker/storage/configs';
import { FileCache } from '../../../../src/broker/storage/file-cache';
import type { PartitionRecovery, RecoveryPoint } from '../../../../src/broker/storage/partition-log';
import { PartitionLog } from '../../../../src/broker/storage/partition-log';
import { decodeRecordBatches, validateRecordSet } from '../../../../src/broker/storage/record-batch';
import { realIo } from '../../../../src/broker/storage/segment';
import { tempDir } from './helpers';

export interface PlogFixture {
  /** The partition directory (inside a temp root). */
  dir: string;
  files: FileCache;
  config: EffectiveConfig;
  log: PartitionLog;
  /** Append a record set (validated first); returns the first and last offsets it got. */
  append(recordSet: Buffer, now?: number): { baseOffset: number; lastOffset: number };
  /** Close the log and open it again from its files with `recoveryPoint` (default: a clean shutdown). */
  reopen(opts?: {
    recoveryPoint?: RecoveryPoint | 'clean' | null;
    now?: number;
    logStartOffset?: number;
    activeCreated?: { segmentBaseOffset: number; createdAt: number };
    /** Segments below this offset may hold what the cleaner leaves (e.g. batches with no record left). */
    cleanedUpTo?: number;
  }): PartitionRecovery;
  dispose(): void;
}

export function plog(overrides: TopicConfigs = {}, now = 0): PlogFixture {
  const root = tempDir();
  const dir = path.join(root, 't-0');
  const files = new FileCache();
  const config = effectiveConfig(overrides);
  const f: PlogFixture = {
    dir,
    files,
    config,
    log: PartitionLog.create('t', 0, dir, now, realIo, files),
    append: (recordSet, at = now) =>
      f.log.append(recordSet, validateRecordSet(recordSet, config.maxMessageBytes), at, config),
    reopen: (opts = {}) => {
      f.log.close();
      const { log, recovery } = PartitionLog.open(
        't',
        0,
        dir,
        opts.now ?? now,
        realIo,
        files,
        opts.recoveryPoint === undefined ? 'clean' : opts.recoveryPoint,
        opts.logStartOffset ?? 0,
        config,
        opts.cleanedUpTo ?? 0,
        opts.activeCreated,
      );
      f.log = log;
      return recovery;
    },
    dispose: () => {
      try {
        f.log.close();
      } catch {
        // already closed or destroyed
      }
      files.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return f;
}

/** Offsets of the records in a read's bytes. */
export function offsetsIn(records: Buffer): number[] {
  return decodeRecordBatches(records).flatMap((b) => b.records.map((r) => r.offset));
}

/** Values of the records in a read's bytes. */
export function valuesIn(records: Buffer): string[] {
  return decodeRecordBatches(records).flatMap((b) => b.records.map((r) => r.value!.toString()));
}
