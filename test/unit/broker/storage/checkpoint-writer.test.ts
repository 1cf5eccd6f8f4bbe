// What the log manager writes into its checkpoint files (src/broker/storage/checkpoint-writer.ts): every column of
// the recovery-point line for open and unopened (lazy) partitions, unopened partitions written back unchanged
// across restarts, the cleaner checkpoint keeping every partition the cleaner touched, the log-start and cleaner
// files fsynced before their rename, a failed background write reported, and the clean-shutdown marker.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  CheckpointWriter,
  CLEAN_SHUTDOWN_MARKER,
  CLEANER_FILE,
  LOG_START_FILE,
  RECOVERY_POINT_FILE,
} from '../../../../src/broker/storage/checkpoint-writer';
import { readCheckpoint } from '../../../../src/broker/storage/checkpoints';
import type { PartitionLog } from '../../../../src/broker/storage/partition-log';
import type { LazyPartition, Slot, Topic } from '../../../../src/broker/storage/topic-catalog';
import { append, batchOf, harness, tempDir } from './helpers';
import { recordFs } from './sched-helpers';

/** An opened partition as the writer sees it (only the fields it reads). */
function openSlot(partition: number, f: Partial<Record<string, number>>, recovery = true): Slot {
  const log = {
    logStartOffset: f.logStart ?? 0,
    cleanedUpTo: f.cleanedUpTo ?? 0,
    recoveryPoint: recovery ? { segmentBaseOffset: f.base ?? 0, position: f.position ?? 0 } : null,
    active: { createdAt: f.createdAt ?? 0 },
    logEndOffset: f.end ?? 0,
    sizeBytes: f.size ?? 0,
    segments: new Array(f.segments ?? 1).fill(null),
    lastTimestamp: f.lastTimestamp ?? -1,
  } as unknown as PartitionLog;
  return { partition, log, lazy: null };
}

function lazySlot(partition: number, z: Partial<LazyPartition>): Slot {
  const lazy: LazyPartition = {
    recoveryPoint: { segmentBaseOffset: 0, position: 0 },
    activeCreatedAt: 0,
    logStartOffset: 0,
    logEndOffset: 0,
    sizeBytes: 0,
    segmentCount: 1,
    lastTimestamp: -1,
    cleanedUpTo: 0,
    ...z,
  };
  return { partition, log: null, lazy };
}

function topic(name: string, partitions: Slot[]): Topic {
  return { info: { name }, partitions } as unknown as Topic;
}

