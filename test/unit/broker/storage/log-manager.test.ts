import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import {
  computeBatchCrc,
  decodeRecordBatches,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_RECORD_COUNT,
} from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, batchOf, harness, rec, snapshotDir } from './helpers';

function isKafkaError(code: ErrorCode, re?: RegExp) {
  return (e: unknown) => e instanceof KafkaError && e.code === code && (!re || re.test(e.message));
}

function offsetsIn(records: Buffer): number[] {
  return decodeRecordBatches(records).flatMap((b) => b.records.map((r) => r.offset));
}

describe('storage: topics and configs', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(async () => {
    h = harness();
    m = await h.open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('rejects topic names that break Kafka rules, naming the rule', async () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['.', /cannot be named "\."/],
      ['..', /cannot be named "\.\."/],
      ['a'.repeat(250), /at most 249 characters long \(this one has 250\)/],
      ['has space', /contains a space/],
      ['slash/no', /contains "\/"/],
    ];
    for (const [name, re] of bad) {
      await assert.rejects(
        m.createTopic(name, 1),
        isKafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, re),
        JSON.stringify(name),
      );
    }
    await m.createTopic('a'.repeat(249), 1);
    await m.createTopic('Ok.name_with-all.9', 1);
  });

  it('refuses duplicates, zero partitions and shrinking; adds partitions; persists across restarts', async () => {
    await m.createTopic('orders', 2, { 'retention.ms': '1000' });
    await assert.rejects(m.createTopic('orders', 1), isKafkaError(ErrorCode.TOPIC_ALREADY_EXISTS));
    await assert.rejects(m.createTopic('zero', 0), isKafkaError(ErrorCode.INVALID_PARTITIONS));
    await assert.rejects(
      m.createPartitions('orders', 2),
      isKafkaError(ErrorCode.INVALID_PARTITIONS, /can only be added/),
    );
    await assert.rejects(m.createPartitions('orders', 1), isKafkaError(ErrorCode.INVALID_PARTITIONS));
    await m.createPartitions('orders', 4);
    append(m, 'orders', 3, batchOf(2, 'x', 1));
    await m.close();
    m = await h.open();
    const t = m.getTopic('orders')!;
    assert.strictEqual(t.partitions, 4);
    assert.deepStrictEqual(t.configs, { 'retention.ms': '1000' });
    assert.strictEqual(m.partitionInfo('orders', 3).logEndOffset, 2);
    assert.deepStrictEqual(
      h.events.filter((e) => e.name !== 'append').map((e) => e.name),
      ['topicCreated', 'partitionsCreated'],
    );
  });

  it('a topic is invisible while its creation is being stored: no appends into a creation that could still fail', async () => {
    const creating = m.createTopic('slow', 1);
    assert.strictEqual(m.getTopic('slow'), undefined);
    assert.ok(!m.listTopics().some((t) => t.name === 'slow'));
    assert.throws(() => m.partitionInfo('slow', 0), isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    await assert.rejects(m.createTopic('slow', 1), isKafkaError(ErrorCode.TOPIC_ALREADY_EXISTS));
    await creating;
    assert.strictEqual(m.getTopic('slow')!.partitions, 1);
    assert.strictEqual(m.partitionInfo('slow', 0).logEndOffset, 0);
  });

  it('deletes a topic with its files; the name can be reused from scratch', async () => {
    await m.createTopic('gone', 1);
    append(m, 'gone', 0, batchOf(5, 'x', 1));
    await m.deleteTopic('gone');
    assert.strictEqual(m.getTopic('gone'), undefined);
    assert.ok(!fs.existsSync(path.join(h.dir, 'topics', 'gone-0')));
    await assert.rejects(m.deleteTopic('gone'), isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    await m.createTopic('gone', 1);
    assert.strictEqual(m.partitionInfo('gone', 0).logEndOffset, 0);
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => t.name),
      ['gone'],
    );
  });

  it('describes every config with Kafka defaults and isDefault; validates names and values', async () => {
    await m.createTopic('c', 1, { 'segment.bytes': '1000', 'cleanup.policy': 'compact,delete' });
    const entries = m.describeTopicConfigs('c');
    const by = new Map(entries.map((e) => [e.name, e]));
    assert.deepStrictEqual(by.get('retention.ms'), {
      name: 'retention.ms',
      value: '604800000',
      isDefault: true,
      readOnly: false,
      sensitive: false,
    });
    assert.strictEqual(by.get('retention.bytes')!.value, '-1');
    assert.strictEqual(by.get('segment.ms')!.value, '604800000');
    assert.strictEqual(by.get('max.message.bytes')!.value, '1048588');
    assert.strictEqual(by.get('message.timestamp.type')!.value, 'CreateTime');
    assert.deepStrictEqual([by.get('segment.bytes')!.value, by.get('segment.bytes')!.isDefault], ['1000', false]);
    assert.strictEqual(by.get('cleanup.policy')!.value, 'compact,delete');
    await assert.rejects(
      m.createTopic('d', 1, { 'no.such.config': '1' }),
      isKafkaError(ErrorCode.INVALID_CONFIG, /unknown topic config "no.such.config"/),
    );
    await assert.rejects(
      m.createTopic('d', 1, { 'retention.ms': 'soon' }),
      isKafkaError(ErrorCode.INVALID_CONFIG, /retention.ms.*not an integer/),
    );
    await assert.rejects(
      m.createTopic('d', 1, { 'segment.bytes': '10' }),
      isKafkaError(ErrorCode.INVALID_CONFIG, /below the minimum 14/),
    );
    await assert.rejects(m.createTopic('d', 1, { 'cleanup.policy': 'shred' }), isKafkaError(ErrorCode.INVALID_CONFIG));
    assert.strictEqual(m.getTopic('d'), undefined);
    await m.alterTopicConfigs('c', { 'retention.bytes': '5000' });
    await assert.rejects(
      m.alterTopicConfigs('c', { 'max.message.bytes': '-5' }),
      isKafkaError(ErrorCode.INVALID_CONFIG),
    );
    assert.deepStrictEqual(m.getTopic('c')!.configs, {
      'segment.bytes': '1000',
      'cleanup.policy': 'compact,delete',
      'retention.bytes': '5000',
    });
  });
});

