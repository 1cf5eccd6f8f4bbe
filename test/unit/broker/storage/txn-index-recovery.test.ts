// The aborted-transaction index across restarts (src/broker/storage/txn-index.ts, PartitionTxnIndexes.open/append):
// entries loaded from disk answer reads and are extended by new ABORTs; after a crash the entries past the
// recovery point are checked one by one against the ABORT markers the log holds there, and the last entry before
// it against its marker; an intact index is kept as it is, a lost or wrong entry makes the index rebuilt from the
// log; an index write that fails never leaves a file that is trusted while it misses an entry.
import * as assert from 'assert';
import fs from 'fs';
import * as path from 'path';
import type { Broker } from '../../../../src/broker/broker';
import { parseTxnIndex, txnIndexFileName } from '../../../../src/broker/storage/txn-index';
import type { TxnBroker } from './txn-helpers';
import { committedValues, crash, mark, openTxnBroker, txnSend, txnTempDir } from './txn-helpers';

const TP = { topic: 't', partition: 0 };

describe('storage: the aborted-transaction index across restarts and crashes', () => {
  let dir: string;
  let t: TxnBroker;
  let broker: Broker;
  const partDir = () => path.join(dir, 'topics', 't-0');
  const indexFile = (base = 0) => path.join(partDir(), txnIndexFileName(base));
  const logSize = () => fs.statSync(path.join(partDir(), '00000000000000000000.log')).size;
  const entriesOnDisk = (base = 0) =>
    parseTxnIndex(fs.readFileSync(indexFile(base))).entries.map((e) => [e.producerId, e.firstOffset, e.lastOffset]);
  const aborted = (from = 0, upper = 100) =>
    broker.abortedTransactions('t', 0, from, upper).map((e) => [e.producerId, e.firstOffset, e.lastOffset]);
  const indexLogs = () => t.logs.filter((l) => /aborted-transaction index/.test(l));

  beforeEach(async () => {
    dir = txnTempDir();
    t = await openTxnBroker(dir);
    broker = t.broker;
  });
  afterEach(async () => {
    if (!broker.isClosed) await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function reopen(): Promise<void> {
    t = await openTxnBroker(dir, t.clock);
    broker = t.broker;
    committedValues(broker, 't', 0); // a read opens the partition
  }

  /** Reopen after a crash whose recovery point is byte `position` of the (only) segment. */
  async function reopenAfterCrash(position: number, damage?: (b: Buffer) => Buffer): Promise<void> {
    await crash(broker);
    if (damage) fs.writeFileSync(indexFile(), damage(fs.readFileSync(indexFile())));
    fs.writeFileSync(
      path.join(dir, 'recovery-point-offset-checkpoint'),
      `kafka-lite-checkpoint v1\nt 0 0 ${position}\n`,
    );
    await reopen();
  }

  /**
   * One segment: p1 data 0, p2 data 1, ABORT p1 2, COMMIT p2 3, p3 data 4, ABORT p3 5. Returns byte positions:
   * of the ABORT of p1, of p3's data (after the COMMIT), of the ABORT of p3, and the end.
   */
  async function oneSegment(): Promise<{ abort1: number; afterCommit: number; abort3: number; end: number }> {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 1, 0, ['a']);
    await txnSend(broker, 't', 0, 2, 0, ['b']);
    const abort1 = logSize();
    await mark(broker, 1, 0, false, [TP]);
    await mark(broker, 2, 0, true, [TP]);
    const afterCommit = logSize();
    await txnSend(broker, 't', 0, 3, 0, ['c']);
    const abort3 = logSize();
    await mark(broker, 3, 0, false, [TP]);
    assert.deepStrictEqual(entriesOnDisk(), [
      [1, 0, 2],
      [3, 4, 5],
    ]);
    return { abort1, afterCommit, abort3, end: logSize() };
  }

  /** Entry `i` of the index file: its producer id or marker (last) offset rewritten. */
  const setProducer = (i: number, pid: number) => (b: Buffer) => (b.writeBigInt64BE(BigInt(pid), i * 34 + 2), b);
  const setLast = (i: number, offset: number) => (b: Buffer) => (b.writeBigInt64BE(BigInt(offset), i * 34 + 18), b);

  it('after a clean restart the entries loaded from disk answer reads, and a new ABORT in the same segment adds to them', async () => {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 1, 0, ['a']); // 0
    await mark(broker, 1, 0, false, [TP]); // 1
    await broker.close();
    await reopen();
    assert.deepStrictEqual(aborted(), [[1, 0, 1]], 'the entry read from the file');
    await txnSend(broker, 't', 0, 2, 0, ['b']); // 2
    await mark(broker, 2, 0, false, [TP]); // 3
    assert.deepStrictEqual(aborted(), [
      [1, 0, 1],
      [2, 2, 3],
    ]);
    await txnSend(broker, 't', 0, 1, 1, ['c']); // 4 (a new epoch: this broker's sequences start again)
    await mark(broker, 1, 1, false, [TP]); // 5
    assert.deepStrictEqual(aborted(), [
      [1, 0, 1],
      [2, 2, 3],
      [1, 4, 5],
    ]);
    assert.deepStrictEqual(entriesOnDisk(), aborted());
    assert.deepStrictEqual(committedValues(broker, 't', 0), []);
  });

  it('after a crash, an intact index whose markers (ABORT and COMMIT) lie past the recovery point is kept', async () => {
    const at = await oneSegment();
    const inode = fs.statSync(indexFile()).ino;
    for (const position of [0, at.abort1, at.afterCommit, at.abort3, at.end]) {
      await reopenAfterCrash(position);
      assert.deepStrictEqual(indexLogs(), [], `recovery point at byte ${position}: nothing rebuilt`);
      assert.deepStrictEqual(aborted(), [
        [1, 0, 2],
        [3, 4, 5],
      ]);
    }
    assert.strictEqual(fs.statSync(indexFile()).ino, inode, 'the file was never replaced');
    assert.deepStrictEqual(committedValues(broker, 't', 0), ['b']);
  });

  it('a clean open of a healthy index leaves its file in place (it is not rewritten)', async () => {
    await oneSegment();
    const inode = fs.statSync(indexFile()).ino;
    await broker.close();
    await reopen();
    assert.deepStrictEqual(indexLogs(), []);
    assert.strictEqual(fs.statSync(indexFile()).ino, inode);
  });

  it('an entry pointing at a COMMIT marker of its producer is not trusted: the index is rebuilt on open', async () => {
    await oneSegment();
    await broker.close();
    const b = fs.readFileSync(indexFile());
    // The last entry names producer 2's COMMIT at offset 3 (first offset 1): well-formed, but not an ABORT.
    b.writeBigInt64BE(2n, 34 + 2);
    b.writeBigInt64BE(1n, 34 + 10);
    b.writeBigInt64BE(3n, 34 + 18);
    fs.writeFileSync(indexFile(), b);
    await reopen();
    assert.strictEqual(indexLogs().length, 1, t.logs.join('\n'));
    assert.deepStrictEqual(aborted(), [
      [1, 0, 2],
      [3, 4, 5],
    ]);
  });

  it('a read from exactly an ABORT marker learns of its transaction; one that ends where a transaction starts does not', async () => {
    await oneSegment();
    assert.deepStrictEqual(aborted(2, 3), [[1, 0, 2]], 'from the marker offset itself');
    assert.deepStrictEqual(aborted(3, 4), [], "producer 3's transaction starts at 4, the end of the range");
    assert.deepStrictEqual(aborted(0, 4), [[1, 0, 2]]);
    assert.deepStrictEqual(aborted(3, 5), [[3, 4, 5]]);
  });

  it('the index rebuilt from the log holds what the marker writes recorded: producer id 0, interleaved and idempotent producers', async () => {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 0, 0, ['p0-1']); // 0
    await broker.produce('t', [{ value: 'idem' }], {
      partition: 0,
      producer: { producerId: 5, producerEpoch: 0, baseSequence: 0 },
    }); // 1: idempotent, not transactional
    await txnSend(broker, 't', 0, 7, 0, ['p7']); // 2
    await txnSend(broker, 't', 0, 8, 0, ['p8']); // 3
    await txnSend(broker, 't', 0, 0, 0, ['p0-2']); // 4: producer 0's second batch
    await mark(broker, 0, 0, false, [TP]); // 5
    await mark(broker, 8, 0, false, [TP]); // 6
    await mark(broker, 7, 0, false, [TP]); // 7
    const written = broker.abortedTransactions('t', 0, 0, 100);
    assert.deepStrictEqual(written, [
      { producerId: 0, firstOffset: 0, lastOffset: 5, lastStableOffset: 2 },
      { producerId: 8, firstOffset: 3, lastOffset: 6, lastStableOffset: 2 },
      { producerId: 7, firstOffset: 2, lastOffset: 7, lastStableOffset: 8 },
    ]);
    await broker.close();
    fs.rmSync(indexFile());
    await reopen();
    assert.strictEqual(indexLogs().length, 1, t.logs.join('\n'));
    assert.deepStrictEqual(broker.abortedTransactions('t', 0, 0, 100), written);
    assert.deepStrictEqual(committedValues(broker, 't', 0), ['idem']);
  });

  it('after a crash, a lost entry in a segment after the one holding the recovery point is found', async () => {
    await broker.createTopic('t', 1, { 'segment.bytes': '300' });
    await txnSend(broker, 't', 0, 1, 0, ['x']);
    const segments = () => fs.readdirSync(partDir()).filter((f) => f.endsWith('.log')).length;
    for (let i = 0; segments() < 2; i++) await broker.produce('t', [{ value: `plain-${i}` }], { partition: 0 });
    const bases = fs
      .readdirSync(partDir())
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    await mark(broker, 1, 0, false, [TP]); // the second segment's second batch, early in it
    const firstSize = fs.statSync(path.join(partDir(), '00000000000000000000.log')).size;
    assert.deepStrictEqual(entriesOnDisk(bases[1]), [[1, 0, bases[1] + 1]]);
    await crash(broker);
    fs.truncateSync(indexFile(bases[1]), 0);
    fs.writeFileSync(
      path.join(dir, 'recovery-point-offset-checkpoint'),
      `kafka-lite-checkpoint v1\nt 0 0 ${firstSize}\n`,
    );
    await reopen();
    assert.strictEqual(indexLogs().length, 1, t.logs.join('\n'));
    assert.deepStrictEqual(aborted(), [[1, 0, bases[1] + 1]]);
    assert.deepStrictEqual(entriesOnDisk(bases[1]), aborted());
  });

  it('an append over a half-written entry at the end of the file overwrites it: the file holds whole entries', async () => {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 1, 0, ['a']); // 0
    await mark(broker, 1, 0, false, [TP]); // 1
    fs.appendFileSync(indexFile(), Buffer.alloc(20, 0xff));
    await txnSend(broker, 't', 0, 2, 0, ['b']); // 2
    await mark(broker, 2, 0, false, [TP]); // 3
    const { entries, problem } = parseTxnIndex(fs.readFileSync(indexFile()));
    assert.strictEqual(problem, '');
    assert.deepStrictEqual(
      entries.map((e) => [e.producerId, e.firstOffset, e.lastOffset]),
      [
        [1, 0, 1],
        [2, 2, 3],
      ],
    );
  });

  /** Run `f` while every fsync fails (the log's appends do not fsync; the index's entry write does). */
  async function withFailingFsync<T>(f: () => Promise<T>): Promise<T> {
    const fsync = fs.fsyncSync;
    fs.fsyncSync = () => {
      const e = new Error('EIO: i/o error, fsync') as NodeJS.ErrnoException;
      e.code = 'EIO';
      throw e;
    };
    try {
      return await f();
    } finally {
      fs.fsyncSync = fsync;
    }
  }

  it('a failed index write keeps the entry for reads and removes the file, so the next open rebuilds it, also after later ABORTs', async () => {
    await broker.createTopic('t', 1);
    await txnSend(broker, 't', 0, 1, 0, ['a']); // 0
    assert.deepStrictEqual(await withFailingFsync(() => mark(broker, 1, 0, false, [TP])), [0]); // 1
    assert.ok(!fs.existsSync(indexFile()), 'the file that may miss the entry is gone');
    assert.deepStrictEqual(aborted(), [[1, 0, 1]], 'the entry is kept in memory');
    await txnSend(broker, 't', 0, 2, 0, ['b']); // 2
    assert.deepStrictEqual(await mark(broker, 2, 0, false, [TP]), [0]); // 3
    const expected = [
      [1, 0, 1],
      [2, 2, 3],
    ];
    assert.deepStrictEqual(aborted(), expected);
    assert.deepStrictEqual(entriesOnDisk(), expected, 'the next ABORT writes the file again, with every entry');
    await broker.close();
    await reopen();
    assert.deepStrictEqual(aborted(), expected, 'no ABORT is forgotten across the restart');
    assert.deepStrictEqual(committedValues(broker, 't', 0), []);
  });

  it('a segment whose index file a failed write removed can still be deleted by DeleteRecords', async () => {
    await broker.createTopic('t', 1, { 'segment.bytes': '300' });
    await txnSend(broker, 't', 0, 1, 0, ['a']); // 0
    await withFailingFsync(() => mark(broker, 1, 0, false, [TP])); // 1
    assert.ok(!fs.existsSync(indexFile()));
    const segments = () => fs.readdirSync(partDir()).filter((f) => f.endsWith('.log')).length;
    for (let i = 0; segments() < 2; i++) await broker.produce('t', [{ value: `plain-${i}` }], { partition: 0 });
    const end = broker.partitionInfo('t', 0).logEndOffset;
    broker.deleteRecords('t', 0, end);
    assert.ok(!fs.existsSync(path.join(partDir(), '00000000000000000000.log')), 'the first segment went');
    assert.deepStrictEqual(aborted(end, end + 10), []);
  });

  for (const [name, position, damage] of [
    ['the entry of an unflushed ABORT lost', 'afterCommit', (b: Buffer) => b.subarray(0, 34)],
    ['an unflushed entry naming another producer', 'abort1', setProducer(1, 9)],
    ['an unflushed entry pointing at a data batch', 'abort1', setLast(1, 4)],
    ['the last flushed entry naming another producer (unflushed ABORT after it)', 'afterCommit', setProducer(0, 9)],
    ['the last flushed entry naming another producer (an ABORT right at the point)', 'abort3', setProducer(0, 9)],
    ['the last flushed entry naming another producer (nothing unflushed)', 'end', setProducer(1, 9)],
  ] as const) {
    it(`after a crash, ${name} is found and the index rebuilt from the log`, async () => {
      const at = await oneSegment();
      await reopenAfterCrash(at[position], damage);
      assert.strictEqual(indexLogs().length, 1, t.logs.join('\n'));
      assert.deepStrictEqual(entriesOnDisk(), [
        [1, 0, 2],
        [3, 4, 5],
      ]);
      assert.deepStrictEqual(aborted(), entriesOnDisk());
    });
  }
});
