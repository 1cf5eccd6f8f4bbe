// Open transactions in the producer state (src/broker/producers/producer-state.ts) across restarts: kept in the
// snapshot after a clean shutdown, rebuilt by scanning the log after a crash (transactional data opens a
// transaction, a control batch closes it): after a crash between the data and the marker, after some markers of a
// transaction, and when recovery cuts a marker off the tail.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { TxnBroker } from '../storage/txn-helpers';
import { committedValues, crash, mark, openTxnBroker, txnSend, txnTempDir } from '../storage/txn-helpers';

describe('producer state: open transactions survive restarts', () => {
  let dir: string;
  let t: TxnBroker;

  beforeEach(async () => {
    dir = txnTempDir();
    t = await openTxnBroker(dir);
    await t.broker.createTopic('t', 2);
  });
  afterEach(async () => {
    if (!t.broker.isClosed) await t.broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reopen = async () => {
    t = await openTxnBroker(dir, t.clock);
  };

  it('a clean restart keeps an open transaction open (from the snapshot) and its marker then ends it', async () => {
    await t.broker.produce('t', [{ value: 'before' }], { partition: 0 });
    await txnSend(t.broker, 't', 0, 1, 0, ['open']);
    await t.broker.close();
    const snap = JSON.parse(fs.readFileSync(path.join(dir, 'meta', 'producer-state.json'), 'utf8'));
    const entry = snap.partitions.find((p: { partition: number }) => p.partition === 0).producers[0];
    assert.strictEqual(entry.txnFirstOffset, 1, 'the snapshot records the open transaction');
    await reopen();
    assert.strictEqual(t.broker.lastStableOffset('t', 0), 1);
    assert.deepStrictEqual(t.broker.openTransactions('t', 0), [{ producerId: 1, producerEpoch: 0, firstOffset: 1 }]);
    await mark(t.broker, 1, 0, true, [{ topic: 't', partition: 0 }]);
    assert.deepStrictEqual(committedValues(t.broker, 't', 0), ['before', 'open']);
  });

  it("a producer's last timestamp is its last batch's max timestamp, then its marker's; a clean restart and a crash keep it", async () => {
    const last = () => t.broker.producerState('t', 0).find((s) => s.producerId === 1)?.lastTimestamp;
    await t.broker.produce(
      't',
      [
        { value: 'a', timestamp: 5_000 },
        { value: 'b', timestamp: 9_000 },
        { value: 'c', timestamp: 7_000 },
      ],
      { partition: 0, producer: { producerId: 1, producerEpoch: 0, baseSequence: 0 }, transactionalId: 'tx-1' },
    );
    assert.strictEqual(last(), 9_000, 'the max timestamp of the batch');
    t.clock.advance(1234);
    await mark(t.broker, 1, 0, true, [{ topic: 't', partition: 0 }]);
    const markerTime = t.clock.now();
    assert.strictEqual(last(), markerTime, 'the marker is the last thing the producer wrote');
    await t.broker.close();
    await reopen();
    assert.strictEqual(last(), markerTime, 'kept in the snapshot');
    await t.broker.flush();
    await crash(t.broker);
    await reopen();
    assert.strictEqual(last(), markerTime, 'rebuilt from the log after a crash');
  });

  it('a crash between the data and the marker: the transaction is open again after recovery, and can be aborted', async () => {
    await txnSend(t.broker, 't', 0, 1, 0, ['a']);
    await txnSend(t.broker, 't', 0, 2, 0, ['b']);
    await mark(t.broker, 2, 0, true, [{ topic: 't', partition: 0 }]);
    await t.broker.flush();
    await crash(t.broker);
    assert.ok(!fs.existsSync(path.join(dir, '.clean-shutdown')));
    await reopen();
    assert.strictEqual(t.broker.lastStableOffset('t', 0), 0, "producer 1's transaction is still open");
    assert.deepStrictEqual(committedValues(t.broker, 't', 0), []);
    assert.deepStrictEqual(await mark(t.broker, 1, 0, false, [{ topic: 't', partition: 0 }]), [0]);
    assert.deepStrictEqual(committedValues(t.broker, 't', 0), ['b']);
    assert.deepStrictEqual(t.broker.abortedTransactions('t', 0, 0, 10), [
      { producerId: 1, firstOffset: 0, lastOffset: 3, lastStableOffset: 4 },
    ]);
  });

  it('a crash after some markers: the partitions marked are stable, the others wait for theirs', async () => {
    const p0 = { topic: 't', partition: 0 };
    const p1 = { topic: 't', partition: 1 };
    await txnSend(t.broker, 't', 0, 1, 0, ['x0']);
    await txnSend(t.broker, 't', 1, 1, 0, ['x1']);
    await mark(t.broker, 1, 0, false, [p0]);
    await crash(t.broker);
    await reopen();
    assert.strictEqual(t.broker.lastStableOffset('t', 0), 2, 'partition 0 has its ABORT');
    assert.strictEqual(t.broker.lastStableOffset('t', 1), 0, 'partition 1 still waits');
    assert.strictEqual(t.broker.abortedTransactions('t', 0, 0, 2).length, 1, 'the index entry survived');
    await mark(t.broker, 1, 0, false, [p1]);
    assert.strictEqual(t.broker.lastStableOffset('t', 1), 2);
    assert.deepStrictEqual(committedValues(t.broker, 't', 1), []);
  });

  it('a marker cut off the tail by recovery reopens its transaction, even with a newer snapshot', async () => {
    await txnSend(t.broker, 't', 0, 1, 0, ['a']);
    await mark(t.broker, 1, 0, false, [{ topic: 't', partition: 0 }]);
    await t.broker.producers.snapshot();
    const log = path.join(dir, 'topics', 't-0', '00000000000000000000.log');
    const markerSize = fs.statSync(log).size - t.broker.fetch('t', 0, 0, 1).records.length;
    await crash(t.broker);
    // The marker never reached the disk: it is cut to a torn tail.
    fs.truncateSync(log, fs.statSync(log).size - markerSize + 10);
    fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n');
    await reopen();
    assert.strictEqual(t.broker.partitionInfo('t', 0).logEndOffset, 1, 'recovery cut the torn marker');
    assert.strictEqual(t.broker.lastStableOffset('t', 0), 0, 'the transaction is open again');
    assert.deepStrictEqual(t.broker.abortedTransactions('t', 0, 0, 1), [], 'its index entry went with the marker');
  });
});
