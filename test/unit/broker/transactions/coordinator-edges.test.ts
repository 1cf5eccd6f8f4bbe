// The transaction coordinator at the edges of its rules: markers lost by a machine stop that cannot be written
// again at the next start (kept for the start after), partitions that are gone, writers that cannot tell a log end
// offset, markers whose flush fails, and the other corners the state machine tests do not reach (see
// coordinator.test.ts for the main paths). Every test asserts what a client or a restart sees: markers written,
// states, error codes, the lines of transactions.log.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnLogEntry } from '../../../../src/broker/transactions/transaction-log';
import {
  Allocator,
  coordinatorFixture,
  PartitionLikeMarkers,
  RecordingMarkers,
  rejectsWith,
  settle,
  tp,
} from './helpers';

describe('transaction coordinator at the edges of its rules', () => {
  const fixture = coordinatorFixture('kl-txn-edge-');
  const { start, forget, crashAndReopen } = fixture;
  const lines = (): TxnLogEntry[] =>
    fs
      .readFileSync(path.join(fixture.dir, 'transactions.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l.slice(9)) as TxnLogEntry);
  const lastLine = () => lines()[lines().length - 1];

  /** An aborted transaction over these partitions whose markers are appended but never flushed. */
  const abortedUnflushed = async (partitions: string[], markers = new PartitionLikeMarkers()) => {
    const first = await start({ markers, extra: { partitionExists: () => true } });
    const p = await first.coordinator.initProducerId('tx', 60000);
    await first.coordinator.addPartitions(
      'tx',
      p.producerId,
      p.producerEpoch,
      partitions.map((s) => tp(s.slice(0, s.lastIndexOf('-')), Number(s.slice(s.lastIndexOf('-') + 1)))),
    );
    await first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
    await first.coordinator.settled();
    await first.coordinator.durable();
    return { first, p };
  };

  describe('markers lost by a machine stop', () => {
    it('a lost marker that cannot be written again is kept for the next start; one whose partition is gone is dropped', async () => {
      const { first, p } = await abortedUnflushed(['orders-0', 'payments-0']);
      // both markers were at offset 0 and both logs are empty again: both lost
      const second = new PartitionLikeMarkers();
      second.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
      second.answers.set('payments-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const o2 = await crashAndReopen(first, { markers: second });
      assert.deepStrictEqual(
        second.calls.map((c) => [c.marker.commit, c.marker.producerId, c.partitions]),
        [[false, p.producerId, ['orders-0', 'payments-0']]],
      );
      assert.ok(
        o2.logs.some((l) =>
          /warn .*1 lost marker\(s\) of "tx" could not be written again; the next start tries again/.test(l),
        ),
        o2.logs.join('\n'),
      );
      assert.ok(
        o2.logs.some((l) =>
          /2 ABORT marker\(s\) of "tx" \(producer \d+ epoch 0\) were not on disk .*orders-0, payments-0/.test(l),
        ),
      );
      // before the flush: the failed marker and the original record (not durable yet), and no empty record
      await o2.coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual(
        lastLine().markers!.map((m) => m.partitions),
        [
          [['orders', 0, 0]],
          [
            ['orders', 0, 0],
            ['payments', 0, 0],
          ],
        ],
      );
      // once the flush made the rest durable, the id's next line lists only the marker that failed, not the one
      // whose partition is gone
      second.flushAll();
      await settle();
      await o2.coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual(lastLine().markers, [
        { producerId: p.producerId, producerEpoch: 0, commit: false, partitions: [['orders', 0, 0]] },
      ]);
      // the next start writes it again
      const third = new PartitionLikeMarkers();
      await crashAndReopen(o2, { markers: third });
      assert.deepStrictEqual(
        third.calls.map((c) => [c.marker.commit, c.marker.producerEpoch, c.partitions]),
        [[false, 0, ['orders-0']]],
      );
    });

    it('a writer that throws while writing lost markers again keeps them all for the next start', async () => {
      const { first, p } = await abortedUnflushed(['orders-0']);
      const throwing = new PartitionLikeMarkers();
      throwing.writeTxnMarkers = () => Promise.reject(new Error('disk gone'));
      const o2 = await crashAndReopen(first, { markers: throwing });
      assert.ok(o2.logs.some((l) => /warn transactions: could not write the lost markers of "tx": disk gone/.test(l)));
      throwing.flushAll();
      await settle();
      await o2.coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual(lastLine().markers, [
        { producerId: p.producerId, producerEpoch: 0, commit: false, partitions: [['orders', 0, 0]] },
      ]);
    });

    it('a marker written again is listed at its new offset until the flush makes it durable', async () => {
      const { first, p } = await abortedUnflushed(['orders-0']);
      // the restarted log ends before the marker, and the writer appends it again at offset 7
      const second = new PartitionLikeMarkers({ 'orders-0': 7 });
      second.logEndOffset = () => 0;
      const o2 = await crashAndReopen(first, { markers: second });
      assert.deepStrictEqual(
        second.calls.map((c) => c.partitions),
        [['orders-0']],
      );
      await o2.coordinator.initProducerId('tx', 60000);
      assert.ok(
        lastLine().markers!.some(
          (m) => m.producerId === p.producerId && JSON.stringify(m.partitions) === JSON.stringify([['orders', 0, 7]]),
        ),
        JSON.stringify(lastLine().markers),
      );
      second.flushAll();
      await settle();
      await o2.coordinator.initProducerId('tx', 60000);
      assert.strictEqual(lastLine().markers, undefined, 'durable now: no longer listed');
    });

    it('a partition that no longer exists (no log end offset) has nothing to rewrite; a marker past the log end is kept', async () => {
      const { first } = await abortedUnflushed(
        ['gone-0', 'orders-0', 'orders-1'],
        new PartitionLikeMarkers({ 'orders-1': 4 }),
      );
      // gone-0: no such topic any more; orders-0: marker at 0, log end 1 (kept); orders-1: marker at 4, end 4 (lost)
      const second = new PartitionLikeMarkers({ 'orders-0': 1, 'orders-1': 4 });
      await crashAndReopen(first, { markers: second });
      assert.deepStrictEqual(
        second.calls.map((c) => c.partitions),
        [['orders-1']],
      );
    });

    it('a restart where every unflushed marker reached the disk writes nothing and logs nothing about markers', async () => {
      const { first } = await abortedUnflushed(['orders-0', 'payments-0']);
      const second = new PartitionLikeMarkers({ 'orders-0': 1, 'payments-0': 1 });
      const o2 = await crashAndReopen(first, { markers: second });
      assert.deepStrictEqual(second.calls, []);
      assert.deepStrictEqual(
        o2.logs.filter((l) => /marker/.test(l)),
        [],
      );
    });

    it('a writer that cannot tell log end offsets gets every unflushed marker again', async () => {
      const { first } = await abortedUnflushed(['orders-0', 'payments-0'], new PartitionLikeMarkers({ 'orders-0': 9 }));
      const plain = new RecordingMarkers();
      await crashAndReopen(first, { markers: plain });
      assert.deepStrictEqual(
        plain.calls.map((c) => [c.marker.commit, c.partitions]),
        [[false, ['orders-0', 'payments-0']]],
      );
    });

    it('markers whose flush fails stay listed, with a warning, so a restart can write them again', async () => {
      const markers = new PartitionLikeMarkers();
      markers.whenDurable = () => Promise.reject(new Error('fsync failed'));
      const { first, p } = await abortedUnflushed(['orders-0'], markers);
      await settle();
      assert.ok(
        first.logs.some((l) =>
          /warn transactions: the markers of "tx" are not known durable \(fsync failed\); its state keeps them/.test(l),
        ),
        first.logs.join('\n'),
      );
      await first.coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual(lastLine().markers, [
        { producerId: p.producerId, producerEpoch: 0, commit: false, partitions: [['orders', 0, 0]] },
      ]);
    });
  });

  describe('pending offsets after a restart', () => {
    it("an open transaction keeps its own group's held offsets; the same producer's offsets of another group are dropped", async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'mine');
      const o = { topic: 'orders', partition: 0, offset: 3, metadata: null };
      await first.offsets.commitTxnOffsets('mine', p.producerId, 0, 'm', 1, [o]);
      await first.offsets.commitTxnOffsets('other', p.producerId, 0, 'm', 1, [o]);
      // another producer's held offsets of the same group are not the transaction's either
      await first.offsets.commitTxnOffsets('mine', p.producerId + 50, 0, 'm', 1, [{ ...o, partition: 1 }]);
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(second.offsets.pendingTxnPartitions('mine'), [{ topic: 'orders', partition: 0 }]);
      assert.deepStrictEqual(second.offsets.pendingTxnPartitions('other'), []);
      assert.strictEqual(
        second.logs.filter((l) => /pending a transaction the coordinator has no record of/.test(l)).length,
        2,
      );
      await second.coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      assert.strictEqual(second.offsets.fetch('mine', [{ topic: 'orders', partitions: [0] }])[0].offset, 3);
    });

    it('a completed transaction does not own the held offsets of its producer', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'g');
      await first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      await first.coordinator.settled();
      // offsets held after the abort (a late TxnOffsetCommit that reached the store): nobody owns them
      await first.offsets.commitTxnOffsets('g', p.producerId, 0, 'm', 1, [
        { topic: 'orders', partition: 2, offset: 8, metadata: null },
      ]);
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(second.offsets.pendingTxnPartitions('g'), []);
    });
  });

  describe('InitProducerId corners', () => {
    it("two InitProducerId calls for a new id at once: the second finds the first one's id busy, not a second producer id", async () => {
      const { coordinator } = await start();
      const [a, b] = await Promise.all([
        coordinator.initProducerId('tx', 60000),
        rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS),
      ]);
      assert.match(b.message, /InitProducerId for "tx": its previous transaction is still completing/);
      assert.deepStrictEqual(coordinator.list(), [{ transactionalId: 'tx', producerId: a.producerId, state: 'Empty' }]);
      const again = await coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual([again.producerId, again.producerEpoch], [a.producerId, 1]);
    });

    it('while a first InitProducerId waits for its line to be durable, another is CONCURRENT_TRANSACTIONS', async () => {
      let release!: () => void;
      const { coordinator } = await start({
        extra: { logSync: () => new Promise<void>((r) => (release = r)) },
      });
      const first = coordinator.initProducerId('tx', 60000);
      await settle();
      await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS);
      release();
      assert.strictEqual((await first).producerEpoch, 0);
    });

    it('the timeout must be a whole number of milliseconds', async () => {
      const { coordinator } = await start();
      await rejectsWith(coordinator.initProducerId('tx', 1.5), ErrorCode.INVALID_TRANSACTION_TIMEOUT);
      assert.strictEqual((await coordinator.initProducerId('tx', 1)).producerEpoch, 0, '1 ms is allowed');
    });

    it('a new producer of an id with an open transaction gets the epoch after the fence; the fence is logged', async () => {
      const { coordinator, markers, logs } = await start();
      const a = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', a.producerId, 0, [tp('orders', 0)]);
      const b = await coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual([b.producerId, b.producerEpoch], [a.producerId, 2]);
      assert.deepStrictEqual(
        markers.calls.map((c) => [c.marker.commit, c.marker.producerEpoch]),
        [[false, 1]],
      );
      assert.ok(
        logs.some((l) => /now belongs to producer \d+ epoch 2 \(was \d+ epoch 1, which is fenced\)/.test(l)),
        logs.join('\n'),
      );
    });

    it('a second InitProducerId while a fence writes its markers is CONCURRENT_TRANSACTIONS; the fencing one is answered after the abort', async () => {
      const markers = new RecordingMarkers();
      const { coordinator } = await start({ markers });
      const a = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', a.producerId, 0, [tp('orders', 0)]);
      const release = markers.holdAll();
      const fencing = coordinator.initProducerId('tx', 60000);
      await settle();
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareAbort');
      await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS);
      release();
      assert.strictEqual((await fencing).producerEpoch, 2);
    });
  });

  describe('InitProducerId naming the producer (v3+)', () => {
    it('a producer naming its own id and epoch while its transaction is open gets it aborted and the epoch after the fence', async () => {
      const { coordinator, markers } = await start();
      const a = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', a.producerId, 0, [tp('orders', 0)]);
      const b = await coordinator.initProducerId('tx', 60000, a);
      assert.deepStrictEqual(b, { producerId: a.producerId, producerEpoch: 2 });
      assert.deepStrictEqual(
        markers.calls.map((c) => [c.marker.commit, c.marker.producerEpoch]),
        [[false, 1]],
      );
    });

    it('naming another producer id while a transaction is open is PRODUCER_FENCED and leaves the transaction open', async () => {
      const { coordinator, markers } = await start();
      const a = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', a.producerId, 0, [tp('orders', 0)]);
      for (const producerEpoch of [0, 32766]) {
        const e = await rejectsWith(
          coordinator.initProducerId('tx', 60000, { producerId: a.producerId + 7, producerEpoch }),
          ErrorCode.PRODUCER_FENCED,
        );
        assert.match(
          e.message,
          new RegExp(
            `InitProducerId for "tx" named producer ${a.producerId + 7} epoch ${producerEpoch}, but the id now belongs to producer ${a.producerId} epoch 0: that producer was fenced`,
          ),
        );
      }
      assert.deepStrictEqual(markers.calls, []);
      assert.strictEqual(coordinator.describe('tx')!.state, 'Ongoing');
      assert.strictEqual(coordinator.verify('tx', a.producerId, 0, tp('orders', 0)), ErrorCode.NONE);
    });

    it('naming an epoch the id never had at epoch 0 is PRODUCER_FENCED; an id the coordinator does not know accepts any', async () => {
      const { coordinator } = await start();
      const fresh = await coordinator.initProducerId('tx', 60000, { producerId: 4242, producerEpoch: 9 });
      assert.strictEqual(fresh.producerEpoch, 0, 'a forgotten id starts again');
      const e = await rejectsWith(
        coordinator.initProducerId('tx', 60000, { producerId: fresh.producerId, producerEpoch: 3 }),
        ErrorCode.PRODUCER_FENCED,
      );
      assert.match(
        e.message,
        /InitProducerId for "tx" named epoch 3, but producer \d+ is at epoch 0: that producer was fenced/,
      );
    });
  });

  describe('requests while markers are outstanding', () => {
    /** An Ongoing transaction over orders-0 (and group g) whose markers then fail: it stays in Prepare*. */
    const stuck = async (commit: boolean) => {
      const o = await start({ extra: { markerRetryMs: 60_000 } });
      const p = await o.coordinator.initProducerId('tx', 60000);
      await o.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await o.coordinator.addOffsets('tx', p.producerId, 0, 'g');
      o.markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
      await o.coordinator.endTxn('tx', p.producerId, 0, commit);
      await o.coordinator.settled();
      return { ...o, p };
    };

    for (const commit of [true, false]) {
      const state = commit ? 'PrepareCommit' : 'PrepareAbort';
      it(`in ${state}: the same EndTxn again is CONCURRENT_TRANSACTIONS and retries the markers at once; the opposite is INVALID_TXN_STATE`, async () => {
        const { coordinator, markers, p } = await stuck(commit);
        assert.strictEqual(coordinator.describe('tx')!.state, state);
        const e = await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, !commit), ErrorCode.INVALID_TXN_STATE);
        assert.match(
          e.message,
          new RegExp(
            `^EndTxn\\(${commit ? 'abort' : 'commit'}\\) for "tx" in state ${state}: the transaction was already ${commit ? 'committed' : 'aborted'}$`,
          ),
        );
        assert.strictEqual(markers.calls.length, 1, 'no retry for a refused decision');
        markers.answers.clear();
        await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, commit), ErrorCode.CONCURRENT_TRANSACTIONS);
        await coordinator.settled();
        assert.strictEqual(markers.calls.length, 2, 'the retry ran now, not after markerRetryMs');
        assert.strictEqual(coordinator.describe('tx')!.state, commit ? 'CompleteCommit' : 'CompleteAbort');
      });
    }

    it('in PrepareCommit: offsets cannot be committed into the transaction, nor batches appended', async () => {
      const { coordinator, p } = await stuck(true);
      assert.strictEqual(coordinator.checkTxnOffsetCommit('tx', p.producerId, 0, 'g'), ErrorCode.INVALID_TXN_STATE);
      assert.strictEqual(coordinator.verify('tx', p.producerId, 0, tp('orders', 0)), ErrorCode.INVALID_TXN_STATE);
    });

    it('a new producer while the fence of the open transaction cannot write its markers is CONCURRENT_TRANSACTIONS', async () => {
      const { coordinator, markers } = await start({ extra: { markerRetryMs: 60_000 } });
      const a = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', a.producerId, 0, [tp('orders', 0)]);
      markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
      const e = await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS);
      assert.match(
        e.message,
        /InitProducerId for "tx": its previous transaction is still completing \(state PrepareAbort; 1 marker\(s\) and 0 group\(s\) still to write\); retry/,
      );
      const d = coordinator.describe('tx')!;
      assert.deepStrictEqual([d.state, d.producerEpoch, d.markersPending], ['PrepareAbort', 1, [tp('orders', 0)]]);
      markers.answers.clear();
      // the next attempt kicks the markers and, once they are written, is answered with the epoch after the fence
      await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS);
      await coordinator.settled();
      assert.strictEqual((await coordinator.initProducerId('tx', 60000)).producerEpoch, 2);
    });

    it('an abort by hand while markers are outstanding is CONCURRENT_TRANSACTIONS and retries them', async () => {
      const { coordinator, markers } = await stuck(true);
      markers.answers.clear();
      const e = await rejectsWith(coordinator.abortTransaction('tx'), ErrorCode.CONCURRENT_TRANSACTIONS);
      assert.match(e.message, /^an abort for "tx": its previous transaction is still completing \(state PrepareCommit/);
      await coordinator.settled();
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });

    it('an abort by hand while a marker round is in flight is CONCURRENT_TRANSACTIONS', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      const release = markers.holdAll();
      await coordinator.endTxn('tx', p.producerId, 0, true);
      await rejectsWith(coordinator.abortTransaction('tx'), ErrorCode.CONCURRENT_TRANSACTIONS);
      release();
      await coordinator.settled();
    });

    it('after a failed fdatasync of PrepareCommit, the file is rewritten durably before the first marker', async () => {
      let syncs = 0;
      const linesAtMarker: number[] = [];
      const markers = new RecordingMarkers();
      const write = markers.writeTxnMarkers.bind(markers);
      markers.writeTxnMarkers = (m, parts) => {
        linesAtMarker.push(lines().length);
        return write(m, parts);
      };
      const { coordinator, clock } = await start({
        markers,
        extra: {
          markerRetryMs: 100,
          logSync: () => (++syncs === 2 ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : Promise.resolve()),
        },
      });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      assert.strictEqual(lines().length, 2);
      await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, true), ErrorCode.KAFKA_STORAGE_ERROR);
      clock.advance(100);
      await coordinator.settled();
      assert.deepStrictEqual(linesAtMarker, [1], 'compacted to one line (PrepareCommit) before the marker');
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });
  });

  describe('what the admin side shows', () => {
    it('an id whose first InitProducerId is still allocating a producer id is neither listed nor described', async () => {
      let allocated!: (id: number) => void;
      const { coordinator } = await start({
        allocator: Object.assign(new Allocator(), {
          allocateProducerId: () => new Promise<number>((r) => (allocated = r)),
        }),
      });
      const init = coordinator.initProducerId('tx', 60000);
      await settle();
      assert.deepStrictEqual(coordinator.list(), []);
      assert.strictEqual(coordinator.describe('tx'), undefined);
      allocated(77);
      assert.deepStrictEqual(await init, { producerId: 77, producerEpoch: 0 });
      assert.deepStrictEqual(coordinator.list(), [{ transactionalId: 'tx', producerId: 77, state: 'Empty' }]);
    });

    it('list is sorted by id whatever the order of creation; a transaction open exactly minDurationMs is listed', async () => {
      const { coordinator, clock } = await start();
      for (const id of ['b', 'c', 'a']) await coordinator.initProducerId(id, 60000);
      assert.deepStrictEqual(
        coordinator.list().map((t) => t.transactionalId),
        ['a', 'b', 'c'],
      );
      const b = coordinator.describe('b')!;
      await coordinator.addPartitions('b', b.producerId, b.producerEpoch, [tp('orders', 0)]);
      clock.advance(250);
      assert.deepStrictEqual(
        coordinator.list({ states: ['Ongoing'], minDurationMs: 250 }).map((t) => t.transactionalId),
        ['b'],
      );
      assert.deepStrictEqual(coordinator.list({ states: ['Ongoing'], minDurationMs: 251 }), []);
    });

    it('describe lists the groups sorted', async () => {
      const { coordinator } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addOffsets('tx', p.producerId, 0, 'zeta');
      await coordinator.addOffsets('tx', p.producerId, 0, 'alpha');
      assert.deepStrictEqual(coordinator.describe('tx')!.groups, ['alpha', 'zeta']);
    });

    it("the admin abort's refusals name the id and the state", async () => {
      const { coordinator } = await start();
      const e1 = await rejectsWith(coordinator.abortTransaction('nope'), ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      assert.strictEqual(e1.message, 'there is no transactional id "nope"');
      await coordinator.initProducerId('tx', 60000);
      const e2 = await rejectsWith(coordinator.abortTransaction('tx'), ErrorCode.INVALID_TXN_STATE);
      assert.strictEqual(e2.message, '"tx" has no open transaction to abort (state Empty)');
    });
  });

  describe('error messages', () => {
    it('name the request, the id, the state and what was expected', async () => {
      const { coordinator } = await start();
      const e0 = await rejectsWith(coordinator.initProducerId('', 60000), ErrorCode.INVALID_REQUEST);
      assert.strictEqual(e0.message, 'a transactional id may not be the empty string');
      const p = await coordinator.initProducerId('tx', 60000);
      const other = p.producerId + 1;
      const e1 = await rejectsWith(
        coordinator.addPartitions('tx', other, 0, [tp('orders', 0)]),
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      );
      assert.strictEqual(
        e1.message,
        `AddPartitionsToTxn: transactional id "tx" belongs to producer ${p.producerId}, not ${other}`,
      );
      const e2 = await rejectsWith(coordinator.addOffsets('tx', other, 0, 'g'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      assert.match(e2.message, /^AddOffsetsToTxn: transactional id "tx" belongs to/);
      const e3 = await rejectsWith(coordinator.addOffsets('tx', p.producerId, 0, ''), ErrorCode.INVALID_GROUP_ID);
      assert.strictEqual(e3.message, 'the group id may not be empty');
      const e4 = await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, true), ErrorCode.INVALID_TXN_STATE);
      assert.strictEqual(
        e4.message,
        'EndTxn(commit) for "tx" in state Empty: no transaction is open (nothing was added to it)',
      );
      const e5 = await rejectsWith(coordinator.endTxn('tx', other, 0, false), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      assert.match(e5.message, /^EndTxn: transactional id "tx"/);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, 0, false);
      await coordinator.settled();
      const e6 = await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, true), ErrorCode.INVALID_TXN_STATE);
      assert.strictEqual(
        e6.message,
        'EndTxn(commit) for "tx" in state CompleteAbort: the transaction was already aborted',
      );
    });

    it('a busy id names the request that was refused', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      const release = markers.holdAll();
      await coordinator.endTxn('tx', p.producerId, 0, true);
      const e1 = await rejectsWith(
        coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 1)]),
        ErrorCode.CONCURRENT_TRANSACTIONS,
      );
      assert.match(
        e1.message,
        /^AddPartitionsToTxn for "tx": its previous transaction is still completing \(state PrepareCommit\); retry$/,
      );
      const e2 = await rejectsWith(
        coordinator.addOffsets('tx', p.producerId, 0, 'g'),
        ErrorCode.CONCURRENT_TRANSACTIONS,
      );
      assert.match(e2.message, /^AddOffsetsToTxn for "tx"/);
      release();
      await coordinator.settled();
    });
  });

  describe('a producer id allocation that fails', () => {
    it('at the end of the epoch range: the error is answered and the id works again afterwards', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.close();
      forget(first);
      const { encodeTxnLogLine } = await import('../../../../src/broker/transactions/transaction-log');
      fs.writeFileSync(
        path.join(fixture.dir, 'transactions.log'),
        encodeTxnLogLine({ ...lastLine(), producerEpoch: 32766 }),
      );
      let fail = true;
      const allocator = new Allocator();
      allocator.next = 9000;
      const allocate = allocator.allocateProducerId.bind(allocator);
      allocator.allocateProducerId = () => (fail ? Promise.reject(new Error('ids exhausted')) : allocate());
      const { coordinator } = await start({ allocator });
      await assert.rejects(coordinator.initProducerId('tx', 60000), /ids exhausted/);
      assert.deepStrictEqual(
        [coordinator.describe('tx')!.producerId, coordinator.describe('tx')!.producerEpoch],
        [p.producerId, 32766],
      );
      fail = false;
      assert.deepStrictEqual(await coordinator.initProducerId('tx', 60000), { producerId: 9000, producerEpoch: 0 });
    });

    it('while a new id is being allocated at the end of the epoch range, other requests for the id are CONCURRENT_TRANSACTIONS', async () => {
      const first = await start();
      await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.close();
      forget(first);
      const { encodeTxnLogLine } = await import('../../../../src/broker/transactions/transaction-log');
      fs.writeFileSync(
        path.join(fixture.dir, 'transactions.log'),
        encodeTxnLogLine({ ...lastLine(), producerEpoch: 32766 }),
      );
      let allocated!: (id: number) => void;
      const allocator = Object.assign(new Allocator(), {
        allocateProducerId: () => new Promise<number>((r) => (allocated = r)),
      });
      const { coordinator } = await start({ allocator });
      const moving = coordinator.initProducerId('tx', 60000);
      await settle();
      await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS);
      allocated(9100);
      assert.deepStrictEqual(await moving, { producerId: 9100, producerEpoch: 0 });
    });
  });

  describe('a failed write of an existing id', () => {
    it("InitProducerId that cannot store the bump answers the error and keeps the id's state", async () => {
      let fail = false;
      const { realIo } = await import('../../../../src/broker/storage/segment');
      const io = {
        ...realIo,
        writeSync: (fd: number, b: Uint8Array, o: number, l: number, pos: number) => {
          if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          return realIo.writeSync(fd, b, o, l, pos);
        },
      };
      const { coordinator } = await start({ extra: { io } });
      const p = await coordinator.initProducerId('tx', 60000);
      fail = true;
      await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.KAFKA_STORAGE_ERROR);
      fail = false;
      const d = coordinator.describe('tx')!;
      assert.deepStrictEqual([d.producerId, d.producerEpoch, d.state], [p.producerId, 0, 'Empty']);
      assert.strictEqual((await coordinator.initProducerId('tx', 60000)).producerEpoch, 1);
    });
  });

  describe('the end of the epoch range', () => {
    /** An id at this epoch: written into transactions.log and opened again (32766 calls would take too long). */
    const atEpoch = async (epoch: number) => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.close();
      forget(first);
      const entry = { ...lastLine(), producerEpoch: epoch };
      const { encodeTxnLogLine } = await import('../../../../src/broker/transactions/transaction-log');
      fs.writeFileSync(path.join(fixture.dir, 'transactions.log'), encodeTxnLogLine(entry));
      const allocator = new Allocator();
      allocator.next = 5000;
      return { o: await start({ allocator }), p };
    };

    it('epoch 32765 is bumped to 32766 on the same producer id; only past that does the id move', async () => {
      const { o, p } = await atEpoch(32765);
      assert.deepStrictEqual(await o.coordinator.initProducerId('tx', 60000), {
        producerId: p.producerId,
        producerEpoch: 32766,
      });
      assert.deepStrictEqual(await o.coordinator.initProducerId('tx', 60000), { producerId: 5000, producerEpoch: 0 });
    });

    it("after the move, the old producer naming an older epoch cannot abort the new producer's open transaction", async () => {
      const { o, p } = await atEpoch(32766);
      const moved = await o.coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual(moved, { producerId: 5000, producerEpoch: 0 });
      await o.coordinator.addPartitions('tx', 5000, 0, [tp('orders', 0)]);
      await rejectsWith(
        o.coordinator.initProducerId('tx', 60000, { producerId: p.producerId, producerEpoch: 5 }),
        ErrorCode.PRODUCER_FENCED,
      );
      assert.strictEqual(o.coordinator.describe('tx')!.state, 'Ongoing');
      assert.deepStrictEqual(o.markers.calls, []);
    });

    it('after the move, the old producer retrying with its exhausted epoch gets the new id; an older epoch is fenced', async () => {
      const { o, p } = await atEpoch(32766);
      const moved = await o.coordinator.initProducerId('tx', 60000, { producerId: p.producerId, producerEpoch: 32766 });
      assert.deepStrictEqual(moved, { producerId: 5000, producerEpoch: 0 });
      // the answer was lost and the producer asks again with the same (old) id and epoch: the same answer
      assert.deepStrictEqual(
        await o.coordinator.initProducerId('tx', 60000, { producerId: p.producerId, producerEpoch: 32766 }),
        moved,
      );
      await rejectsWith(
        o.coordinator.initProducerId('tx', 60000, { producerId: p.producerId, producerEpoch: 32765 }),
        ErrorCode.PRODUCER_FENCED,
      );
      assert.deepStrictEqual(await o.coordinator.initProducerId('tx', 60000, moved), {
        producerId: 5000,
        producerEpoch: 1,
      });
    });
  });

  describe('AddPartitions and AddOffsets corners', () => {
    it('adding an already added partition to an Ongoing transaction writes no line; a new one does', async () => {
      const { coordinator } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      const n = lines().length;
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      assert.strictEqual(lines().length, n);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0), tp('orders', 1)]);
      assert.deepStrictEqual(lastLine().partitions, [
        ['orders', 0],
        ['orders', 1],
      ]);
    });

    it('AddOffsets: an empty group id is INVALID_GROUP_ID; the same group twice writes one line; the start time is kept', async () => {
      const { coordinator, clock } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await rejectsWith(coordinator.addOffsets('tx', p.producerId, 0, ''), ErrorCode.INVALID_GROUP_ID);
      assert.strictEqual(coordinator.describe('tx')!.state, 'Empty');
      await coordinator.addOffsets('tx', p.producerId, 0, 'g');
      const started = coordinator.describe('tx')!.startTimestamp;
      const n = lines().length;
      clock.advance(500);
      await coordinator.addOffsets('tx', p.producerId, 0, 'g');
      assert.strictEqual(lines().length, n, 'nothing new to write');
      await coordinator.addOffsets('tx', p.producerId, 0, 'h');
      const d = coordinator.describe('tx')!;
      assert.deepStrictEqual([d.groups, d.startTimestamp], [['g', 'h'], started]);
      // after the transaction ends, the same group opens a new transaction with a new start time
      await coordinator.endTxn('tx', p.producerId, 0, true);
      await coordinator.settled();
      clock.advance(500);
      await coordinator.addOffsets('tx', p.producerId, 0, 'g');
      const again = coordinator.describe('tx')!;
      assert.deepStrictEqual([again.state, again.groups, again.startTimestamp], ['Ongoing', ['g'], started + 1000]);
    });
  });
});
