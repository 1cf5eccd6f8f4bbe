// A partition's offset-for-timestamp search (src/broker/storage/partition-log.ts, what ListOffsets with a
// timestamp and the record browser's "seek to time" use) when the sparse time index has an entry at exactly the
// timestamp asked for: the first record with that timestamp is found, not the first one after the entry. Then
// the partition log's rules at their edges, as a user meets them: retention by time and by size (a segment
// exactly at the limit, both limits together, the log start never moving back), deleteRecords at a segment
// boundary, segment rolls by size and by the 32-bit offset span, read_committed and maxBytes limits on reads.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, batchOf, harness, rec } from './helpers';

describe('storage: partition log offset for timestamp', () => {
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

  it('a timestamp equal to an index entry finds the record that has it, before the entry', async () => {
    // index every batch: the entry of each batch carries the newest timestamp before it
    await m.createTopic('t', 1, { 'index.interval.bytes': '0' });
    append(m, 't', 0, batch([rec('a', 1000), rec('b', 2000)])); // offsets 0, 1
    append(m, 't', 0, batch([rec('c', 2000), rec('d', 3000)])); // offsets 2, 3: entry (2000, 2)
    append(m, 't', 0, batch([rec('e', 4000)])); //                  offset 4: entry (3000, 4)
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 2000), { offset: 1, timestamp: 2000 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 3000), { offset: 3, timestamp: 3000 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 3001), { offset: 4, timestamp: 4000 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1000), { offset: 0, timestamp: 1000 });
  });

  it('a timestamp equal to the newest of a closed segment finds its record in that segment', async () => {
    await m.createTopic('s', 1, { 'segment.bytes': '200' });
    for (let i = 0; i < 6; i++) append(m, 's', 0, batch([rec(`v${i}`.padEnd(60, '.'), 1000 + i * 100)]));
    assert.ok(m.partitionInfo('s', 0).segmentCount > 2, 'several segments');
    for (let i = 0; i < 6; i++) {
      assert.deepStrictEqual(m.offsetForTimestamp('s', 0, 1000 + i * 100), { offset: i, timestamp: 1000 + i * 100 });
    }
  });
});

/** Offsets of the records in a read's bytes. */
function offsetsOf(records: Buffer): number[] {
  return decodeRecordBatches(records).flatMap((b) => b.records.map((r) => r.offset));
}

