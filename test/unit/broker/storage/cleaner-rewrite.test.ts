// How the log cleaner (src/broker/storage/cleaner.ts) writes and swaps in a cleaned segment: the stats' byte counts,
// unchanged segments and batches left as they are (byte for byte), an idempotent producer's latest batch kept
// (producer id 0 too), replacements larger than the write buffer and batches larger than it, a disk that takes
// only part of each write or none of it, a replacement that cannot be created, a stop or a deletion just before the
// swap, a segment file gone from disk, and the pass yielding to the event loop as it goes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { cleanableSegmentCount, cleanSegments } from '../../../../src/broker/storage/cleaner';
import type { TopicConfigs } from '../../../../src/broker/types';
import { effectiveConfig } from '../../../../src/broker/storage/configs';
import type { EncodableRecord } from '../../../../src/broker/storage/record-batch';
import { decodeRecordBatches, encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import type { StorageIo } from '../../../../src/broker/storage/segment';
import { realIo } from '../../../../src/broker/storage/segment';
import type { Harness, Manager } from './helpers';
import { append, batch, harness, snapshotDir } from './helpers';

const COMPACT: TopicConfigs = { 'cleanup.policy': 'compact' };

function kv(key: string, value: string | null, ts: number): EncodableRecord {
  return { key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [], timestamp: ts };
}

function isKafkaError(code: ErrorCode, re: RegExp) {
  return (e: unknown) => e instanceof KafkaError && e.code === code && re.test(e.message);
}

describe('storage: the log cleaner writing and swapping in cleaned segments', () => {
  let h: Harness;
  let m: Manager;
  const open = () => h.open({ cleanerIntervalMs: 1e12, retentionCheckIntervalMs: 1e12 });
  beforeEach(async () => {
    h = harness();
    m = await open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  const dir = () => path.join(h.dir, 'topics', 'c-0');

  /** offset → "key=value" of every record readable from the log start. */
  function contents(): string[] {
    const start = m.partitionInfo('c', 0).logStartOffset;
    return decodeRecordBatches(m.read('c', 0, start, 64 << 20).records).flatMap((b) =>
      b.records.map((r) => `${r.offset} ${r.key?.toString() ?? '∅'}=${r.value === null ? '∅' : r.value.toString()}`),
    );
  }

  /** Bytes of each closed segment's log file on disk, by base offset. */
  function segmentFileSizes(): number[] {
    const log = m.partitionLog('c', 0);
    return log.segments.slice(0, -1).map((s) => fs.statSync(s.logPath).size);
  }

  /** Close the active segment and make everything durable. */
  async function closeSegment(): Promise<void> {
    m.partitionLog('c', 0).roll(h.clock.now());
    await m.flush();
  }

  /** Clean what is cleanable now, as the scheduler would, with the cleaner's writes going through `io`. */
  function cleanNow(
    overrides: TopicConfigs,
    opts: { io?: StorageIo; saveCheckpoint?: (upTo: number) => void; stopped?: () => boolean } = {},
  ) {
    const log = m.partitionLog('c', 0);
    const config = effectiveConfig(overrides);
    const now = h.clock.now();
    return cleanSegments(
      log,
      cleanableSegmentCount(log, now, config),
      now,
      config,
      opts.io ?? realIo,
      opts.saveCheckpoint ?? (() => undefined),
      opts.stopped ?? (() => false),
    );
  }

  it('counts the bytes of the cleaned segments before and after, leaves an unchanged segment as it was, and no temporary file', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', '1', t), kv('j', 'a', t)]));
    append(m, 'c', 0, batch([kv('k', '2', t)]));
    await closeSegment();
    append(m, 'c', 0, batch([kv('x', 'unchanged', t)]));
    await closeSegment();
    const before = segmentFileSizes();
    const second = fs.readFileSync(m.partitionLog('c', 0).segments[1].logPath);
    const [stats] = await m.compactTopic('c');
    const after = segmentFileSizes();
    assert.ok(after[0] < before[0]);
    assert.deepStrictEqual(
      {
        segmentsCleaned: stats.segmentsCleaned,
        bytesBefore: stats.bytesBefore,
        bytesAfter: stats.bytesAfter,
        recordsBefore: stats.recordsBefore,
        recordsAfter: stats.recordsAfter,
      },
      {
        segmentsCleaned: 1,
        bytesBefore: before[0] + before[1],
        bytesAfter: after[0] + after[1],
        recordsBefore: 4,
        recordsAfter: 3,
      },
    );
    assert.deepStrictEqual(fs.readFileSync(m.partitionLog('c', 0).segments[1].logPath), second);
    assert.deepStrictEqual(contents(), ['1 j=a', '2 k=2', '3 x=unchanged']);
    assert.ok(!fs.readdirSync(dir()).some((f) => f.endsWith('.cleaned')), fs.readdirSync(dir()).join(', '));
  });

  it('cleaning an already clean log again changes no file and reports no segment cleaned', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', '1', t), kv('k', '2', t)]));
    append(m, 'c', 0, batch([kv('j', '3', t)]));
    const [first] = await m.compactTopic('c');
    assert.strictEqual(first.segmentsCleaned, 1);
    const snap = snapshotDir(dir());
    const [again] = await m.compactTopic('c');
    assert.deepStrictEqual([again.segmentsCleaned, again.recordsBefore, again.recordsAfter], [0, 2, 2]);
    assert.strictEqual(again.bytesAfter, again.bytesBefore);
    assert.deepStrictEqual(snapshotDir(dir()), snap);
    assert.strictEqual(h.events.filter((e) => e.name === 'logCompacted').length, 1);
  });

  it('a compressed batch that keeps all its records stays byte for byte as written while its segment is rewritten', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'old', t)]));
    const gzipped = batch([kv('x', '1', t), kv('y', '2', t)], 1);
    append(m, 'c', 0, gzipped);
    append(m, 'c', 0, batch([kv('k', 'new', t)]));
    const raw = () => {
      const b = m.read('c', 0, 1, 1 << 20).records;
      return b.subarray(0, 12 + b.readInt32BE(8));
    };
    const before = Buffer.from(raw());
    const [stats] = await m.compactTopic('c');
    assert.strictEqual(stats.segmentsCleaned, 1);
    assert.deepStrictEqual(contents(), ['1 x=1', '2 y=2', '3 k=new']);
    assert.deepStrictEqual(raw(), before);
    assert.strictEqual(decodeRecordBatches(raw())[0].compression, 1);
  });

  it('producer id 0: its latest batch stays as a header (its last sequence) when all its records are superseded', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(
      m,
      'c',
      0,
      encodeRecordBatch([kv('k', 'p0', t)], { producerId: 0, producerEpoch: 0, baseSequence: 4, compression: 0 }),
    );
    append(m, 'c', 0, batch([kv('k', 'newer', t)]));
    append(m, 'c', 0, batch([kv('j', 'x', t)]));
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(), ['1 k=newer', '2 j=x']);
    assert.deepStrictEqual(
      [...m.scanBatchHeaders('c', 0, 0)].map((b) => [b.baseOffset, b.producerId, b.baseSequence, b.recordCount]),
      [
        [0, 0, 4, 0],
        [1, -1, -1, 1],
        [2, -1, -1, 1],
      ],
    );
  });

  it('a replacement larger than the write buffer, with a batch larger than it, is written whole and in order', async () => {
    await m.createTopic('c', 1, { ...COMPACT, 'max.message.bytes': String(4 << 20) });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('gone', 'superseded', t)]));
    const expected: string[] = [];
    let offset = 1;
    const smalls = (n: number, from: number) => {
      for (let i = from; i < from + n; i++) {
        const value = `${i}:`.padEnd(5000, 's');
        append(m, 'c', 0, batch([kv(`small-${i}`, value, t)]));
        expected.push(`${offset++} small-${i}=${value}`);
      }
    };
    smalls(220, 0); // ~1.1 MB: the 1 MiB buffer fills and is written out
    const bigValue = 'B'.repeat(1_100_000); // one batch larger than the 1 MiB buffer
    append(m, 'c', 0, batch([kv('big', bigValue, t)]));
    expected.push(`${offset++} big=${bigValue}`);
    smalls(10, 220);
    append(m, 'c', 0, batch([kv('gone', null, t)]));
    expected.push(`${offset++} gone=∅`);
    const [stats] = await m.compactTopic('c');
    assert.strictEqual(stats.segmentsCleaned, 1);
    assert.deepStrictEqual(contents(), expected);
    // Read back from disk after an unclean stop: every batch checks out, nothing is cut.
    m.crash();
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint'), { force: true });
    m = await open();
    assert.strictEqual(h.events.filter((e) => e.name === 'recoveryTruncated').length, 0, h.logs.join('\n'));
    assert.deepStrictEqual(contents(), expected);
  });

  it('a disk that takes only part of each write still gets the whole replacement, in place', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    const expected: string[] = [];
    append(m, 'c', 0, batch([kv('gone', 'old', t)]));
    for (let i = 1; i <= 20; i++) {
      const value = `value ${i}`.padEnd(300, '.');
      append(m, 'c', 0, batch([kv(`k${i}`, value, t)]));
      expected.push(`${i} k${i}=${value}`);
    }
    append(m, 'c', 0, batch([kv('gone', 'new', t)]));
    expected.push('21 gone=new');
    await closeSegment();
    let calls = 0;
    const io: StorageIo = {
      ...realIo,
      writeSync: (fd, buf, off, len, pos) => {
        calls++;
        return realIo.writeSync(fd, buf, off, Math.min(len, 777), pos);
      },
    };
    const stats = await cleanNow(COMPACT, { io });
    assert.ok(calls > 5, `${calls} writes`);
    assert.strictEqual(stats.segmentsCleaned, 1);
    assert.deepStrictEqual(contents(), expected);
    assert.strictEqual(fs.statSync(m.partitionLog('c', 0).segments[0].logPath).size, stats.bytesAfter);
  });

  it('a disk that accepts no bytes (write returns 0) fails the cleaning with KAFKA_STORAGE_ERROR and changes nothing', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'a', t), kv('k', 'b', t)]));
    await closeSegment();
    const snap = snapshotDir(dir());
    let calls = 0;
    const io: StorageIo = {
      ...realIo,
      writeSync: () => {
        // A cleaner that kept asking would never end: give up after a while, with another message.
        if (++calls > 100) throw new Error('asked 100 times');
        return 0;
      },
    };
    await assert.rejects(
      cleanNow(COMPACT, { io }),
      isKafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        /^compaction of c-0 stopped: write returned 0; no segment was changed$/,
      ),
    );
    assert.deepStrictEqual(snapshotDir(dir()), snap);
    assert.deepStrictEqual(contents(), ['0 k=a', '1 k=b']);
  });

  it("a full disk on the second segment fails the cleaning and removes the first segment's replacement too", async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('a', '2', t)]));
    await closeSegment();
    append(m, 'c', 0, batch([kv('b', '1', t), kv('b', '2', t)]));
    await closeSegment();
    const snap = snapshotDir(dir());
    let calls = 0;
    const io: StorageIo = {
      ...realIo,
      writeSync: (...args) => {
        if (++calls > 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return realIo.writeSync(...args);
      },
    };
    await assert.rejects(
      cleanNow(COMPACT, { io }),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^compaction of c-0 stopped: ENOSPC.*; no segment was changed$/),
    );
    assert.strictEqual(calls, 2, 'the first replacement was written whole');
    assert.deepStrictEqual(snapshotDir(dir()), snap);
    assert.deepStrictEqual(contents(), ['0 a=1', '1 a=2', '2 b=1', '3 b=2']);
  });

  it('a replacement that cannot even be created (the partition folder moved away) is KAFKA_STORAGE_ERROR', async function () {
    // Windows refuses to rename a folder with open files; elsewhere the open segments stay readable.
    if (process.platform === 'win32') this.skip();
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'a', t), kv('k', 'b', t)]));
    await closeSegment();
    const moved = `${dir()}-moved`;
    fs.renameSync(dir(), moved);
    try {
      await assert.rejects(
        cleanNow(COMPACT),
        isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^compaction of c-0 stopped: ENOENT.*; no segment was changed$/),
      );
    } finally {
      fs.renameSync(moved, dir());
    }
    assert.deepStrictEqual(contents(), ['0 k=a', '1 k=b']);
  });

  it('a stop requested while the last replacement is written and fsynced swaps nothing in', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'a', t), kv('k', 'b', t)]));
    await closeSegment();
    const snap = snapshotDir(dir());
    let stop = false;
    const io: StorageIo = {
      ...realIo,
      writeSync: (...args) => {
        stop = true; // close() begins now: no slice is left in which the pass would notice
        return realIo.writeSync(...args);
      },
    };
    let saved = 0;
    const stats = await cleanNow(COMPACT, { io, stopped: () => stop, saveCheckpoint: () => saved++ });
    assert.ok(stop, 'the replacement was being written');
    assert.strictEqual(stats.segmentsCleaned, 0);
    assert.strictEqual(saved, 0, 'no checkpoint either');
    assert.deepStrictEqual(snapshotDir(dir()), snap);
    assert.deepStrictEqual(contents(), ['0 k=a', '1 k=b']);
  });

  it('a write that fails because the pass was stopped meanwhile (topic deleted, broker closed) ends it with nothing changed, not as a storage fault', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'a', t), kv('k', 'b', t)]));
    await closeSegment();
    const snap = snapshotDir(dir());
    let stop = false;
    const io: StorageIo = {
      ...realIo,
      writeSync: () => {
        stop = true; // the topic's files are being removed under the pass
        throw Object.assign(new Error('EBADF: bad file descriptor, write'), { code: 'EBADF' });
      },
    };
    const stats = await cleanNow(COMPACT, { io, stopped: () => stop });
    assert.ok(stop, 'the replacement was being written');
    assert.strictEqual(stats.segmentsCleaned, 0);
    assert.deepStrictEqual(snapshotDir(dir()), snap);
    assert.deepStrictEqual(contents(), ['0 k=a', '1 k=b']);
  });

  it('a segment deleted (deleteRecords) just before the swap is left deleted; the others are swapped in', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('a', '2', t)]));
    await closeSegment();
    append(m, 'c', 0, batch([kv('b', '1', t), kv('b', '2', t)]));
    await closeSegment();
    const first = m.partitionLog('c', 0).segments[0];
    const stats = await cleanNow(COMPACT, {
      saveCheckpoint: () => assert.strictEqual(m.deleteRecords('c', 0, 2), 2),
    });
    assert.ok(first.deleted);
    assert.strictEqual(stats.segmentsCleaned, 1);
    assert.deepStrictEqual(contents(), ['3 b=2']);
    const files = fs.readdirSync(dir());
    assert.ok(!files.some((f) => f.startsWith('00000000000000000000.')), files.join(', '));
    assert.ok(!files.some((f) => f.endsWith('.cleaned')), files.join(', '));
    await m.close();
    m = await open();
    assert.deepStrictEqual(contents(), ['3 b=2']);
    assert.strictEqual(m.partitionInfo('c', 0).logStartOffset, 2);
  });

  it('a segment file gone from disk fails the cleaning with KAFKA_STORAGE_ERROR naming the partition (once it is cleanable)', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'a', t), kv('k', 'b', t)]));
    await closeSegment();
    const seg = m.partitionLog('c', 0).segments[0];
    seg.release();
    fs.rmSync(seg.logPath);
    // With nothing cleanable (min.compaction.lag.ms holds the segment back) the pass reads nothing: no error.
    const held = await cleanNow({ ...COMPACT, 'min.compaction.lag.ms': '3600000' });
    assert.deepStrictEqual([held.segmentsCleaned, held.recordsBefore], [0, 0]);
    await assert.rejects(
      m.compactTopic('c'),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^compaction of c-0 stopped: /),
    );
    assert.ok(!fs.readdirSync(dir()).some((f) => f.endsWith('.cleaned')));
  });
});

