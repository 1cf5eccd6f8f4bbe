// The aborted-transaction index (src/broker/storage/txn-index.ts): Kafka's 34-byte entries in the .txnindex of the
// segment holding the ABORT marker, found across segments by a read, removed with their segment, and treated as
// derived data: a missing, torn or wrong index is rebuilt from the log on open, and `kafka-lite verify` reports it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Broker } from '../../../../src/broker/broker';
import { parseTxnIndex, txnIndexFileName } from '../../../../src/broker/storage/txn-index';
import { verifyDataDir } from '../../../../src/broker/storage/verify';
import type { TxnBroker } from './txn-helpers';
import { committedValues, crash, mark, openTxnBroker, txnSend, txnTempDir } from './txn-helpers';

const TP = { topic: 't', partition: 0 };

describe('storage: the aborted-transaction index (.txnindex)', () => {
  let dir: string;
  let t: TxnBroker;
  let broker: Broker;
  const partDir = () => path.join(dir, 'topics', 't-0');
  const indexFile = (base: number) => path.join(partDir(), txnIndexFileName(base));
  const segmentBases = () =>
    fs
      .readdirSync(partDir())
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(f.slice(0, 20)));

  beforeEach(async () => {
    dir = txnTempDir();
    t = await openTxnBroker(dir);
    broker = t.broker;
  });
  afterEach(async () => {
    if (!broker.isClosed) await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Two aborted and one committed transaction over several small segments. */
  async function history(): Promise<void> {
    await broker.createTopic('t', 1, { 'segment.bytes': '300' });
    await txnSend(broker, 't', 0, 1, 0, ['a1', 'a2']);
    await txnSend(broker, 't', 0, 2, 0, ['b1']);
    await mark(broker, 1, 0, false, [TP]);
    await txnSend(broker, 't', 0, 2, 0, ['b2']);
    await mark(broker, 2, 0, true, [TP]);
    await txnSend(broker, 't', 0, 1, 0, ['a3']);
    await mark(broker, 1, 0, false, [TP]);
    await broker.produce('t', [{ value: 'last' }], { partition: 0 });
  }

  it('an ABORT writes one 34-byte entry (version, producer id, first, last, last stable offset) to its segment', async () => {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 42, 1, ['x', 'y']); // 0-1
    await mark(broker, 42, 1, false, [TP]); // 2
    const bytes = fs.readFileSync(indexFile(0));
    assert.strictEqual(bytes.length, 34);
    assert.strictEqual(bytes.readInt16BE(0), 0, 'version 0');
    assert.deepStrictEqual(
      [2, 10, 18, 26].map((p) => Number(bytes.readBigInt64BE(p))),
      [42, 0, 2, 3],
      'producer 42, first offset 0, marker at 2, last stable offset 3',
    );
    await mark(broker, 42, 1, true, [TP]);
    assert.strictEqual(fs.readFileSync(indexFile(0)).length, 34, 'a COMMIT adds no entry');
  });

  it('each segment indexes the markers it holds; a read finds a transaction that spans segments', async () => {
    await history();
    const bases = segmentBases();
    assert.ok(bases.length >= 3, `several segments (${bases.length})`);
    for (const base of bases) assert.ok(fs.existsSync(indexFile(base)), `segment ${base} has a .txnindex`);
    const all = bases.flatMap((b) => parseTxnIndex(fs.readFileSync(indexFile(b))).entries);
    assert.deepStrictEqual(
      all.map((e) => [e.producerId, e.firstOffset, e.lastOffset]),
      [
        [1, 0, 3],
        [1, 6, 7],
      ],
    );
    assert.deepStrictEqual(all[0].lastStableOffset, 2, "producer 2's transaction was open when producer 1 aborted");
    // A read from offset 1 to 2 still learns about producer 1's abort, whose marker is later.
    assert.deepStrictEqual(
      broker.abortedTransactions('t', 0, 1, 2).map((a) => a.producerId),
      [1],
    );
    assert.deepStrictEqual(committedValues(broker, 't', 0), ['b1', 'b2', 'last']);
  });

  it('segments removed by DeleteRecords take their .txnindex and its entries with them', async () => {
    await history();
    const bases = segmentBases();
    const firstMarkerSegment = bases.filter((b) => b <= 3).pop()!;
    broker.deleteRecords('t', 0, 5);
    assert.ok(!fs.existsSync(indexFile(firstMarkerSegment)), 'the index of the removed segment is gone');
    assert.deepStrictEqual(
      broker.abortedTransactions('t', 0, 5, 100).map((e) => e.lastOffset),
      [7],
    );
  });

  it('retention deletes old segments with their .txnindex; an open transaction keeps the LSO at the log start', async () => {
    await broker.createTopic('r', 1, { 'segment.bytes': '300', 'retention.ms': '1000' });
    const rp = { topic: 'r', partition: 0 };
    await txnSend(broker, 'r', 0, 1, 0, ['old1', 'old2']);
    await mark(broker, 1, 0, false, [rp]);
    await txnSend(broker, 'r', 0, 2, 0, ['open1']); // never ended
    const rDir = path.join(dir, 'topics', 'r-0');
    const before = fs.readdirSync(rDir).filter((f) => f.endsWith('.txnindex'));
    t.clock.advance(5000);
    await broker.produce('r', [{ value: 'new' }], { partition: 0 });
    broker.logs.enforceRetention();
    const info = broker.partitionInfo('r', 0);
    assert.ok(info.logStartOffset > 0, 'old segments went');
    const after = fs.readdirSync(rDir).filter((f) => f.endsWith('.txnindex'));
    assert.ok(
      before.some((f) => !after.includes(f)),
      `the index files of deleted segments went (${before.join()} -> ${after.join()})`,
    );
    for (const f of after) assert.ok(fs.existsSync(path.join(rDir, f.replace('.txnindex', '.log'))));
    assert.deepStrictEqual(broker.abortedTransactions('r', 0, info.logStartOffset, info.logEndOffset), []);
    assert.strictEqual(info.lastStableOffset, info.logStartOffset, 'the open transaction began before the log start');
  });

  for (const [name, damage] of [
    ['missing', (f: string) => fs.rmSync(f)],
    ['torn', (f: string) => fs.truncateSync(f, 20)],
    [
      'naming no marker',
      (f: string) => {
        const b = fs.readFileSync(f);
        b.writeBigInt64BE(1n, 18); // lastOffset 1: a data batch, not an ABORT marker
        fs.writeFileSync(f, b);
      },
    ],
    [
      'of another version',
      (f: string) => {
        const b = fs.readFileSync(f);
        b.writeInt16BE(7, 0);
        fs.writeFileSync(f, b);
      },
    ],
  ] as const) {
    it(`a .txnindex ${name} is rebuilt from the log on open, with the entries it should hold`, async () => {
      await history();
      const expected = segmentBases().map((b) => fs.readFileSync(indexFile(b)));
      const damaged = segmentBases().find((b) => fs.readFileSync(indexFile(b)).length > 0)!;
      await broker.close();
      damage(indexFile(damaged));
      const report = await verifyDataDir(dir);
      assert.ok(!report.ok, 'verify reports the damage');
      assert.ok(
        report.partitions[0].problems.some((p) => p.file.endsWith('.txnindex')),
        JSON.stringify(report.partitions[0].problems),
      );
      t = await openTxnBroker(dir);
      broker = t.broker;
      assert.strictEqual(committedValues(broker, 't', 0).length, 3, 'reading opens the partition');
      assert.ok(
        t.logs.some((l) => /aborted-transaction index/.test(l)),
        t.logs.join('\n'),
      );
      assert.deepStrictEqual(
        segmentBases().map((b) => fs.readFileSync(indexFile(b))),
        expected,
        'the files are as the marker writes left them',
      );
      await broker.close();
      assert.ok((await verifyDataDir(dir)).ok);
    });
  }

  it('after a crash, an ABORT in the unflushed tail whose entry was lost is put back in the index', async () => {
    await history();
    const bases = segmentBases();
    const last = bases[bases.length - 1];
    const withEntry = bases.filter((b) => fs.readFileSync(indexFile(b)).length > 0).pop()!;
    const expected = fs.readFileSync(indexFile(withEntry));
    await crash(broker);
    fs.truncateSync(indexFile(withEntry), 0); // as if the entry had never reached the disk
    // No recovery point: every segment is unflushed (checked batch by batch).
    fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n');
    t = await openTxnBroker(dir, t.clock);
    broker = t.broker;
    assert.ok(
      t.logs.some((l) => /unflushed ABORT marker/.test(l)),
      t.logs.join('\n'),
    );
    assert.deepStrictEqual(fs.readFileSync(indexFile(withEntry)), expected);
    assert.ok(segmentBases().includes(last));
    assert.deepStrictEqual(committedValues(broker, 't', 0), ['b1', 'b2', 'last']);
  });

  it('verify calls an entry whose ABORT marker was torn off an unflushed tail unflushed, not damage', async () => {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 1, 0, ['a']);
    const log = path.join(partDir(), '00000000000000000000.log');
    const beforeMarker = fs.statSync(log).size;
    await mark(broker, 1, 0, false, [TP]);
    await crash(broker);
    fs.truncateSync(log, beforeMarker + 20); // the marker never fully reached the disk
    fs.writeFileSync(
      path.join(dir, 'recovery-point-offset-checkpoint'),
      `kafka-lite-checkpoint v1\nt 0 0 ${beforeMarker}\n`,
    );
    const report = await verifyDataDir(dir);
    const txn = report.partitions[0].problems.filter((p) => p.file.endsWith('.txnindex'));
    assert.strictEqual(txn.length, 1, JSON.stringify(report.partitions[0].problems));
    assert.strictEqual(txn[0].severity, 'unflushed');
    assert.match(txn[0].message, /outside the segment/);
    assert.ok(report.ok, 'nothing acknowledged is damaged');
    t = await openTxnBroker(dir, t.clock);
    broker = t.broker;
    assert.strictEqual(broker.lastStableOffset('t', 0), 0, 'the cut marker reopened the transaction');
    assert.deepStrictEqual(broker.abortedTransactions('t', 0, 0, 10), []);
  });

  it('after a compaction rewrote the index, a new ABORT is found beside the one the cleaner kept', async () => {
    await broker.createTopic('c', 1, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0' });
    const cp = { topic: 'c', partition: 0 };
    await txnSend(broker, 'c', 0, 1, 0, ['x']); // 0
    await mark(broker, 1, 0, false, [cp]); // 1
    await broker.produce('c', [{ key: 'k', value: 'plain' }], { partition: 0 }); // 2
    await broker.compactTopic('c');
    assert.deepStrictEqual(
      broker.abortedTransactions('c', 0, 0, 10).map((a) => a.lastOffset),
      [1],
    );
    await txnSend(broker, 'c', 0, 2, 0, ['y']);
    await mark(broker, 2, 0, false, [cp]);
    const end = broker.partitionInfo('c', 0).logEndOffset;
    assert.deepStrictEqual(
      broker.abortedTransactions('c', 0, 0, end).map((a) => [a.producerId, a.lastOffset]),
      [
        [1, 1],
        [2, end - 1],
      ],
    );
  });

  it('an entry naming an offset the cleaner removed, just before an ABORT of its producer, is not trusted on open', async () => {
    await broker.createTopic('c', 1, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0' });
    const cp = { topic: 'c', partition: 0 };
    await txnSend(broker, 'c', 0, 1, 0, ['x']); // 0: aborted data, removed by the cleaner
    await mark(broker, 1, 0, false, [cp]); // 1: kept for delete.retention.ms
    await broker.produce('c', [{ key: 'k', value: 'plain' }], { partition: 0 }); // 2
    await broker.compactTopic('c');
    assert.deepStrictEqual(
      broker.readRecords('c', 0, 0, 10).map((r) => r.offset),
      [1, 2],
      'offset 0 is a gap now',
    );
    await broker.close();
    const file = path.join(dir, 'topics', 'c-0', txnIndexFileName(0));
    const b = fs.readFileSync(file);
    assert.strictEqual(b.length, 34);
    b.writeBigInt64BE(0n, 10); // first offset 0 and
    b.writeBigInt64BE(0n, 18); // the marker "at" offset 0: the batch found for it is the ABORT at 1
    fs.writeFileSync(file, b);
    t = await openTxnBroker(dir);
    broker = t.broker;
    assert.deepStrictEqual(
      broker.abortedTransactions('c', 0, 0, 10).map((a) => [a.producerId, a.lastOffset]),
      [[1, 1]],
    );
    assert.ok(
      t.logs.some((l) => /aborted-transaction index/.test(l)),
      t.logs.join('\n'),
    );
  });

  it('verify finds nothing wrong with the index of a healthy folder, and opening it rebuilds nothing', async () => {
    await history();
    await broker.close();
    const report = await verifyDataDir(dir);
    assert.ok(report.ok, JSON.stringify(report.partitions[0].problems));
    assert.deepStrictEqual(report.partitions[0].problems, []);
    t = await openTxnBroker(dir);
    broker = t.broker;
    committedValues(broker, 't', 0);
    assert.ok(!t.logs.some((l) => /aborted-transaction index/.test(l)), t.logs.join('\n'));
  });
});
