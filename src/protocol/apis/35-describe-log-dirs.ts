/**
 * DescribeLogDirs (key 35), v0-5 (flexible from v2): what `kafka-log-dirs.sh --describe` and the Admin's
 * describeLogDirs() ask. This broker has one log directory, `<dataDir>/topics` (absolute), holding every
 * partition. Topics: null = every topic and partition; else the named partitions that exist (unknown topics and
 * partitions are left out, as Kafka leaves them out). Per partition: its size (the bytes of its segment files),
 * offset lag 0 (the log is its partition's only replica, so its end is the high watermark) and never a future
 * log. v3 adds the top-level error code (0), v4 the volume's total and usable bytes (from statfs of the data
 * directory; -1 when the platform cannot say), v5 IsCordoned (never: the directory takes new partitions).
 */
import * as fs from 'fs';
import * as path from 'path';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface DescribeLogDirsRequest {
  topics: { topic: string; partitions: number[] }[] | null;
}

interface LogDirPartition {
  partitionIndex: number;
  partitionSize: number;
  offsetLag: number;
  isFutureKey: boolean;
}

interface LogDirResult {
  errorCode: number;
  logDir: string;
  topics: { name: string; partitions: LogDirPartition[] }[];
  totalBytes: number;
  usableBytes: number;
  isCordoned: boolean;
}

/** The volume's size and the bytes this process may still use, or -1 for each when statfs is unavailable. */
function volumeBytes(dir: string): { totalBytes: number; usableBytes: number } {
  try {
    const s = fs.statfsSync(dir);
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}

export const describeLogDirs = defineApi<
  DescribeLogDirsRequest,
  { throttleTimeMs: number; errorCode: number; results: LogDirResult[] }
>({
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 2,
  request: [arr('topics', [f('topic', 'string'), arr('partitions', 'int32')], '0+', { nullable: true })],
  response: [
    f('throttleTimeMs', 'int32'),
    f('errorCode', 'int16', '3+'),
    arr('results', [
      f('errorCode', 'int16'),
      f('logDir', 'string'),
      arr('topics', [
        f('name', 'string'),
        arr('partitions', [
          f('partitionIndex', 'int32'),
          f('partitionSize', 'int64'),
          f('offsetLag', 'int64'),
          f('isFutureKey', 'bool'),
        ]),
      ]),
      f('totalBytes', 'int64', '4+', { def: -1 }),
      f('usableBytes', 'int64', '4+', { def: -1 }),
      f('isCordoned', 'bool', '5+'),
    ]),
  ],
  handle(ctx, req) {
    const { broker } = ctx;
    const logDir = path.join(path.resolve(broker.dataDir), 'topics');
    const wanted =
      req.topics === null
        ? broker.listTopics().map((t) => ({ topic: t.name, partitions: [...Array(t.partitions).keys()] }))
        : req.topics;
    const topics: LogDirResult['topics'] = [];
    let errorCode = 0;
    try {
      for (const w of wanted) {
        const t = broker.getTopic(w.topic);
        if (!t) continue;
        const partitions = [...new Set(w.partitions)]
          .filter((p) => Number.isInteger(p) && p >= 0 && p < t.partitions)
          .map((p) => ({
            partitionIndex: p,
            partitionSize: broker.partitionInfo(t.name, p).sizeBytes,
            offsetLag: 0,
            isFutureKey: false,
          }));
        if (partitions.length > 0) topics.push({ name: t.name, partitions });
      }
    } catch (e) {
      errorCode = errorCodeOf(ctx, e, 'DescribeLogDirs');
      topics.length = 0;
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      results: [{ errorCode, logDir, topics, ...volumeBytes(logDir), isCordoned: false }],
    };
  },
});