describe('storage: append, read, segments, indexes', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(async () => {
    h = harness();
    m = await h.open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('stamps base offsets only and stores the client bytes as they are', async () => {
    await m.createTopic('t', 1);
    const a = batchOf(3, 'a', 100);
    const b = batchOf(2, 'b', 200);
    const bCopy = Buffer.from(b);
    assert.strictEqual(append(m, 't', 0, a), 0);
    assert.strictEqual(append(m, 't', 0, b), 3);
    const stored = m.read('t', 0, 3, 1 << 20).records;
    assert.deepStrictEqual(
      stored.subarray(8),
      bCopy.subarray(8),
      'everything after the base offset is the client bytes',
    );
    assert.strictEqual(stored.readInt32BE(4), 3);
    assert.strictEqual(computeBatchCrc(stored, 0, stored.length), stored.readUInt32BE(OFFSET_CRC));
    const res = m.read('t', 0, 1, 1 << 20);
    assert.deepStrictEqual(offsetsIn(res.records), [0, 1, 2, 3, 4], 'from the batch containing offset 1');
    assert.deepStrictEqual([res.highWatermark, res.logStartOffset], [5, 0]);
    assert.deepStrictEqual(
      h.events.filter((e) => e.name === 'append').map((e) => e.payload),
      [
        { topic: 't', partition: 0, logEndOffset: 3 },
        { topic: 't', partition: 0, logEndOffset: 5 },
      ],
    );
  });

  it('reads up to maxBytes of whole batches, but always at least one, and empty at the log end', async () => {
    await m.createTopic('t', 1);
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(4, `b${i}`, i * 10, 50));
    const one = m.read('t', 0, 0, 10);
    assert.deepStrictEqual(offsetsIn(one.records), [0, 1, 2, 3]);
    const size = one.records.length;
    assert.deepStrictEqual(offsetsIn(m.read('t', 0, 4, size * 2 + 5).records), [4, 5, 6, 7, 8, 9, 10, 11]);
    assert.strictEqual(m.read('t', 0, 40, 100).records.length, 0);
  });

  it('rejects reads outside [log start, log end] with the valid range in the message', async () => {
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(3, 'a', 1));
    assert.throws(
      () => m.read('t', 0, 4, 100),
      isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, /valid offsets are 0\.\.3/),
    );
    assert.throws(() => m.read('t', 0, -1, 100), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
    m.deleteRecords('t', 0, 2);
    assert.throws(
      () => m.read('t', 0, 1, 100),
      isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, /valid offsets are 2\.\.3/),
    );
    assert.throws(() => m.read('t', 1, 0, 100), isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    assert.throws(() => m.read('nope', 0, 0, 100), isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  });

  it('rolls segments by size, names files by base offset, and reads across segments', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '1000' });
    for (let i = 0; i < 30; i++) append(m, 't', 0, batchOf(2, `r${i}`, i, 100));
    const info = m.partitionInfo('t', 0);
    assert.ok(info.segmentCount > 5, `${info.segmentCount} segments`);
    const files = fs.readdirSync(path.join(h.dir, 'topics', 't-0')).filter((f) => f.endsWith('.log'));
    assert.strictEqual(files.length, info.segmentCount);
    assert.strictEqual(files[0], '00000000000000000000.log');
    for (const f of files) {
      assert.match(f, /^\d{20}\.log$/);
      assert.ok(fs.statSync(path.join(h.dir, 'topics', 't-0', f)).size <= 1000);
      const base = Number(f.slice(0, 20));
      assert.deepStrictEqual(
        offsetsIn(m.read('t', 0, base, 1).records)[0],
        base,
        `segment ${f} starts at its base offset`,
      );
    }
    assert.deepStrictEqual(
      offsetsIn(m.read('t', 0, 0, 1 << 20).records),
      Array.from({ length: 60 }, (_, i) => i),
    );
  });

  it('rolls a segment by age (segment.ms on the clock)', async () => {
    await m.createTopic('t', 1, { 'segment.ms': '60000' });
    append(m, 't', 0, batchOf(1, 'a', 1));
    h.clock.advance(59_999);
    append(m, 't', 0, batchOf(1, 'b', 1));
    assert.strictEqual(m.partitionInfo('t', 0).segmentCount, 1);
    h.clock.advance(1);
    append(m, 't', 0, batchOf(1, 'c', 1));
    assert.strictEqual(m.partitionInfo('t', 0).segmentCount, 2);
    assert.ok(fs.existsSync(path.join(h.dir, 'topics', 't-0', '00000000000000000002.log')));
  });

  it('segment.ms counts from when the segment was started, across clean and unclean restarts', async () => {
    await m.createTopic('t', 1, { 'segment.ms': '60000' });
    append(m, 't', 0, batchOf(1, 'a', 1));
    h.clock.advance(30_000);
    await m.close();
    m = await h.open();
    h.clock.advance(20_000);
    await m.flush();
    m.crash();
    m = await h.open();
    h.clock.advance(10_000); // 60 s after the segment was started, 10 s after this open
    append(m, 't', 0, batchOf(1, 'b', 1));
    assert.strictEqual(m.partitionInfo('t', 0).segmentCount, 2);
  });

  it('keeps a sparse offset index (about one entry per 4 KiB) that finds every offset', async () => {
    await m.createTopic('t', 1);
    for (let i = 0; i < 400; i++) append(m, 't', 0, batchOf(3, `i${i}`, i, 90));
    const log = m.partitionLog('t', 0);
    const seg = log.segments[0];
    const entries = seg.offsetIndex.toArray();
    const expected = seg.size / 4096;
    assert.ok(
      entries.length >= expected * 0.8 && entries.length <= expected + 1,
      `${entries.length} entries for ${seg.size} bytes`,
    );
    for (const [offset, pos] of entries)
      assert.strictEqual(seg.baseOffsetAt(pos), offset, 'an entry points at the start of its batch');
    for (let o = 0; o < 1200; o += 37) assert.strictEqual(offsetsIn(m.read('t', 0, o, 1).records)[0], o - (o % 3));
    await m.close();
    const onDisk = fs.readFileSync(path.join(h.dir, 'topics', 't-0', '00000000000000000000.index'));
    assert.strictEqual(onDisk.length, entries.length * 8);
    assert.deepStrictEqual([onDisk.readInt32BE(0), onDisk.readInt32BE(4)], entries[0]);
    m = await h.open();
  });

  it('finds offsets by timestamp (first offset with timestamp >= T), across segments and after reopening', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '2000' });
    // Timestamps 1000, 1010, ... one per record, 5 records per batch; one record out of order.
    for (let b = 0; b < 60; b++) {
      const recs = Array.from({ length: 5 }, (_, i) => rec(`v${b}-${i}`, 1000 + (b * 5 + i) * 10));
      if (b === 30) recs[2].timestamp = 500;
      append(m, 't', 0, batch(recs));
    }
    const check = () => {
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 0), { offset: 0, timestamp: 1000 });
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1000), { offset: 0, timestamp: 1000 });
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1001), { offset: 1, timestamp: 1010 });
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 2345), { offset: 135, timestamp: 2350 });
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1000 + 299 * 10), { offset: 299, timestamp: 3990 });
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 4000), { offset: -1, timestamp: -1 });
    };
    assert.ok(m.partitionInfo('t', 0).segmentCount > 3);
    check();
    await m.close();
    m = await h.open();
    check();
    m.deleteRecords('t', 0, 100);
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 0), { offset: 100, timestamp: 2000 });
  });

  it('stamps LogAppendTime when the topic asks for it (and keeps the CRC valid)', async () => {
    await m.createTopic('t', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const res = m.appendValidated('t', 0, batchOf(2, 'x', 5), m.parseRecordSet('t', 0, batchOf(2, 'x', 5)));
    assert.strictEqual(res.logAppendTime, h.clock.now());
    const [d] = decodeRecordBatches(m.read('t', 0, 0, 1000).records);
    assert.strictEqual(d.timestampType, 1);
    assert.deepStrictEqual(
      d.records.map((r) => r.timestamp),
      [h.clock.now(), h.clock.now()],
    );
    await m.close();
    m = await h.open();
    m.crash();
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint'));
    m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 2, 'the rewritten CRC passes the recovery check');
  });

  it('scanBatchHeaders yields stored headers lazily from the batch containing the offset', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '600' });
    for (let i = 0; i < 20; i++) append(m, 't', 0, batchOf(2, `s${i}`, i, 60));
    const headers = [...m.scanBatchHeaders('t', 0, 7)];
    assert.deepStrictEqual(
      headers.map((x) => x.baseOffset),
      Array.from({ length: 17 }, (_, i) => 6 + i * 2),
    );
    assert.ok(headers.every((x) => x.recordCount === 2 && x.producerId === -1));
  });
});