describe('storage: the log cleaner yields to the event loop as it goes', () => {
  let h: Harness;
  let m: Manager;
  let fakeMs = 0;
  beforeEach(async () => {
    h = harness();
    m = await h.open({ cleanerIntervalMs: 1e12, retentionCheckIntervalMs: 1e12 });
    // The cleaner measures its slices with performance.now(): here each reading is one millisecond later.
    performance.now = () => ++fakeMs;
  });
  afterEach(async () => {
    Reflect.deleteProperty(performance, 'now');
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  async function fill(batches: number): Promise<void> {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    for (let i = 0; i < batches; i++) append(m, 'c', 0, batch([kv(`k${i % 10}`, `v${i}`, t)]));
    m.partitionLog('c', 0).roll(t);
    await m.flush();
  }

  function clean(stopped: () => boolean, io: StorageIo = realIo) {
    const log = m.partitionLog('c', 0);
    const config = effectiveConfig(COMPACT);
    const now = h.clock.now();
    return cleanSegments(log, cleanableSegmentCount(log, now, config), now, config, io, () => undefined, stopped);
  }

  it('every few milliseconds (not every batch) it lets other work run: appends made meanwhile are all kept', async () => {
    await fill(60);
    let done = false;
    let turns = 0;
    let turnsBeforeWriting = -1; // the replacement is written at the end; the fsync after it takes turns of its own
    const io: StorageIo = {
      ...realIo,
      writeSync: (...args) => {
        if (turnsBeforeWriting < 0) turnsBeforeWriting = turns;
        return realIo.writeSync(...args);
      },
    };
    const cleaning = clean(() => false, io).finally(() => (done = true));
    while (!done) {
      await new Promise((r) => setImmediate(r));
      if (done) break;
      append(m, 'c', 0, batch([kv(`late-${turns}`, 'x', h.clock.now())]));
      turns++;
    }
    const stats = await cleaning;
    assert.strictEqual(stats.segmentsCleaned, 1);
    // 60 batches read three times (transactions, latest keys, rewrite), a slice every 8 ms: many turns, though not
    // one per batch (yielding that often would only slow the cleaning down).
    assert.ok(
      turnsBeforeWriting >= 10 && turnsBeforeWriting <= 60,
      `${turnsBeforeWriting} turns of the event loop while the cleaner read (expected 10 to 60)`,
    );
    const kept = decodeRecordBatches(m.read('c', 0, 0, 1 << 20).records).flatMap((b) =>
      b.records.map((r) => r.key?.toString()),
    );
    assert.strictEqual(kept.filter((k) => k?.startsWith('k')).length, 10);
    assert.strictEqual(kept.filter((k) => k?.startsWith('late-')).length, turns);
  });

  it('a stop requested before the first slice ends the pass there, quietly, with nothing written', async () => {
    await fill(60);
    const snap = snapshotDir(path.join(h.dir, 'topics', 'c-0'));
    let asked = 0;
    const stats = await clean(() => {
      asked++;
      return true;
    });
    assert.strictEqual(asked, 1, 'it stopped at the first slice');
    assert.deepStrictEqual([stats.segmentsCleaned, stats.recordsBefore], [0, 0]);
    assert.deepStrictEqual(snapshotDir(path.join(h.dir, 'topics', 'c-0')), snap);
  });

  it('deleteRecords in the middle of a pass: the pass ends quietly, and what is left is read and cleaned later', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    const log = m.partitionLog('c', 0);
    for (let i = 0; i < 30; i++) append(m, 'c', 0, batch([kv(`a${i % 5}`, `v${i}`, t)]));
    log.roll(t);
    for (let i = 0; i < 30; i++) append(m, 'c', 0, batch([kv(`b${i % 5}`, `v${i}`, t)]));
    log.roll(t);
    await m.flush();
    const cleaning = clean(() => false);
    await new Promise((r) => setImmediate(r)); // the pass is in its first segment now
    m.deleteRecords('c', 0, 30);
    await cleaning;
    assert.ok(!fs.readdirSync(path.join(h.dir, 'topics', 'c-0')).some((f) => f.endsWith('.cleaned')));
    const after = await clean(() => false);
    assert.strictEqual(after.segmentsCleaned, 1);
    const kept = decodeRecordBatches(m.read('c', 0, 30, 1 << 20).records).flatMap((b) =>
      b.records.map((r) => `${r.offset} ${r.key?.toString()}`),
    );
    assert.deepStrictEqual(kept, ['55 b0', '56 b1', '57 b2', '58 b3', '59 b4']);
  });
});
