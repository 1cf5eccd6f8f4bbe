// Retention and log-cleaner scheduling (src/broker/storage/retention-scheduler.ts) through the log manager on a
// FakeClock: retention every check interval, the moved log start checkpointed at once, partitions left unopened
// after a clean restart staying unopened when there is nothing to remove, nothing deleted or cleaned once closed
// or closing, a failing pass logged and the timers going on, and the cleaner's bookkeeping (which partitions a
// pass cleans, one cleaning per partition at a time, at most two partitions at once).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the import's read-only view): one test wraps fs.fsync.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { CLEANER_FILE, LOG_START_FILE } from '../../../../src/broker/storage/log-manager';
import { readCheckpoint } from '../../../../src/broker/storage/checkpoints';
import type { EncodableRecord } from '../../../../src/broker/storage/record-batch';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, batchOf, harness } from './helpers';
import { recordFs } from './sched-helpers';

const RETENTION_CHECK_MS = 10_000;
const CLEANER_MS = 5_000;
const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': '300' };

function kv(key: string, value: string, ts: number): EncodableRecord {
  return { key: Buffer.from(key), value: Buffer.from(value), headers: [], timestamp: ts };
}

/** "offset key=value" of every record readable from the log start. */
function contents(m: Manager, topic: string, partition = 0): string[] {
  const start = m.partitionInfo(topic, partition).logStartOffset;
  return decodeRecordBatches(m.read(topic, partition, start, 1 << 24).records).flatMap((b) =>
    b.records.map((r) => `${r.offset} ${r.key?.toString() ?? '∅'}=${r.value?.toString() ?? '∅'}`),
  );
}

/** Several closed segments where every key is written again: plenty for the cleaner to remove. */
function fillDirty(m: Manager, topic: string, partition = 0, batches = 6, ts = 1_000): void {
  for (let i = 0; i < batches; i++) append(m, topic, partition, batch([kv(`k${i % 2}`, `v${i}`.padEnd(80, '.'), ts)]));
}

function isKafkaError(code: ErrorCode, re: RegExp) {
  return (e: unknown) => e instanceof KafkaError && e.code === code && re.test(e.message);
}