describe('storage: the checkpoints the log manager writes', () => {
  let dir: string;
  let logs: string[];
  let topics: Topic[];
  let closed: boolean;
  let writer: CheckpointWriter;
  beforeEach(() => {
    dir = tempDir();
    logs = [];
    topics = [];
    closed = false;
    writer = new CheckpointWriter(
      dir,
      () => topics,
      () => closed,
      (level, message) => logs.push(`${level}: ${message}`),
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (name: string) => path.join(dir, name);

  it('the recovery line has all seven columns, for an open partition and for one left unopened', async () => {
    topics = [
      topic('t', [
        openSlot(0, { base: 40, position: 512, createdAt: 1000, end: 57, size: 4096, segments: 3, lastTimestamp: 99 }),
        lazySlot(1, {
          recoveryPoint: { segmentBaseOffset: 8, position: 64 },
          activeCreatedAt: 2000,
          logEndOffset: 9,
          sizeBytes: 700,
          segmentCount: 2,
          lastTimestamp: 1234,
        }),
        lazySlot(2, { lastTimestamp: -1 }), // an empty partition: newest timestamp -1 is written as 0
        openSlot(3, {}, false), // an open partition with no recovery point yet: no line
      ]),
    ];
    writer.writeRecovery();
    const expected = [
      ['t 0', [40, 512, 1000, 57, 4096, 3, 100]],
      ['t 1', [8, 64, 2000, 9, 700, 2, 1235]],
      ['t 2', [0, 0, 0, 0, 0, 1, 0]],
    ];
    assert.deepStrictEqual([...readCheckpoint(file(RECOVERY_POINT_FILE), 2)], expected);
    fs.rmSync(file(RECOVERY_POINT_FILE));
    await writer.queueRecovery();
    assert.deepStrictEqual(
      [...readCheckpoint(file(RECOVERY_POINT_FILE), 2)],
      expected,
      'the async write says the same',
    );
  });

  it('the log-start line of every partition, open or not, written durably (fsync before the rename)', () => {
    topics = [topic('a', [openSlot(0, { logStart: 17 }), lazySlot(1, { logStartOffset: 4 })])];
    const rec = recordFs(['fsyncSync', 'renameSync']);
    try {
      writer.writeLogStart();
    } finally {
      rec.restore();
    }
    assert.deepStrictEqual(
      rec.calls.map((c) => c.fn),
      ['fsyncSync', 'renameSync'],
    );
    assert.strictEqual(rec.calls[1].args[1], file(LOG_START_FILE));
    assert.deepStrictEqual(
      [...readCheckpoint(file(LOG_START_FILE), 1)],
      [
        ['a 0', [17]],
        ['a 1', [4]],
      ],
    );
  });

  it('the cleaner checkpoint keeps every partition the cleaner touched (open or not), lists no untouched one, and is fsynced', () => {
    topics = [
      topic('c', [openSlot(0, { cleanedUpTo: 30 }), lazySlot(1, { cleanedUpTo: 12 }), openSlot(2, {})]),
      topic('d', [lazySlot(0, {})]),
    ];
    const rec = recordFs(['fsyncSync', 'renameSync']);
    try {
      writer.writeCleanedUpTo('d', 0, 5);
    } finally {
      rec.restore();
    }
    assert.deepStrictEqual(
      rec.calls.map((c) => c.fn),
      ['fsyncSync', 'renameSync'],
    );
    assert.deepStrictEqual(
      [...readCheckpoint(file(CLEANER_FILE), 1)],
      [
        ['c 0', [30]],
        ['c 1', [12]],
        ['d 0', [5]],
      ],
    );
  });

  it('a background recovery write that fails is logged with the cause, and the next one is written', async () => {
    topics = [topic('t', [openSlot(0, { base: 0, position: 10 })])];
    const obstacle = file(`.${RECOVERY_POINT_FILE}.async.tmp`);
    fs.mkdirSync(obstacle); // the temporary file cannot be written: a directory is in its place
    await writer.queueRecovery(); // resolves: a checkpoint not written only costs a longer recovery
    assert.strictEqual(logs.length, 1, logs.join('\n'));
    assert.match(logs[0], /^warn: recovery checkpoint not written: .*EISDIR/);
    assert.ok(!fs.existsSync(file(RECOVERY_POINT_FILE)));
    fs.rmdirSync(obstacle);
    await writer.queueRecovery();
    assert.strictEqual(readCheckpoint(file(RECOVERY_POINT_FILE), 2).get('t 0')![1], 10);
    closed = true;
    fs.rmSync(file(RECOVERY_POINT_FILE));
    await writer.queueRecovery();
    assert.ok(!fs.existsSync(file(RECOVERY_POINT_FILE)), 'nothing is written once the log manager is closed');
  });

  it('the clean-shutdown marker says when, and is fsynced before it counts', () => {
    const rec = recordFs(['openSync', 'fsyncSync', 'closeSync']);
    try {
      writer.writeCleanShutdownMarker(Date.UTC(2026, 0, 2, 3, 4, 5));
    } finally {
      rec.restore();
    }
    assert.deepStrictEqual(
      rec.calls.map((c) => c.fn),
      ['openSync', 'fsyncSync', 'closeSync'],
    );
    assert.strictEqual(
      fs.readFileSync(file(CLEAN_SHUTDOWN_MARKER), 'utf8'),
      'clean shutdown at 2026-01-02T03:04:05.000Z\n',
    );
  });

  it('a clean-shutdown marker that cannot be written whole is removed and the error thrown (it must vouch for nothing)', () => {
    const rec = recordFs(['writeSync'], {
      writeSync: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    try {
      assert.throws(() => writer.writeCleanShutdownMarker(0), /ENOSPC/);
    } finally {
      rec.restore();
    }
    assert.ok(!fs.existsSync(file(CLEAN_SHUTDOWN_MARKER)));
  });
});

describe('storage: unopened partitions across clean restarts', () => {
  it('a partition never opened since the last start is written back unchanged, and reports the same after the next start', async () => {
    const h = harness();
    try {
      let m = await h.open();
      await m.createTopic('t', 2, { 'segment.bytes': '400' });
      for (let i = 0; i < 6; i++) append(m, 't', 0, batchOf(2, `a${i}`, 5_000 + i, 60));
      append(m, 't', 1, batchOf(3, 'b', 7_000));
      const before = [m.partitionInfo('t', 0), m.partitionInfo('t', 1)];
      await m.close();
      const checkpoint = fs.readFileSync(path.join(h.dir, RECOVERY_POINT_FILE), 'utf8');
      const logStart = fs.readFileSync(path.join(h.dir, LOG_START_FILE), 'utf8');
      for (let restart = 0; restart < 2; restart++) {
        m = await h.open();
        assert.strictEqual(m.fileStats().partitionsOpen, 0, 'a clean start opens no partition');
        await m.close();
        assert.strictEqual(fs.readFileSync(path.join(h.dir, RECOVERY_POINT_FILE), 'utf8'), checkpoint);
        assert.strictEqual(fs.readFileSync(path.join(h.dir, LOG_START_FILE), 'utf8'), logStart);
      }
      m = await h.open();
      assert.strictEqual(m.fileStats().partitionsOpen, 0);
      assert.deepStrictEqual([m.partitionInfo('t', 0), m.partitionInfo('t', 1)], before);
      await m.close();
    } finally {
      fs.rmSync(h.dir, { recursive: true, force: true });
    }
  });
});