describe('storage: retention and deleteRecords', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(async () => {
    h = harness();
    m = await h.open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('deletes whole segments older than retention.ms, never the active one, and advances the log start', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    const t0 = h.clock.now();
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `old${i}`, t0 - 120_000, 100));
    const mid = m.partitionInfo('t', 0).logEndOffset;
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `new${i}`, t0, 100));
    const before = m.partitionInfo('t', 0);
    m.enforceRetention();
    const after = m.partitionInfo('t', 0);
    assert.ok(after.segmentCount < before.segmentCount);
    assert.ok(after.logStartOffset > 0 && after.logStartOffset <= mid, `log start ${after.logStartOffset}`);
    assert.strictEqual(after.logEndOffset, before.logEndOffset);
    assert.deepStrictEqual(
      h.events.filter((e) => e.name === 'recordsDeleted').map((e) => e.payload),
      [{ topic: 't', partition: 0, logStartOffset: after.logStartOffset }],
    );
    // Time passes: everything but the active segment goes, by the retention timer (5 min on the clock).
    h.clock.advance(300_000);
    const last = m.partitionInfo('t', 0);
    assert.strictEqual(last.segmentCount, 1);
    assert.strictEqual(offsetsIn(m.read('t', 0, last.logStartOffset, 1 << 20).records).at(-1), 39);
    await m.close();
    m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logStartOffset, last.logStartOffset);
  });

  it('deletes the oldest segments while what remains stays at or above retention.bytes (as Kafka)', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '1000', 'retention.bytes': '2500' });
    for (let i = 0; i < 40; i++) append(m, 't', 0, batchOf(2, `b${i}`, h.clock.now(), 100));
    m.enforceRetention();
    const info = m.partitionInfo('t', 0);
    const log = m.partitionLog('t', 0);
    assert.ok(info.segmentCount < 10, `${info.segmentCount} segments left`);
    assert.ok(info.sizeBytes >= 2500, `${info.sizeBytes} bytes left: never below retention.bytes`);
    assert.ok(info.sizeBytes - log.segments[0].size < 2500, 'deleting one more segment would go below retention.bytes');
    assert.strictEqual(info.logStartOffset, log.segments[0].baseOffset);
    assert.throws(() => m.read('t', 0, 0, 100), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
  });

  it('deleteRecords advances the log start offset (never back), persists it, and -1 means the log end', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '500' });
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `d${i}`, 1, 100));
    assert.strictEqual(m.deleteRecords('t', 0, 7), 7);
    assert.strictEqual(m.deleteRecords('t', 0, 3), 7);
    assert.deepStrictEqual(offsetsIn(m.read('t', 0, 7, 1 << 20).records)[0], 6, 'whole batch containing 7');
    assert.ok(m.partitionLog('t', 0).segments[0].baseOffset <= 7);
    assert.throws(() => m.deleteRecords('t', 0, 21), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
    await m.close();
    m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logStartOffset, 7);
    assert.strictEqual(m.deleteRecords('t', 0, -1), 20);
    assert.strictEqual(m.read('t', 0, 20, 100).records.length, 0);
  });
});