describe('storage: retention and cleaner scheduling', () => {
  let h: Harness;
  let m: Manager;
  let failWrites: boolean;
  const open = () =>
    h.open({
      retentionCheckIntervalMs: RETENTION_CHECK_MS,
      cleanerIntervalMs: CLEANER_MS,
      io: {
        writeSync: (fd, buf, off, len, pos) => {
          if (failWrites) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          return fs.writeSync(fd, buf, off, len, pos);
        },
      },
    });
  beforeEach(async () => {
    failWrites = false;
    h = harness();
    m = await open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('retention runs at every check interval: segments go at the first check after they pass retention.ms, and the new log start is on disk at once', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    const t0 = h.clock.now();
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `r${i}`, t0, 100));
    const segments = m.partitionInfo('t', 0).segmentCount;
    assert.ok(segments > 2, `${segments} segments`);
    for (let check = 1; check <= 6; check++) {
      h.clock.advance(RETENTION_CHECK_MS); // 10 s .. 60 s old: not older than retention.ms yet
      assert.strictEqual(m.partitionInfo('t', 0).segmentCount, segments, `check ${check} deleted too early`);
    }
    h.clock.advance(RETENTION_CHECK_MS); // the 7th check: 70 s old
    const info = m.partitionInfo('t', 0);
    assert.strictEqual(info.segmentCount, 1, 'everything but the active segment is gone');
    assert.ok(info.logStartOffset > 0);
    assert.deepStrictEqual(
      h.events.filter((e) => e.name === 'recordsDeleted').map((e) => e.payload),
      [{ topic: 't', partition: 0, logStartOffset: info.logStartOffset }],
    );
    // Written when it moved, not only at close: a crash now still finds it.
    assert.deepStrictEqual(readCheckpoint(path.join(h.dir, LOG_START_FILE), 1).get('t 0'), [info.logStartOffset]);
    m.crash();
    m = await open();
    assert.strictEqual(m.partitionInfo('t', 0).logStartOffset, info.logStartOffset);
  });

  it('once closed, no timer is left, and retention or the cleaner then change nothing on disk', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    await m.createTopic('c', 1, COMPACT);
    const old = h.clock.now() - 120_000;
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `o${i}`, old, 100));
    fillDirty(m, 'c', 0, 6, old);
    const before = { t: m.partitionInfo('t', 0), c: contents(m, 'c') };
    await m.close();
    assert.strictEqual(h.clock.pendingTimers(), 0, 'flush, retention and cleaner timers are all cancelled');
    m.enforceRetention();
    assert.deepStrictEqual(await m.runCleaner(), []);
    h.clock.advance(10 * RETENTION_CHECK_MS);
    m = await open();
    assert.deepStrictEqual(m.partitionInfo('t', 0), before.t, 'no segment of the closed log was deleted');
    assert.deepStrictEqual(contents(m, 'c'), before.c);
  });

  it('a cleaner pass asked for while close() runs cleans nothing', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillDirty(m, 'c');
    await m.flush();
    const closing = m.close();
    assert.deepStrictEqual(await m.runCleaner(), []);
    await closing;
    assert.ok(!h.events.some((e) => e.name === 'logCompacted'));
  });

  it('after a clean restart, retention and the cleaner leave unopened what has nothing to remove, and trim or clean the rest', async () => {
    const old = h.clock.now() - 120_000;
    await m.createTopic('one', 1, { 'retention.ms': '60000' }); // one (active) segment: nothing to delete
    await m.createTopic('many', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    await m.createTopic('compact-one', 1, { 'cleanup.policy': 'compact' });
    await m.createTopic('compact-many', 1, { ...COMPACT, 'retention.ms': '60000' }); // compact only: retention keeps it
    await m.createTopic('delete-dirty', 1, { 'segment.bytes': '300' }); // keys written again, but not compacted
    append(m, 'one', 0, batchOf(2, 'x', old));
    for (let i = 0; i < 10; i++) append(m, 'many', 0, batchOf(2, `m${i}`, old, 100));
    append(m, 'compact-one', 0, batch([kv('k', 'a', old), kv('k', 'b', old)]));
    fillDirty(m, 'compact-many', 0, 6, old);
    fillDirty(m, 'delete-dirty', 0, 6, old);
    const before = new Map(
      ['one', 'many', 'compact-one', 'compact-many', 'delete-dirty'].map((t) => [t, m.partitionInfo(t, 0)]),
    );
    const deleteDirty = contents(m, 'delete-dirty');
    await m.close();
    m = await open();
    assert.strictEqual(m.fileStats().partitionsOpen, 0);

    m.enforceRetention();
    // Retention opens the deletable partitions with closed segments ("many", "delete-dirty") and nothing else.
    assert.strictEqual(m.fileStats().partitionsOpen, 2, 'retention opened a partition with nothing to remove');
    assert.strictEqual(m.partitionInfo('many', 0).segmentCount, 1);
    assert.deepStrictEqual(m.partitionInfo('one', 0), before.get('one'));
    assert.deepStrictEqual(m.partitionInfo('compact-many', 0), before.get('compact-many'));

    const stats = await m.runCleaner();
    assert.deepStrictEqual(
      stats.map((s) => `${s.topic}-${s.partition}`),
      ['compact-many-0'],
      'the cleaner cleans only the compacted partition with closed dirty segments',
    );
    assert.ok(stats[0].segmentsCleaned > 0);
    assert.strictEqual(m.fileStats().partitionsOpen, 3, 'the cleaner opened a partition with nothing to clean');
    assert.deepStrictEqual(contents(m, 'delete-dirty'), deleteDirty, 'a delete-policy topic is never compacted');
    assert.deepStrictEqual(m.partitionInfo('compact-one', 0), before.get('compact-one'));
  });

  it('a periodic pass cleans what is dirty once: a partition being cleaned is skipped, and a clean one is left alone', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillDirty(m, 'c');
    await m.flush();
    const first = m.runCleaner();
    assert.deepStrictEqual(await m.runCleaner(), [], 'the partition is being cleaned already');
    const [stats] = await first;
    assert.ok(stats.segmentsCleaned > 0);
    assert.ok(
      h.logs.includes(
        `info: compacted c-0: ${stats.segmentsCleaned} segment(s), ${stats.recordsBefore} → ${stats.recordsAfter} records, ${stats.bytesBefore} → ${stats.bytesAfter} bytes`,
      ),
      h.logs.join('\n'),
    );
    assert.deepStrictEqual(await m.runCleaner(), [], 'nothing dirty left: no cleaning at all');
    assert.strictEqual(h.events.filter((e) => e.name === 'logCompacted').length, 1);
  });

  it('a cleaner pass that fails is logged and the next pass, once the disk has room, cleans', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillDirty(m, 'c');
    await m.flush();
    failWrites = true;
    h.clock.advance(CLEANER_MS);
    await m.cleanerIdle();
    await new Promise((r) => setImmediate(r));
    const errors = h.logs.filter((l) => l.startsWith('error: '));
    assert.strictEqual(errors.length, 1, h.logs.join('\n'));
    assert.match(errors[0], /^error: log cleaner: compaction of c-0 stopped: ENOSPC: no space left on device/);
    assert.ok(!h.events.some((e) => e.name === 'logCompacted'));
    failWrites = false;
    h.clock.advance(CLEANER_MS);
    await m.cleanerIdle();
    assert.strictEqual(h.events.filter((e) => e.name === 'logCompacted').length, 1, 'the next pass ran');
  });

  it('a retention pass that fails is logged and retention keeps running', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `r${i}`, h.clock.now() - 120_000, 100));
    await m.close();
    m = await open(); // left unopened: retention will open it
    const dir = path.join(h.dir, 'topics', 't-0');
    fs.renameSync(dir, `${dir}.moved`);
    fs.writeFileSync(dir, 'not a directory');
    h.clock.advance(RETENTION_CHECK_MS);
    h.clock.advance(RETENTION_CHECK_MS);
    const errors = h.logs.filter((l) => l.startsWith('error: '));
    assert.strictEqual(errors.length, 2, h.logs.join('\n'));
    for (const e of errors) assert.match(e, /^error: retention failed: could not open partition t-0: /);
    fs.rmSync(dir);
    fs.renameSync(`${dir}.moved`, dir);
    h.clock.advance(RETENTION_CHECK_MS);
    assert.strictEqual(m.partitionInfo('t', 0).segmentCount, 1, 'the next pass trimmed it');
  });

  it('compacting a topic twice in a row rolls no empty segment: the log reads back whole, before and after a restart', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillDirty(m, 'c');
    await m.compactTopic('c');
    const afterFirst = m.partitionInfo('c', 0);
    const kept = contents(m, 'c');
    const [again] = await m.compactTopic('c');
    assert.strictEqual(m.partitionInfo('c', 0).segmentCount, afterFirst.segmentCount);
    assert.strictEqual(again.segmentsCleaned, 0);
    append(m, 'c', 0, batch([kv('k9', 'late', h.clock.now())]));
    const all = [...kept, `${afterFirst.logEndOffset} k9=late`];
    assert.deepStrictEqual(contents(m, 'c'), all);
    await m.close();
    m = await open();
    assert.deepStrictEqual(contents(m, 'c'), all);
  });

  it('compacting a topic with nothing to clean reports it and announces nothing', async () => {
    await m.createTopic('c', 1, COMPACT);
    const [stats] = await m.compactTopic('c');
    assert.strictEqual(stats.segmentsCleaned, 0);
    assert.ok(!h.events.some((e) => e.name === 'logCompacted'));
    assert.ok(!h.logs.some((l) => l.includes('compacted')), h.logs.join('\n'));
  });

  it('a topic deleted while compactTopic flushes fails it with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillDirty(m, 'c');
    const compacting = m.compactTopic('c');
    const deleting = m.deleteTopic('c');
    await assert.rejects(
      compacting,
      isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /^topic "c" was deleted during compaction$/),
    );
    await deleting;
  });

  it('two compactions of one partition run one after the other, and cleanerIdle waits for both', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillDirty(m, 'c');
    const first = m.compactTopic('c');
    let secondDone = false;
    const second = m.compactTopic('c').then((s) => {
      secondDone = true;
      return s;
    });
    await first;
    await m.cleanerIdle();
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.ok(secondDone, 'cleanerIdle resolved while the second compaction was still running');
    await second;
  });

  it('at most two partitions are cleaned at once (each holds its replacement file open)', async () => {
    await m.createTopic('c', 4, COMPACT);
    for (let p = 0; p < 4; p++) fillDirty(m, 'c', p, 3);
    const openCleaned = new Set<number>();
    let most = 0;
    const realOpen = fs.openSync as (...a: unknown[]) => number;
    const realClose = fs.closeSync;
    const rec = recordFs(['openSync', 'closeSync'], {
      openSync: (...args: unknown[]) => {
        const fd = realOpen(...args);
        if (String(args[0]).endsWith('.cleaned')) {
          openCleaned.add(fd);
          most = Math.max(most, openCleaned.size);
        }
        return fd;
      },
      closeSync: (fd: unknown) => {
        openCleaned.delete(fd as number);
        realClose(fd as number);
      },
    });
    let stats;
    try {
      stats = await m.compactTopic('c');
    } finally {
      rec.restore();
    }
    assert.strictEqual(stats.length, 4);
    for (const s of stats) assert.ok(s.segmentsCleaned > 0, JSON.stringify(s));
    assert.strictEqual(most, 2);
  });

  it('a topic deleted while its partitions are being cleaned: nothing is cleaned, nothing fails, no cleaner checkpoint is left for it', async () => {
    await m.createTopic('c', 3, { 'cleanup.policy': 'compact' });
    for (let p = 0; p < 3; p++) append(m, 'c', p, batch([kv('k', 'old', 1_000), kv('k', 'new', 1_000)]));
    // Two partitions clean at once; the third waits for a slot. The topic goes while both replacements are being
    // fsynced (the moment a cleaning has read everything and written its replacement, before the swap).
    const realOpen = fs.openSync as (...a: unknown[]) => number;
    const realFsync = rawFs.fsync;
    const cleanedFds = new Set<number>();
    let cleanedSyncs = 0;
    let deleting: Promise<void> | undefined;
    const rec = recordFs(['openSync'], {
      openSync: (...args: unknown[]) => {
        const fd = realOpen(...args);
        if (String(args[0]).endsWith('.cleaned')) cleanedFds.add(fd);
        return fd;
      },
    });
    type Callback = (err: NodeJS.ErrnoException | null) => void;
    const held: [number, Callback][] = [];
    rawFs.fsync = ((fd: number, cb: Callback) => {
      if (!cleanedFds.has(fd) || cleanedSyncs === 2) return realFsync(fd, cb);
      // The first replacement's fsync waits for the second's, so both are at this point whatever the pacing.
      held.push([fd, cb]);
      if (++cleanedSyncs === 2)
        queueMicrotask(() => {
          deleting = m.deleteTopic('c');
          for (const [heldFd, heldCb] of held) realFsync(heldFd, heldCb);
        });
    }) as typeof rawFs.fsync;
    let stats;
    try {
      stats = await m.compactTopic('c');
    } finally {
      rec.restore();
      rawFs.fsync = realFsync;
    }
    await deleting;
    assert.strictEqual(cleanedFds.size, 2, 'the waiting partition started no cleaning');
    assert.deepStrictEqual(
      stats.map((s) => s.segmentsCleaned),
      [0, 0, 0],
    );
    const cleaner = readCheckpoint(path.join(h.dir, CLEANER_FILE), 1);
    assert.deepStrictEqual(
      [...cleaner.keys()].filter((k) => k.startsWith('c ')),
      [],
    );
    assert.ok(!h.events.some((e) => e.name === 'logCompacted'));
  });

  it('retention that removes only segments below the log start announces no deleted records (none were readable)', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    const log = () => m.partitionLog('t', 0);
    const old = h.clock.now() - 120_000;
    // Old batches fill the first segments; new ones follow, from offset oldEnd on.
    while (log().segments.length < 3) append(m, 't', 0, batchOf(2, 'old', old, 100));
    const oldEnd = m.partitionInfo('t', 0).logEndOffset;
    for (let i = 0; i < 6; i++) append(m, 't', 0, batchOf(2, `new${i}`, h.clock.now(), 100));
    const start = oldEnd + 1;
    await m.close();
    // The log start moved past the old segments, but their files are still there (their removal was lost, say).
    fs.writeFileSync(path.join(h.dir, LOG_START_FILE), `kafka-lite-checkpoint v1\nt 0 ${start}\n`);
    m = await open();
    const before = m.partitionInfo('t', 0);
    assert.strictEqual(before.logStartOffset, start);
    h.events.length = 0;
    m.enforceRetention();
    const after = m.partitionInfo('t', 0);
    assert.ok(after.segmentCount < before.segmentCount, 'the old segments were deleted');
    assert.strictEqual(after.logStartOffset, start);
    assert.deepStrictEqual(
      h.events.filter((e) => e.name === 'recordsDeleted'),
      [],
    );
  });

  it('refusing to compact a delete-policy topic names its cleanup.policy as the topic has it', async () => {
    await m.createTopic('d', 1, { 'cleanup.policy': 'delete,delete' });
    await assert.rejects(
      m.compactTopic('d'),
      isKafkaError(ErrorCode.INVALID_CONFIG, /^topic "d" has cleanup\.policy=delete,delete; set it to "compact"/),
    );
  });
});