describe('storage: partition log retention, rolls and log start at their edges', () => {
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

  /** One batch of 2 records of fixed size, both stamped ts: every batch this makes has the same length. */
  const fixed = (i: number, ts: number) =>
    batch([
      rec(`k${String(i).padStart(3, '0')}a`.padEnd(80, '.'), ts),
      rec(`k${String(i).padStart(3, '0')}b`.padEnd(80, '.'), ts),
    ]);
  const S = fixed(0, 0).length;

  /** A topic whose segments each hold exactly one batch (n closed ones plus the active one). */
  async function oneBatchSegments(configs: Record<string, string>, stamps: number[]): Promise<void> {
    await m.createTopic('r', 1, { 'segment.bytes': String(S), ...configs });
    stamps.forEach((ts, i) => append(m, 'r', 0, fixed(i, ts)));
    assert.strictEqual(m.partitionInfo('r', 0).segmentCount, stamps.length, 'one batch per segment');
  }

  it('a segment exactly retention.ms old is kept; one millisecond older it is deleted', async () => {
    const now = h.clock.now();
    await oneBatchSegments({ 'retention.ms': '60000' }, [now - 60_001, now - 60_000, now - 10, now]);
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [2, 4, 6],
      'only the segment 60 001 ms old went',
    );
    assert.strictEqual(m.partitionInfo('r', 0).logStartOffset, 2);
    h.clock.advance(1);
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [4, 6],
    );
  });

  it('retention.ms 0 deletes every closed segment older than now; -1 keeps them all', async () => {
    const now = h.clock.now();
    await oneBatchSegments({ 'retention.ms': '-1' }, [now - 1_000_000_000, now - 5, now - 5]);
    m.enforceRetention();
    assert.strictEqual(m.partitionInfo('r', 0).segmentCount, 3, 'retention.ms -1: nothing by time');
    await m.alterTopicConfigs('r', { 'retention.ms': '0' });
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [4],
      'the active segment stays',
    );
  });

  it('retention.bytes deletes a segment when what remains is exactly retention.bytes, not when one byte short', async () => {
    const now = h.clock.now();
    await oneBatchSegments({ 'retention.bytes': String(3 * S + 1) }, [now, now, now, now]);
    m.enforceRetention();
    assert.strictEqual(m.partitionInfo('r', 0).segmentCount, 4, 'removing one would leave 3S < 3S + 1');
    await m.alterTopicConfigs('r', { 'retention.bytes': String(3 * S) });
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [2, 4, 6],
    );
    assert.strictEqual(m.partitionInfo('r', 0).sizeBytes, 3 * S);
    await m.alterTopicConfigs('r', { 'retention.bytes': '0' });
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [6],
      'retention.bytes 0: all but the active segment',
    );
  });

  it('with both retention.ms and retention.bytes, the bytes count what time already deleted', async () => {
    const now = h.clock.now();
    // 5 segments of S bytes: the first is past retention.ms; retention.bytes 3S then needs one more to go.
    await oneBatchSegments({ 'retention.ms': '60000', 'retention.bytes': String(3 * S) }, [
      now - 100_000,
      now,
      now,
      now,
      now,
    ]);
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [4, 6, 8],
    );
    assert.strictEqual(m.partitionInfo('r', 0).logStartOffset, 4);
  });

  it('retention never moves the log start back below where deleteRecords put it', async () => {
    const now = h.clock.now();
    await oneBatchSegments({ 'retention.ms': '60000' }, [now - 100_000, now - 100_000, now]);
    assert.strictEqual(m.deleteRecords('r', 0, 3), 3); // inside the second segment [2, 4)
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [2, 4],
      'deleteRecords dropped the segment wholly below offset 3',
    );
    m.enforceRetention();
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [4],
    );
    assert.strictEqual(m.partitionInfo('r', 0).logStartOffset, 4);
    assert.strictEqual(m.deleteRecords('r', 0, 5), 5);
    h.clock.advance(1_000_000);
    m.enforceRetention();
    assert.strictEqual(m.partitionInfo('r', 0).logStartOffset, 5, 'the active segment is not deleted, log start stays');
  });

  it('deleteRecords exactly at a segment boundary drops the whole segment before it', async () => {
    const now = h.clock.now();
    await oneBatchSegments({}, [now, now, now, now]);
    m.deleteRecords('r', 0, 2);
    assert.deepStrictEqual(
      m.partitionLog('r', 0).segments.map((s) => s.baseOffset),
      [2, 4, 6],
    );
    assert.ok(!fs.existsSync(path.join(h.dir, 'topics', 'r-0', '00000000000000000000.log')));
    m.deleteRecords('r', 0, 3);
    assert.strictEqual(m.partitionInfo('r', 0).segmentCount, 3, 'offset 3 is inside segment 2: it stays');
    assert.deepStrictEqual(offsetsOf(m.read('r', 0, 3, 1 << 20).records), [2, 3, 4, 5, 6, 7]);
  });

  it('a batch that makes the segment exactly segment.bytes goes in it; one byte more starts a new segment', async () => {
    await m.createTopic('s', 1, { 'segment.bytes': String(2 * S) });
    for (let i = 0; i < 3; i++) append(m, 's', 0, fixed(i, 1));
    assert.deepStrictEqual(
      m.partitionLog('s', 0).segments.map((s) => [s.baseOffset, s.size]),
      [
        [0, 2 * S],
        [4, S],
      ],
    );
  });

  it('a segment is rolled before its offsets would span more than 2^31 - 1', async () => {
    await m.createTopic('o', 1);
    const log = m.partitionLog('o', 0);
    append(m, 'o', 0, fixed(0, 1));
    log.roll(h.clock.now()); // the active segment starts at offset 2
    append(m, 'o', 0, fixed(1, 1));
    // Pretend the active segment already spans nearly the whole 32-bit range of relative offsets.
    const INT32_MAX = 2147483647;
    log.active.nextOffset = 2 + INT32_MAX - 1;
    append(m, 'o', 0, batchOf(1, 'fits', 1)); // relative offset INT32_MAX - 1, the segment then spans INT32_MAX
    assert.strictEqual(log.segments.length, 2);
    append(m, 'o', 0, batchOf(1, 'over', 1)); // relative offset INT32_MAX would be one too many: rolled
    assert.strictEqual(log.segments.length, 3);
    assert.strictEqual(log.active.baseOffset, 2 + INT32_MAX);
  });
});