describe('storage: bad input and write failures leave the log unchanged', () => {
  let h: Harness;
  let m: Manager;
  let failWrites = false;
  beforeEach(async () => {
    h = harness();
    failWrites = false;
    m = await h.open({
      io: {
        writeSync: (fd, buf, off, len, pos) => {
          if (failWrites) {
            // A partial write, then the disk is full.
            fs.writeSync(fd, buf, off, Math.min(len, 10), pos);
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
          return fs.writeSync(fd, buf, off, len, pos);
        },
      },
    });
    await m.createTopic('t', 1, { 'max.message.bytes': '2000' });
    append(m, 't', 0, batchOf(3, 'good', 1));
    await m.flush();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  function expectUnchanged(recordSet: Buffer, code: ErrorCode, re: RegExp, topic = 't', partition = 0) {
    const dir = path.join(h.dir, 'topics', 't-0');
    const before = snapshotDir(dir);
    assert.throws(() => m.parseRecordSet(topic, partition, recordSet), isKafkaError(code, re));
    assert.deepStrictEqual(snapshotDir(dir), before);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 3);
  }

  it('rejects a wrong CRC, bad magic, a truncated batch, an oversized batch, bad counts, unknown topic/partition', () => {
    const good = batchOf(2, 'n', 1);
    const crc = Buffer.from(good);
    crc[crc.length - 3] ^= 0x40;
    expectUnchanged(crc, ErrorCode.CORRUPT_MESSAGE, /CRC-32C mismatch/);
    const magic = Buffer.from(good);
    magic[16] = 0;
    expectUnchanged(magic, ErrorCode.CORRUPT_MESSAGE, /magic 0/);
    expectUnchanged(good.subarray(0, good.length - 5), ErrorCode.INVALID_RECORD, /truncated/);
    expectUnchanged(Buffer.concat([good, good.subarray(0, 30)]), ErrorCode.INVALID_RECORD, /batch 1 .*truncated/);
    expectUnchanged(batchOf(30, 'big', 1, 100), ErrorCode.MESSAGE_TOO_LARGE, /max\.message\.bytes \(2000\)/);
    const delta = Buffer.from(good);
    delta.writeInt32BE(5, OFFSET_LAST_OFFSET_DELTA);
    delta.writeUInt32BE(computeBatchCrc(delta, 0, delta.length), OFFSET_CRC);
    expectUnchanged(delta, ErrorCode.INVALID_RECORD, /lastOffsetDelta 5 does not match the record count 2/);
    const zero = Buffer.from(good);
    zero.writeInt32BE(0, OFFSET_RECORD_COUNT);
    zero.writeUInt32BE(computeBatchCrc(zero, 0, zero.length), OFFSET_CRC);
    expectUnchanged(zero, ErrorCode.INVALID_RECORD, /at least one record/);
    expectUnchanged(good, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /no partition 1/, 't', 1);
    expectUnchanged(good, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /no topic "other"/, 'other', 0);
  });

  it('a failed write (disk full) is KAFKA_STORAGE_ERROR, the partial bytes are cut, and appends continue', async () => {
    const dir = path.join(h.dir, 'topics', 't-0');
    const before = snapshotDir(dir);
    const b = batchOf(2, 'x', 1);
    const headers = m.parseRecordSet('t', 0, b);
    failWrites = true;
    assert.throws(
      () => m.appendValidated('t', 0, b, headers),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /no space left/),
    );
    assert.deepStrictEqual(snapshotDir(dir), before);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 3);
    failWrites = false;
    assert.strictEqual(append(m, 't', 0, batchOf(2, 'y', 1)), 3);
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(offsetsIn(m.read('t', 0, 0, 1 << 20).records), [0, 1, 2, 3, 4]);
  });
});

