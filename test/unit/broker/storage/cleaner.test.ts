// The log cleaner of compacted topics (src/broker/storage/cleaner.ts): latest record per key at its original
// offset, tombstones kept for delete.retention.ms, keyless records refused, producer state kept, the periodic
// pass, retention of compact-only topics, and crash safety (a failed write, a leftover temporary file, an unclean
// open of a cleaned segment with offset gaps).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import type { EncodableRecord } from '../../../../src/broker/storage/record-batch';
import { decodeRecordBatches, encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, harness, rec, snapshotDir } from './helpers';

const COMPACT = { 'cleanup.policy': 'compact' };

function isKafkaError(code: ErrorCode, re?: RegExp) {
  return (e: unknown) => e instanceof KafkaError && e.code === code && (!re || re.test(e.message));
}

/** offset → "key=value" ("key=∅" for a tombstone) of every record readable from the log start. */
function contents(m: Manager, topic = 'c', partition = 0): string[] {
  const start = m.partitionInfo(topic, partition).logStartOffset;
  return decodeRecordBatches(m.read(topic, partition, start, 64 << 20).records).flatMap((b) =>
    b.records.map((r) => `${r.offset} ${r.key?.toString() ?? '∅'}=${r.value === null ? '∅' : r.value.toString()}`),
  );
}

function kv(key: string, value: string | null, ts: number): EncodableRecord {
  return { key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [], timestamp: ts };
}