describe('storage: partition log reads at their edges', () => {
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

  it('a read_committed read stops before the first batch at or past the last stable offset', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '400' });
    for (let i = 0; i < 8; i++) append(m, 't', 0, batchOf(2, `b${i}`, i, 40));
    assert.ok(m.partitionInfo('t', 0).segmentCount > 2);
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 0, 1 << 20, 6).records), [0, 1, 2, 3, 4, 5]);
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 0, 1 << 20, 5).records), [0, 1, 2, 3, 4, 5], 'whole batches');
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 4, 1 << 20, 4).records), [], 'nothing at the stable offset');
    assert.deepStrictEqual(
      offsetsOf(m.read('t', 0, 5, 1 << 20, 5).records),
      [],
      'offset 5 is inside batch [4, 5], but at the stable offset 5 nothing is readable yet',
    );
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 4, 1, 5).records), [4, 5], 'a first batch larger than maxBytes');
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 6, 1, 6).records), []);
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 0, 1 << 20, 16).records).length, 16);
  });

  it('maxBytes counts across segments: a read fills up to it with whole batches and stops', async () => {
    await m.createTopic('t', 1, { 'segment.bytes': '300' });
    for (let i = 0; i < 9; i++) append(m, 't', 0, batchOf(2, `b${i}`, i, 40));
    const log = m.partitionLog('t', 0);
    assert.ok(log.segments.length >= 3);
    const one = m.read('t', 0, 0, 1).records.length; // every batch has this size
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 0, one * 3).records), [0, 1, 2, 3, 4, 5]);
    assert.strictEqual(m.read('t', 0, 0, one * 3).records.length, one * 3, 'whole batches only, byte for byte');
    const cut = m.read('t', 0, 0, one * 3 - 1).records;
    assert.deepStrictEqual([offsetsOf(cut), cut.length], [[0, 1, 2, 3], one * 2], 'no partial batch at the end');
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 0, one + 60).records), [0, 1], 'room for a header, not a batch');
    // The next segment's first batch does not fit what is left: it is not returned (only a first batch may be).
    const perSegment = log.segments[0].size / one;
    const across = m.read('t', 0, 0, one * perSegment + 70).records;
    assert.deepStrictEqual(
      offsetsOf(across),
      Array.from({ length: perSegment * 2 }, (_, i) => i),
    );
    assert.deepStrictEqual(offsetsOf(m.read('t', 0, 0, 1 << 20).records).length, 18);
    const res = m.read('t', 0, 17, 1 << 20);
    assert.deepStrictEqual(offsetsOf(res.records), [16, 17]);
    assert.deepStrictEqual([res.highWatermark, res.lastStableOffset, res.logStartOffset], [18, 18, 0]);
  });

  it('offset for a timestamp never answers below the log start, even inside its segment', async () => {
    await m.createTopic('t', 1);
    for (let i = 0; i < 4; i++) append(m, 't', 0, batchOf(3, `b${i}`, 1000 + i * 10));
    m.deleteRecords('t', 0, 4);
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 0), { offset: 4, timestamp: 1011 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1011), { offset: 4, timestamp: 1011 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1032), { offset: 11, timestamp: 1032 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1033), { offset: -1, timestamp: -1 });
    assert.strictEqual(m.partitionLog('t', 0).lastTimestamp, 1032);
  });

  it('scanning batch headers starts at the log start and yields nothing from the log end', async () => {
    const one = batchOf(2, 'b0', 0, 40).length;
    await m.createTopic('t', 1, { 'segment.bytes': String(2 * one) });
    for (let i = 0; i < 6; i++) append(m, 't', 0, batchOf(2, `b${i}`, i, 40));
    const log = m.partitionLog('t', 0);
    assert.deepStrictEqual(
      log.segments.map((x) => x.baseOffset),
      [0, 4, 8],
      'two batches per closed segment',
    );
    m.deleteRecords('t', 0, 7); // inside the second batch of segment 4
    const from0 = [...m.scanBatchHeaders('t', 0, 0)].map((x) => x.baseOffset);
    assert.deepStrictEqual(from0, [6, 8, 10], 'from the batch holding the log start, not its segment start');
    assert.deepStrictEqual([...m.scanBatchHeaders('t', 0, 12)], []);
    assert.deepStrictEqual(
      [...m.scanBatchHeaders('t', 0, 11)].map((x) => x.baseOffset),
      [10],
    );
  });
});