describe('storage: what appends, deleteRecords and topic changes answer', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(async () => {
    h = harness();
    m = await h.open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('reports topic and record changes as events with their details', async () => {
    await m.createTopic('t', 2);
    await m.createPartitions('t', 5);
    for (let i = 0; i < 3; i++) append(m, 't', 4, batchOf(2, `e${i}`, 1));
    assert.strictEqual(m.deleteRecords('t', 4, 3), 3);
    assert.strictEqual(m.deleteRecords('t', 4, 2), 3, 'never moves back');
    assert.strictEqual(m.deleteRecords('t', 4, 3), 3);
    await m.deleteTopic('t');
    assert.deepStrictEqual(
      h.events.filter((e) => e.name !== 'append'),
      [
        { name: 'topicCreated', payload: { topic: 't', partitions: 2 } },
        { name: 'partitionsCreated', payload: { topic: 't', partitions: 5 } },
        { name: 'recordsDeleted', payload: { topic: 't', partition: 4, logStartOffset: 3 } },
        { name: 'topicDeleted', payload: { topic: 't' } },
      ],
      'one recordsDeleted: the calls that moved nothing report nothing',
    );
  });

  it('an append answers its offsets, the log start, no log-append time under CreateTime, and not a duplicate', async () => {
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(4, 'a', 1));
    m.deleteRecords('t', 0, 2);
    const b = batchOf(3, 'b', 1);
    assert.deepStrictEqual(m.appendValidated('t', 0, b, m.parseRecordSet('t', 0, b)), {
      baseOffset: 4,
      lastOffset: 6,
      logAppendTime: -1,
      logStartOffset: 2,
      duplicate: false,
    });
  });

  it('deleteRecords refuses a negative, fractional or past-the-end offset, naming the valid range', async () => {
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(5, 'a', 1));
    m.deleteRecords('t', 0, 1);
    for (const bad of [-2, 2.5, 6])
      assert.throws(
        () => m.deleteRecords('t', 0, bad),
        isKafkaError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          new RegExp(
            `^cannot delete records of t-0 before offset ${bad.toString().replace('.', '\\.')}: it must be between 1 and the log end 5 \\(or -1 for the log end\\)$`,
          ),
        ),
        String(bad),
      );
    assert.strictEqual(m.partitionInfo('t', 0).logStartOffset, 1);
  });

  it('a compacted topic refuses records without a key, naming the first and counting the others, per record', async () => {
    await m.createTopic('c', 1, { 'cleanup.policy': 'compact' });
    const one = batch([rec('v', 1, 'k'), rec('no key', 1)]);
    assert.throws(
      () => m.parseRecordSet('c', 0, one),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.INVALID_RECORD &&
        e.message ===
          'topic "c" is compacted (cleanup.policy=compact), so every record needs a key; batch 0, record 1 has none' &&
        JSON.stringify(e.recordErrors) ===
          JSON.stringify([
            { batchIndex: 1, message: 'batch 0, record 1 has no key; a compacted topic needs a key on every record' },
          ]),
    );
    const three = Buffer.concat([batch([rec('a', 1), rec('b', 1, 'k')]), batch([rec('c', 1), rec('d', 1)])]);
    assert.throws(
      () => m.parseRecordSet('c', 0, three),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.message ===
          'topic "c" is compacted (cleanup.policy=compact), so every record needs a key; batch 0, record 0 has none (and 2 more)' &&
        e.recordErrors.map((r) => r.batchIndex).join() === '0,2,3',
    );
    assert.strictEqual(m.partitionInfo('c', 0).logEndOffset, 0);
    assert.strictEqual(append(m, 'c', 0, batch([rec('v', 1, 'k')])), 0, 'keyed records are taken');
  });

  it('refuses a batch bigger than the topic segment.bytes (it could fit no segment), naming both sizes', async () => {
    await m.createTopic('s', 1, { 'segment.bytes': '200' });
    const big = batchOf(4, 'big', 1, 60);
    assert.ok(big.length > 200);
    assert.throws(
      () => m.parseRecordSet('s', 0, big),
      isKafkaError(
        ErrorCode.RECORD_LIST_TOO_LARGE,
        new RegExp(`^a batch of ${big.length} bytes does not fit the topic's segment\\.bytes \\(200\\)$`),
      ),
    );
    const fits = batchOf(1, 'ok', 1, 20);
    assert.ok(fits.length <= 200);
    assert.strictEqual(append(m, 's', 0, fits), 0);
  });

  it('a flush barrier is awaited before each flush, and null removes it', async () => {
    await m.createTopic('t', 1);
    let calls = 0;
    m.setFlushBarrier(() => {
      calls++;
      return Promise.resolve();
    });
    append(m, 't', 0, batchOf(1, 'a', 1));
    await m.flush();
    assert.strictEqual(calls, 1);
    m.setFlushBarrier(null);
    append(m, 't', 0, batchOf(1, 'b', 1));
    await m.flush();
    assert.strictEqual(calls, 1);
  });
});