describe('storage: log compaction (cleanup.policy=compact)', () => {
  let h: Harness;
  let m: Manager;
  let failWrites = false;
  beforeEach(async () => {
    failWrites = false;
    h = harness();
    m = await h.open({
      io: {
        writeSync: (fd, buf, off, len, pos) => {
          if (failWrites) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          return fs.writeSync(fd, buf, off, len, pos);
        },
      },
    });
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('keeps the latest record of each key at its original offset, across restarts clean and unclean', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k1', 'a', t), kv('k2', 'b', t), kv('k1', 'c', t)]));
    append(m, 'c', 0, batch([kv('k3', 'd', t), kv('k2', 'e', t)]));
    append(m, 'c', 0, batch([kv('k1', 'f', t)]));
    const before = m.partitionInfo('c', 0);
    const [stats] = await m.compactTopic('c');
    assert.deepStrictEqual(
      {
        segments: stats.segmentsCleaned,
        before: stats.recordsBefore,
        after: stats.recordsAfter,
        upTo: stats.cleanedUpTo,
      },
      { segments: 1, before: 6, after: 3, upTo: 6 },
    );
    assert.ok(stats.bytesAfter < stats.bytesBefore);
    assert.deepStrictEqual(contents(m), ['3 k3=d', '4 k2=e', '5 k1=f']);
    const after = m.partitionInfo('c', 0);
    assert.deepStrictEqual(
      [after.logStartOffset, after.logEndOffset],
      [before.logStartOffset, before.logEndOffset],
      'offsets do not move',
    );
    // Reading from an offset that is now a gap starts at the next record kept.
    assert.deepStrictEqual(decodeRecordBatches(m.read('c', 0, 1, 1 << 20).records)[0].records[0].offset, 3);
    assert.strictEqual(append(m, 'c', 0, batch([kv('k2', 'g', t)])), 6, 'appends continue at the log end');
    assert.deepStrictEqual(h.events.filter((e) => e.name === 'logCompacted').length, 1);

    await m.close();
    m = await h.open();
    assert.deepStrictEqual(contents(m), ['3 k3=d', '4 k2=e', '5 k1=f', '6 k2=g']);
    // Unclean: every batch past the recovery point is checked, and the cleaned segment's gaps are not corruption.
    m.crash();
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint'), { force: true });
    m = await h.open();
    assert.strictEqual(h.events.filter((e) => e.name === 'recoveryTruncated').length, 0, h.logs.join('\n'));
    assert.deepStrictEqual(contents(m), ['3 k3=d', '4 k2=e', '5 k1=f', '6 k2=g']);
    assert.strictEqual(m.offsetForTimestamp('c', 0, t).offset, 3);
  });

  it('keeps a tombstone until its batch is older than delete.retention.ms, then drops the key', async () => {
    await m.createTopic('c', 1, { ...COMPACT, 'delete.retention.ms': '60000' });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('user-1', 'alice', t), kv('user-2', 'bob', t)]));
    append(m, 'c', 0, batch([kv('user-1', null, t)]));
    append(m, 'c', 0, batch([kv('user-3', 'carol', t)]));
    await m.compactTopic('c');
    assert.deepStrictEqual(
      contents(m),
      ['1 user-2=bob', '2 user-1=∅', '3 user-3=carol'],
      'the tombstone is still there for consumers to see',
    );
    h.clock.advance(61_000);
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(m), ['1 user-2=bob', '3 user-3=carol']);
    assert.strictEqual(m.partitionInfo('c', 0).logEndOffset, 4);
  });

  it('refuses a record without a key with INVALID_RECORD and stores nothing; other topics still take them', async () => {
    await m.createTopic('c', 1, COMPACT);
    await m.createTopic('plain', 1);
    const dir = path.join(h.dir, 'topics', 'c-0');
    const snap = snapshotDir(dir);
    const keyless = batch([kv('k', 'v', 1), rec('no key', 1)]);
    assert.throws(
      () => m.parseRecordSet('c', 0, keyless),
      isKafkaError(ErrorCode.INVALID_RECORD, /compacted.*needs a key; batch 0, record 1 has none/),
    );
    assert.deepStrictEqual(snapshotDir(dir), snap);
    assert.strictEqual(append(m, 'plain', 0, keyless), 0);
  });

  it("keeps an idempotent producer's latest batch as a header when all its records are superseded", async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    const idem = encodeRecordBatch([kv('k', 'from-producer-7', t)], {
      producerId: 7,
      producerEpoch: 0,
      baseSequence: 0,
      compression: 0,
    });
    append(m, 'c', 0, idem);
    append(m, 'c', 0, batch([kv('k', 'newer', t), kv('j', 'x', t)]));
    append(m, 'c', 0, batch([kv('j', 'y', t)]));
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(m), ['1 k=newer', '3 j=y']);
    const headers = [...m.scanBatchHeaders('c', 0, 0)];
    assert.deepStrictEqual(
      headers.map((b) => [b.baseOffset, b.producerId, b.baseSequence, b.recordCount]),
      [
        [0, 7, 0, 0],
        [1, -1, -1, 1],
        [3, -1, -1, 1],
      ],
    );
  });

  it('re-encodes a compressed batch that lost records, uncompressed, with the kept records intact', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    const recs = [kv('a', '1', t), kv('b', '2', t + 1), kv('a', '3', t + 2)];
    recs[1].headers = [{ key: 'trace', value: Buffer.from('xyz') }];
    append(m, 'c', 0, batch(recs, 1));
    append(m, 'c', 0, batch([kv('z', 'last', t)]));
    await m.compactTopic('c');
    const [first] = decodeRecordBatches(m.read('c', 0, 0, 1 << 20).records);
    assert.strictEqual(first.compression, 0);
    assert.deepStrictEqual(
      first.records.map((r) => [
        r.offset,
        r.timestamp,
        r.key?.toString(),
        r.value?.toString(),
        r.headers.map((x) => `${x.key}=${x.value}`),
      ]),
      [
        [1, t + 1, 'b', '2', ['trace=xyz']],
        [2, t + 2, 'a', '3', []],
      ],
    );
    assert.strictEqual(first.lastOffset, 2);
  });

  it('a full disk while cleaning is KAFKA_STORAGE_ERROR and changes nothing; a leftover temporary file is ignored', async () => {
    await m.createTopic('c', 1, COMPACT);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('k', 'a', t), kv('k', 'b', t)]));
    append(m, 'c', 0, batch([kv('k', 'c', t)]));
    const log = m.partitionLog('c', 0);
    log.roll(t);
    await m.flush();
    const dir = path.join(h.dir, 'topics', 'c-0');
    const snap = snapshotDir(dir);
    failWrites = true;
    await assert.rejects(
      m.compactTopic('c'),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /compaction of c-0 stopped: ENOSPC.*no segment was changed/),
    );
    failWrites = false;
    assert.deepStrictEqual(snapshotDir(dir), snap);
    assert.deepStrictEqual(contents(m), ['0 k=a', '1 k=b', '2 k=c']);
    // A crash between writing a replacement and renaming it leaves the temporary file: open removes it.
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.cleaned'), 'half a segment');
    m.crash();
    m = await h.open();
    assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.cleaned')));
    assert.deepStrictEqual(contents(m), ['0 k=a', '1 k=b', '2 k=c']);
  });

  it('outside a cleaned segment an offset gap is still corruption: recovery cuts there', async () => {
    await m.createTopic('t', 1);
    append(m, 't', 0, batch([kv('a', '1', 1)]));
    append(m, 't', 0, batch([kv('b', '2', 1)]));
    const file = path.join(h.dir, 'topics', 't-0', '00000000000000000000.log');
    m.crash();
    const bytes = fs.readFileSync(file);
    const second = bytes.readInt32BE(8) + 12;
    bytes.writeInt32BE(5, second + 4); // the second batch claims base offset 5 (not covered by the CRC)
    fs.writeFileSync(file, bytes);
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint'), { force: true });
    m = await h.open();
    assert.deepStrictEqual(contents(m, 't'), ['0 a=1']);
    assert.match(h.logs.join('\n'), /base offset 5 where 1 was expected/);
  });

  it('the periodic cleaner compacts closed segments once enough of them is dirty, and never the active one', async () => {
    await m.createTopic('c', 1, { ...COMPACT, 'segment.bytes': '400' });
    const t = h.clock.now();
    for (let i = 0; i < 30; i++) append(m, 'c', 0, batch([kv(`k${i % 3}`, `v${i}`.padEnd(60, '.'), t)]));
    await m.flush();
    const segments = m.partitionInfo('c', 0).segmentCount;
    assert.ok(segments > 3, `${segments} segments`);
    h.clock.advance(15_000);
    await m.cleanerIdle();
    const compacted = h.events.filter((e) => e.name === 'logCompacted');
    assert.strictEqual(compacted.length, 1, h.logs.join('\n'));
    const kept = contents(m);
    const activeBase = m.partitionLog('c', 0).active.baseOffset;
    assert.ok(kept.length < 30, `${kept.length} records kept`);
    // Every key's latest value is still readable, and every record of the active segment is untouched.
    for (const k of ['k0', 'k1', 'k2'])
      assert.ok(
        kept.some((r) => r.startsWith(`${27 + Number(k[1])} ${k}=`)),
        `${k} latest missing: ${kept.join(', ')}`,
      );
    for (let o = activeBase; o < 30; o++)
      assert.ok(
        kept.some((r) => r.startsWith(`${o} `)),
        `offset ${o} of the active segment is gone`,
      );
    // Nothing new to clean: the next pass does nothing.
    h.clock.advance(15_000);
    await m.cleanerIdle();
    assert.strictEqual(h.events.filter((e) => e.name === 'logCompacted').length, 1);
  });

  /** 200 batches of 500 records over 1,000 keys: enough work that a cleaning spans many event-loop slices. */
  function fillForSlices(topic: string): void {
    const t = h.clock.now();
    for (let b = 0; b < 200; b++) {
      const recs: EncodableRecord[] = [];
      for (let i = 0; i < 500; i++) recs.push(kv(`key-${(b * 500 + i) % 1000}`, `value ${b}/${i}`, t));
      append(m, topic, 0, batch(recs));
    }
  }

  it('cleans in slices: appends and reads go on meanwhile, and what they add is kept', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillForSlices('c');
    let done = false;
    const cleaning = m.compactTopic('c').finally(() => (done = true));
    let during = 0;
    while (!done) {
      await new Promise((r) => setImmediate(r));
      if (done) break;
      append(m, 'c', 0, batch([kv(`late-${during}`, 'x', h.clock.now())]));
      m.read('c', 0, 0, 1 << 16);
      during++;
    }
    const [stats] = await cleaning;
    assert.ok(during >= 3, `only ${during} appends ran during the cleaning: it did not yield`);
    assert.strictEqual(stats.recordsAfter, 1000);
    const kept = contents(m);
    assert.strictEqual(kept.length, 1000 + during);
    assert.strictEqual(kept.filter((r) => / late-\d+=x$/.test(r)).length, during);
  });

  it('deleting the topic or closing the broker mid-cleaning stops it with nothing changed', async () => {
    await m.createTopic('c', 1, COMPACT);
    fillForSlices('c');
    const cleaning = m.compactTopic('c');
    // compactTopic flushes first; once that flush is done the cleaning has begun its first slice.
    await m.flush();
    await new Promise((r) => setImmediate(r));
    await m.deleteTopic('c');
    const [stats] = await cleaning;
    assert.strictEqual(stats.segmentsCleaned, 0);
    assert.ok(!fs.existsSync(path.join(h.dir, 'topics', 'c-0')));

    await m.createTopic('d', 1, COMPACT);
    fillForSlices('d');
    const before = contents(m, 'd');
    const second = m.compactTopic('d');
    await m.flush();
    await new Promise((r) => setImmediate(r));
    await m.close();
    assert.strictEqual((await second)[0].segmentsCleaned, 0);
    m = await h.open();
    assert.deepStrictEqual(contents(m, 'd'), before);
    assert.ok(!fs.readdirSync(path.join(h.dir, 'topics', 'd-0')).some((f) => f.endsWith('.cleaned')));
  });

  it('retention.ms deletes nothing of a compact-only topic, but does with "compact,delete"', async () => {
    for (const [name, policy] of [
      ['only', 'compact'],
      ['both', 'compact,delete'],
    ]) {
      await m.createTopic(name, 1, { 'cleanup.policy': policy, 'segment.bytes': '300', 'retention.ms': '1000' });
      for (let i = 0; i < 10; i++) append(m, name, 0, batch([kv(`k${i}`, 'x'.repeat(80), h.clock.now() - 10_000)]));
    }
    m.enforceRetention();
    assert.strictEqual(m.partitionInfo('only', 0).logStartOffset, 0);
    assert.ok(m.partitionInfo('both', 0).logStartOffset > 0);
  });

  it('a tombstone exactly delete.retention.ms old is kept; one millisecond later it is dropped', async () => {
    await m.createTopic('c', 1, { ...COMPACT, 'delete.retention.ms': '60000' });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('b', '2', t)]));
    append(m, 'c', 0, batch([kv('a', null, t)]));
    append(m, 'c', 0, batch([kv('c', '3', t)]));
    h.clock.advance(60_000);
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(m), ['1 b=2', '2 a=∅', '3 c=3'], 'exactly 60 000 ms old: still there');
    h.clock.advance(1);
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(m), ['1 b=2', '3 c=3']);
  });

  it('min.compaction.lag.ms: a segment whose newest record is exactly that old is cleaned, a younger one is not', async () => {
    await m.createTopic('c', 1, { ...COMPACT, 'min.compaction.lag.ms': '10000' });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t - 1), kv('a', '2', t - 1)]));
    append(m, 'c', 0, batch([kv('b', '3', t)]));
    h.clock.advance(10_000); // the first batch is now 10 001 ms old, the second 10 000 ms
    // compactTopic rolls the active segment first: both batches are in one closed segment, newest t.
    const [stats] = await m.compactTopic('c');
    assert.strictEqual(stats.segmentsCleaned, 1, 'newest record exactly 10 000 ms old: cleanable');
    assert.deepStrictEqual(contents(m), ['1 a=2', '2 b=3']);
    append(m, 'c', 0, batch([kv('b', '4', h.clock.now()), kv('b', '5', h.clock.now())]));
    h.clock.advance(9_999);
    await m.compactTopic('c');
    // The older segment is cleaned again (b=3 is superseded); the one 9 999 ms old is held back whole: b=4 stays.
    assert.deepStrictEqual(contents(m), ['1 a=2', '3 b=4', '4 b=5']);
    h.clock.advance(1);
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(m), ['1 a=2', '4 b=5']);
  });

  it('refuses to compact a topic whose policy is delete, naming the setting', async () => {
    await m.createTopic('plain', 1);
    await assert.rejects(
      m.compactTopic('plain'),
      isKafkaError(ErrorCode.INVALID_CONFIG, /cleanup\.policy=delete; set it to "compact"/),
    );
  });
});