describe('storage: partition log open and removal at their edges', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const fixed = (i: number) =>
    batch([
      rec(`g${String(i).padStart(3, '0')}a`.padEnd(80, '.'), 1),
      rec(`g${String(i).padStart(3, '0')}b`.padEnd(80, '.'), 1),
    ]);
  const S = fixed(0).length;
  const file = (h: Harness, base: number, suffix: string) =>
    path.join(h.dir, 'topics', 't-0', `${String(base).padStart(20, '0')}${suffix}`);

  it('a segment that lost its tail leaves a gap: every later segment is removed and appends continue after the cut', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': String(2 * S) });
    for (let i = 0; i < 7; i++) append(m, 't', 0, fixed(i)); // segments 0, 4, 8 of two batches, active 12
    assert.deepStrictEqual(
      m.partitionLog('t', 0).segments.map((x) => x.baseOffset),
      [0, 4, 8, 12],
    );
    await m.flush();
    m.crash();
    fs.truncateSync(file(h, 0, '.log'), S); // segment 0 now ends at offset 2: segment 4 does not follow
    // A later segment with index files already gone is removed all the same.
    fs.rmSync(file(h, 8, '.index'));
    fs.rmSync(file(h, 8, '.txnindex'));
    m = await h.open();
    assert.deepStrictEqual(
      m.partitionLog('t', 0).segments.map((x) => x.baseOffset),
      [0],
    );
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 2);
    const ev = h.events.filter((e) => e.name === 'recoveryTruncated').map((e) => e.payload);
    assert.deepStrictEqual(ev, [
      { topic: 't', partition: 0, bytes: 5 * S, reason: 'segment 4 does not follow offset 2' },
    ]);
    for (const base of [4, 8, 12])
      for (const suffix of ['.log', '.index', '.timeindex', '.txnindex'])
        assert.ok(!fs.existsSync(file(h, base, suffix)), `${base}${suffix} is removed`);
    assert.strictEqual(append(m, 't', 0, fixed(9)), 2);
    await m.close();
  });

  it('a corrupt batch in a middle segment cuts it there and removes the later segments, all counted in the bytes cut', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': String(2 * S) });
    for (let i = 0; i < 7; i++) append(m, 't', 0, fixed(i)); // segments 0, 4, 8 of two batches, active 12
    m.crash();
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint')); // nothing trusted: every batch is checked
    const buf = fs.readFileSync(file(h, 4, '.log'));
    buf[S + 70] ^= 0x01; // the second batch of segment 4 fails its CRC
    fs.writeFileSync(file(h, 4, '.log'), buf);
    m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 6);
    const ev = h.events.filter((e) => e.name === 'recoveryTruncated').map((e) => e.payload as { bytes: number });
    assert.deepStrictEqual(
      ev.map((e) => e.bytes),
      [S + 2 * S + S],
      'the cut batch, segment 8 and the active segment 12',
    );
    assert.ok(!fs.existsSync(file(h, 8, '.log')) && !fs.existsSync(file(h, 12, '.log')));
    await m.close();
  });

  it('a partition whose segment files are all gone opens empty at its log start offset and takes appends there', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': String(2 * S) });
    for (let i = 0; i < 5; i++) append(m, 't', 0, fixed(i));
    m.deleteRecords('t', 0, 6);
    await m.flush();
    m.crash();
    for (const f of fs.readdirSync(path.join(h.dir, 'topics', 't-0')))
      if (f.endsWith('.log')) fs.rmSync(path.join(h.dir, 'topics', 't-0', f));
    m = await h.open();
    const info = m.partitionInfo('t', 0);
    assert.deepStrictEqual([info.logStartOffset, info.logEndOffset], [6, 6]);
    assert.strictEqual(append(m, 't', 0, fixed(7)), 6);
    await m.close();
  });

  it('a header scan in progress when its topic is deleted ends instead of reading removed files', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': String(S) });
    for (let i = 0; i < 4; i++) append(m, 't', 0, fixed(i)); // one batch per segment
    const scan = m.scanBatchHeaders('t', 0, 0)[Symbol.iterator]();
    assert.strictEqual(scan.next().value?.baseOffset, 0);
    await m.deleteTopic('t');
    assert.deepStrictEqual(scan.next(), { value: undefined, done: true });
    assert.ok(!fs.existsSync(path.join(h.dir, 'topics', 't-0')));
    await m.close();
  });

  it('deleteRecords at or below the log start changes nothing and reports no deletion', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1);
    append(m, 't', 0, fixed(0));
    const deleted = () => h.events.filter((e) => e.name === 'recordsDeleted').length;
    assert.strictEqual(m.deleteRecords('t', 0, 0), 0);
    assert.strictEqual(deleted(), 0, 'offset 0 is the log start already');
    assert.strictEqual(m.deleteRecords('t', 0, 1), 1);
    assert.strictEqual(deleted(), 1);
    assert.strictEqual(m.deleteRecords('t', 0, 1), 1);
    assert.strictEqual(m.deleteRecords('t', 0, 0), 1);
    assert.strictEqual(deleted(), 1, 'no second event');
    await m.close();
  });
});
