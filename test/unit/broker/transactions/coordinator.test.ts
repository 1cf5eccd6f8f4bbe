// The transaction coordinator's state machine: every move between Kafka's states, fencing, CONCURRENT_TRANSACTIONS
// while markers are outstanding, failed markers retried, timeouts aborted with a bumped epoch on the fake clock,
// the produce-path verifier, transactional offsets, the admin side, and crashes at each step (a coordinator
// dropped without closing and a new one opened on the same files).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Opened } from './helpers';
import {
  Allocator,
  HeldSync,
  openCoordinator,
  PartitionLikeMarkers,
  RecordingMarkers,
  rejectsWith,
  settle,
  tp,
} from './helpers';

describe('transaction coordinator', () => {
  let dir: string;
  let open: Opened[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-txn-'));
    open = [];
  });
  afterEach(async () => {
    for (const o of open) {
      await o.coordinator.close().catch(() => undefined);
      await o.offsets.close().catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const start = async (opts: Parameters<typeof openCoordinator>[1] = {}) => {
    const o = await openCoordinator(dir, opts);
    open.push(o);
    return o;
  };
  /** A coordinator that "crashed": nothing closed, its clock stopped; a new one opens on the same files. */
  const crashAndReopen = async (old: Opened, opts: Parameters<typeof openCoordinator>[1] = {}) => {
    open.splice(open.indexOf(old), 1);
    const clock = new FakeClock(old.clock.now());
    return start({ clock, ...opts });
  };

  describe('InitProducerId', () => {
    it('a new transactional id gets a fresh producer id at epoch 0, and each further call bumps the epoch', async () => {
      const { coordinator } = await start();
      const a = await coordinator.initProducerId('tx', 60000);
      const b = await coordinator.initProducerId('tx', 60000);
      const other = await coordinator.initProducerId('other', 60000);
      assert.deepStrictEqual(a, { producerId: 1000, producerEpoch: 0 });
      assert.deepStrictEqual(b, { producerId: 1000, producerEpoch: 1 });
      assert.deepStrictEqual(other, { producerId: 1001, producerEpoch: 0 });
      assert.strictEqual(coordinator.describe('tx')?.state, 'Empty');
    });

    it('a timeout outside 1..transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT and creates nothing', async () => {
      const { coordinator } = await start();
      for (const bad of [0, -1, 900_001])
        await rejectsWith(coordinator.initProducerId('tx', bad), ErrorCode.INVALID_TRANSACTION_TIMEOUT);
      assert.strictEqual(coordinator.describe('tx'), undefined);
      assert.strictEqual((await coordinator.initProducerId('tx', 900_000)).producerEpoch, 0);
      assert.strictEqual(coordinator.describe('tx')?.timeoutMs, 900_000);
    });

    it('an empty transactional id is INVALID_REQUEST', async () => {
      const { coordinator } = await start();
      await rejectsWith(coordinator.initProducerId('', 60000), ErrorCode.INVALID_REQUEST);
    });

    it('naming the previous epoch (a retry whose answer was lost) returns the current epoch without bumping', async () => {
      const { coordinator } = await start();
      const first = await coordinator.initProducerId('tx', 60000);
      const bumped = await coordinator.initProducerId('tx', 60000, first);
      assert.deepStrictEqual(bumped, { producerId: first.producerId, producerEpoch: 1 });
      const retried = await coordinator.initProducerId('tx', 60000, first);
      assert.deepStrictEqual(retried, bumped);
      const again = await coordinator.initProducerId('tx', 60000, bumped);
      assert.strictEqual(again.producerEpoch, 2);
    });

    it('naming another producer id or a stale epoch is PRODUCER_FENCED', async () => {
      const { coordinator } = await start();
      await coordinator.initProducerId('tx', 60000);
      await coordinator.initProducerId('tx', 60000);
      await coordinator.initProducerId('tx', 60000);
      await rejectsWith(
        coordinator.initProducerId('tx', 60000, { producerId: 77, producerEpoch: 0 }),
        ErrorCode.PRODUCER_FENCED,
      );
      await rejectsWith(
        coordinator.initProducerId('tx', 60000, { producerId: 1000, producerEpoch: 0 }),
        ErrorCode.PRODUCER_FENCED,
      );
    });

    it('an exhausted epoch moves the transactional id to a new producer id at epoch 0', async () => {
      const { coordinator } = await start();
      await coordinator.initProducerId('tx', 60000);
      // Drive the epoch to the limit through the public path would take 32766 calls; write the state instead.
      const file = path.join(dir, 'transactions.log');
      await coordinator.close();
      open.splice(0, 1);
      const text = fs.readFileSync(file, 'utf8').trim().split('\n');
      const entry = JSON.parse(text[text.length - 1].slice(9)) as Record<string, unknown>;
      entry.producerEpoch = 32766;
      const { encodeTxnLogLine } = await import('../../../../src/broker/transactions/transaction-log');
      fs.writeFileSync(file, encodeTxnLogLine(entry as never));
      const allocator = new Allocator();
      allocator.next = 5000;
      const { coordinator: c2 } = await start({ allocator });
      assert.deepStrictEqual(await c2.initProducerId('tx', 60000), { producerId: 5000, producerEpoch: 0 });
    });
  });

  describe('a transaction from start to end', () => {
    it('AddPartitions opens the transaction (Ongoing, start time set); adding the same partitions again changes nothing', async () => {
      const { coordinator, clock } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      clock.advance(5);
      const r = await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [
        tp('orders', 0),
        tp('orders', 2),
      ]);
      assert.deepStrictEqual(
        r.map((x) => x.errorCode),
        [0, 0],
      );
      const d = coordinator.describe('tx')!;
      assert.strictEqual(d.state, 'Ongoing');
      assert.strictEqual(d.startTimestamp, clock.now());
      const size = fs.statSync(path.join(dir, 'transactions.log')).size;
      clock.advance(5);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 2)]);
      assert.strictEqual(fs.statSync(path.join(dir, 'transactions.log')).size, size, 'no new line');
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('payments', 0)]);
      assert.deepStrictEqual(
        coordinator.describe('tx')!.partitions.map((x) => `${x.topic}-${x.partition}`),
        ['orders-0', 'orders-2', 'payments-0'],
      );
      assert.strictEqual(coordinator.describe('tx')!.startTimestamp, d.startTimestamp, 'start time kept');
    });

    it('an unknown partition is UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED, and nothing is added', async () => {
      const { coordinator } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      const r = await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [
        tp('orders', 0),
        tp('nope', 0),
        tp('orders', 3),
      ]);
      assert.deepStrictEqual(
        r.map((x) => x.errorCode),
        [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'Empty');
    });

    it('the wrong producer id is INVALID_PRODUCER_ID_MAPPING, an unknown id too, an old epoch PRODUCER_FENCED', async () => {
      const { coordinator } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.initProducerId('tx', 60000);
      await rejectsWith(
        () => coordinator.addPartitions('tx', p.producerId + 1, 1, [tp('orders', 0)]),
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      );
      await rejectsWith(
        () => coordinator.addPartitions('ghost', p.producerId, 0, [tp('orders', 0)]),
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      );
      const fenced = await rejectsWith(
        () => coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]),
        ErrorCode.PRODUCER_FENCED,
      );
      assert.match(fenced.message, /sent epoch 0 but the current epoch is 1/);
      await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
      await rejectsWith(() => coordinator.addOffsets('tx', p.producerId, 0, 'g'), ErrorCode.PRODUCER_FENCED);
    });

    it('EndTxn(commit) writes PrepareCommit, COMMIT markers to every partition, then CompleteCommit with no partitions left', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 1), tp('payments', 0)]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      assert.deepStrictEqual(markers.calls, [
        {
          marker: { producerId: p.producerId, producerEpoch: 0, commit: true, coordinatorEpoch: 0 },
          partitions: ['orders-1', 'payments-0'],
        },
      ]);
      const d = coordinator.describe('tx')!;
      assert.deepStrictEqual([d.state, d.partitions, d.producerEpoch], ['CompleteCommit', [], 0]);
      const states = fs
        .readFileSync(path.join(dir, 'transactions.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l.slice(9)) as { state: string }).state);
      assert.deepStrictEqual(states, ['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
    });

    it('a retried EndTxn of a completed transaction is NONE; the opposite decision is INVALID_TXN_STATE', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      assert.strictEqual(markers.calls.length, 1, 'no second round of markers');
      const e = await rejectsWith(
        coordinator.endTxn('tx', p.producerId, p.producerEpoch, false),
        ErrorCode.INVALID_TXN_STATE,
      );
      assert.match(e.message, /already committed/);
    });

    it('EndTxn(abort) writes ABORT markers and ends CompleteAbort; EndTxn(commit) after it is INVALID_TXN_STATE', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      assert.strictEqual(markers.calls[0].marker.commit, false);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      await rejectsWith(coordinator.endTxn('tx', p.producerId, p.producerEpoch, true), ErrorCode.INVALID_TXN_STATE);
    });

    it('EndTxn with nothing added (Empty) is INVALID_TXN_STATE', async () => {
      const { coordinator } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      const e = await rejectsWith(
        coordinator.endTxn('tx', p.producerId, p.producerEpoch, true),
        ErrorCode.INVALID_TXN_STATE,
      );
      assert.match(e.message, /no transaction is open/);
    });

    it('after a completed transaction the next AddPartitions opens a new one with a new start time', async () => {
      const { coordinator, clock } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      const first = coordinator.describe('tx')!.startTimestamp;
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      clock.advance(100);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 1)]);
      const d = coordinator.describe('tx')!;
      assert.deepStrictEqual([d.state, d.startTimestamp - first, d.partitions.length], ['Ongoing', 100, 1]);
    });
  });

  describe('fencing', () => {
    it('InitProducerId of a second producer aborts the open transaction with a bumped epoch and fences the first', async () => {
      const { coordinator, markers } = await start();
      const a = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', a.producerId, a.producerEpoch, [tp('orders', 0), tp('orders', 1)]);
      const b = await coordinator.initProducerId('tx', 60000);
      assert.deepStrictEqual(markers.calls, [
        {
          marker: { producerId: a.producerId, producerEpoch: 1, commit: false, coordinatorEpoch: 0 },
          partitions: ['orders-0', 'orders-1'],
        },
      ]);
      assert.deepStrictEqual(b, { producerId: a.producerId, producerEpoch: 2 });
      assert.strictEqual(coordinator.describe('tx')!.state, 'Empty');
      await rejectsWith(coordinator.endTxn('tx', a.producerId, a.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
      assert.strictEqual(
        coordinator.verify('tx', a.producerId, a.producerEpoch, tp('orders', 0)),
        ErrorCode.INVALID_PRODUCER_EPOCH,
      );
    });

    it('while markers are being written every move of the id is CONCURRENT_TRANSACTIONS, and works again after', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      const release = markers.holdAll();
      // EndTxn is answered once PrepareCommit is durable, before the markers.
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareCommit');
      await rejectsWith(coordinator.initProducerId('tx', 60000), ErrorCode.CONCURRENT_TRANSACTIONS);
      await rejectsWith(
        () => coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 1)]),
        ErrorCode.CONCURRENT_TRANSACTIONS,
      );
      await rejectsWith(
        coordinator.endTxn('tx', p.producerId, p.producerEpoch, true),
        ErrorCode.CONCURRENT_TRANSACTIONS,
      );
      assert.strictEqual(
        coordinator.verify('tx', p.producerId, p.producerEpoch, tp('orders', 0)),
        ErrorCode.INVALID_TXN_STATE,
      );
      release();
      await coordinator.settled();
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 1)]);
      assert.strictEqual(coordinator.describe('tx')!.state, 'Ongoing');
    });
  });

  describe('failed markers', () => {
    it('a partition answered KAFKA_STORAGE_ERROR keeps the transaction in PrepareCommit; only it is retried, then CompleteCommit', async () => {
      const { coordinator, markers, clock, logs } = await start({ extra: { markerRetryMs: 500 } });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0), tp('orders', 1)]);
      markers.answers.set('orders-1', ErrorCode.KAFKA_STORAGE_ERROR);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      const d = coordinator.describe('tx')!;
      assert.deepStrictEqual(
        [d.state, d.markersPending.map((x) => `${x.topic}-${x.partition}`)],
        ['PrepareCommit', ['orders-1']],
      );
      assert.ok(
        logs.some((l) => /orders-1: KAFKA_STORAGE_ERROR.*retrying in 500 ms/.test(l)),
        logs.join('\n'),
      );
      await rejectsWith(
        () => coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 2)]),
        ErrorCode.CONCURRENT_TRANSACTIONS,
      );
      markers.answers.clear();
      const before = markers.calls.length;
      clock.advance(499);
      await settle();
      const afterKick = markers.calls.length;
      clock.advance(600);
      await settle();
      assert.deepStrictEqual(
        markers.calls.slice(before).map((c) => c.partitions),
        [['orders-1']],
        `the failed partition only, once (the refused AddPartitions kicked ${afterKick - before} round)`,
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });

    it('a partition deleted meanwhile (UNKNOWN_TOPIC_OR_PARTITION) counts as done', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      markers.answers.set('orders-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('a marker writer that throws is a failed round, retried like KAFKA_STORAGE_ERROR', async () => {
      const markers = new RecordingMarkers();
      let fail = true;
      const flaky = {
        calls: markers.calls,
        async writeTxnMarkers(...args: Parameters<RecordingMarkers['writeTxnMarkers']>) {
          if (fail) throw new Error('disk on fire');
          return markers.writeTxnMarkers(...args);
        },
      };
      const { coordinator, clock } = await start({ extra: { markers: flaky, markerRetryMs: 100 } });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareCommit');
      fail = false;
      clock.advance(100);
      await settle();
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });
  });

  describe('timeouts', () => {
    it('an Ongoing transaction past its timeout is aborted with a bumped epoch, fencing its producer (InitProducerId naming its old epoch too)', async () => {
      const { coordinator, markers, clock } = await start({ extra: { abortCheckIntervalMs: 1000 } });
      const p = await coordinator.initProducerId('tx', 5000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      clock.advance(5000);
      await settle();
      assert.strictEqual(coordinator.describe('tx')!.state, 'Ongoing', 'not before the timeout has passed');
      clock.advance(1000);
      await settle();
      assert.deepStrictEqual(markers.calls, [
        {
          marker: { producerId: p.producerId, producerEpoch: 1, commit: false, coordinatorEpoch: 0 },
          partitions: ['orders-0'],
        },
      ]);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
      await rejectsWith(coordinator.endTxn('tx', p.producerId, p.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
      await rejectsWith(coordinator.initProducerId('tx', 5000, p), ErrorCode.PRODUCER_FENCED);
      const next = await coordinator.initProducerId('tx', 5000);
      assert.strictEqual(next.producerEpoch, 2);
    });

    it('an idle transactional id is forgotten after transactional.id.expiration.ms; an open one is not', async () => {
      const { coordinator, clock } = await start({
        extra: { abortCheckIntervalMs: 1000, idExpirationMs: 10_000, maxTimeoutMs: 900_000 },
      });
      await coordinator.initProducerId('idle', 60000);
      const p = await coordinator.initProducerId('busy', 900_000);
      await coordinator.addPartitions('busy', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      clock.advance(11_000);
      await settle();
      assert.strictEqual(coordinator.describe('idle'), undefined);
      assert.strictEqual(coordinator.describe('busy')!.state, 'Ongoing');
      assert.deepStrictEqual(
        coordinator.list().map((t) => t.transactionalId),
        ['busy'],
      );
    });
  });

  describe('the produce-path verifier', () => {
    it('NONE only for a partition of the Ongoing transaction of the current producer and epoch', async () => {
      const { coordinator } = await start();
      assert.strictEqual(coordinator.verify('tx', 1, 0, tp('orders', 0)), ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      const p = await coordinator.initProducerId('tx', 60000);
      assert.strictEqual(coordinator.verify('tx', p.producerId, 0, tp('orders', 0)), ErrorCode.INVALID_TXN_STATE);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      assert.strictEqual(coordinator.verify('tx', p.producerId, 0, tp('orders', 0)), ErrorCode.NONE);
      assert.strictEqual(coordinator.verify('tx', p.producerId, 0, tp('orders', 1)), ErrorCode.INVALID_TXN_STATE);
      assert.strictEqual(
        coordinator.verify('tx', p.producerId + 1, 0, tp('orders', 0)),
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      );
      assert.strictEqual(coordinator.verify('tx', p.producerId, 1, tp('orders', 0)), ErrorCode.INVALID_PRODUCER_EPOCH);
    });
  });

  describe('transactional offsets', () => {
    it('offsets held by the transaction become committed on commit, with their member in the history', async () => {
      const { coordinator, offsets } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      assert.strictEqual(coordinator.checkTxnOffsetCommit('tx', p.producerId, 0, 'g'), ErrorCode.INVALID_TXN_STATE);
      await coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'g');
      assert.strictEqual(coordinator.describe('tx')!.state, 'Ongoing');
      assert.strictEqual(coordinator.checkTxnOffsetCommit('tx', p.producerId, 0, 'g'), ErrorCode.NONE);
      assert.strictEqual(coordinator.checkTxnOffsetCommit('tx', p.producerId, 0, 'h'), ErrorCode.INVALID_TXN_STATE);
      await offsets.commitTxnOffsets('g', p.producerId, 0, 'm-1', 4, [
        { topic: 'orders', partition: 0, offset: 17, metadata: 'meta' },
      ]);
      assert.strictEqual(offsets.fetch('g', [{ topic: 'orders', partitions: [0] }])[0].offset, -1, 'not yet committed');
      assert.deepStrictEqual(offsets.pendingTxnPartitions('g'), [{ topic: 'orders', partition: 0 }]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      const c = offsets.fetch('g', [{ topic: 'orders', partitions: [0] }])[0];
      assert.deepStrictEqual([c.offset, c.metadata], [17, 'meta']);
      assert.deepStrictEqual(
        offsets.history('g', 'orders', 0).map((h) => [h.offset, h.memberId, h.generationId]),
        [[17, 'm-1', 4]],
      );
      assert.deepStrictEqual(offsets.pendingTxnPartitions('g'), []);
    });

    it('offsets held by an aborted transaction are dropped and the committed offset stays', async () => {
      const { coordinator, offsets } = await start();
      await offsets.commit('g', 'm', 1, [{ topic: 'orders', partition: 0, offset: 5, metadata: null }]);
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'g');
      await offsets.commitTxnOffsets('g', p.producerId, 0, '', -1, [
        { topic: 'orders', partition: 0, offset: 9, metadata: null },
      ]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      assert.strictEqual(offsets.fetch('g', [{ topic: 'orders', partitions: [0] }])[0].offset, 5);
      assert.deepStrictEqual(offsets.pendingTxnPartitions('g'), []);
    });

    it('held offsets survive a crash mid-transaction and are committed by the EndTxn after the restart', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'g');
      await first.offsets.commitTxnOffsets('g', p.producerId, 0, 'm', 2, [
        { topic: 'orders', partition: 1, offset: 33, metadata: null },
      ]);
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(second.offsets.pendingTxnPartitions('g'), [{ topic: 'orders', partition: 1 }]);
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'Ongoing');
      await second.coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      assert.strictEqual(second.offsets.fetch('g', [{ topic: 'orders', partitions: [1] }])[0].offset, 33);
    });

    it('held offsets no open transaction owns (transactions.log lost) are dropped on open, with a warning', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'g');
      await first.offsets.commitTxnOffsets('g', p.producerId, 0, 'm', 2, [
        { topic: 'orders', partition: 1, offset: 33, metadata: null },
      ]);
      open.splice(open.indexOf(first), 1);
      fs.rmSync(path.join(dir, 'transactions.log'));
      const second = await start({ clock: new FakeClock(first.clock.now()) });
      assert.deepStrictEqual(second.offsets.pendingTxnPartitions('g'), []);
      assert.strictEqual(second.offsets.fetch('g', [{ topic: 'orders', partitions: [1] }])[0].offset, -1);
      assert.ok(
        second.logs.some((l) => /pending a transaction the coordinator has no record of; they are dropped/.test(l)),
      );
    });
  });

  describe('crash recovery', () => {
    it('a crash after AddPartitions, before EndTxn: the transaction is still Ongoing after the restart and its timeout aborts it', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 20_000);
      await first.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 2)]);
      const second = await crashAndReopen(first);
      const d = second.coordinator.describe('tx')!;
      assert.deepStrictEqual(
        [d.state, d.producerId, d.producerEpoch, d.partitions.length],
        ['Ongoing', p.producerId, 0, 1],
      );
      assert.ok(second.logs.some((l) => /1 transaction\(s\) were open when the broker stopped \(tx\)/.test(l)));
      assert.strictEqual(second.coordinator.verify('tx', p.producerId, 0, tp('orders', 2)), ErrorCode.NONE);
      second.clock.advance(30_000);
      await settle();
      assert.deepStrictEqual(
        second.markers.calls.map((c) => [c.marker.commit, c.marker.producerEpoch, c.partitions]),
        [[false, 1, ['orders-2']]],
      );
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('a crash between PrepareCommit and the markers: the restart writes the COMMIT markers and completes', async () => {
      const markers = new RecordingMarkers();
      const first = await start({ markers });
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0), tp('payments', 0)]);
      await first.coordinator.addOffsets('tx', p.producerId, p.producerEpoch, 'g');
      await first.offsets.commitTxnOffsets('g', p.producerId, 0, 'm', 1, [
        { topic: 'orders', partition: 0, offset: 4, metadata: null },
      ]);
      markers.holdAll(); // the markers never get written: the process dies while they are in flight
      void first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await settle();
      assert.strictEqual(first.coordinator.describe('tx')!.state, 'PrepareCommit');
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(
        second.markers.calls.map((c) => [c.marker.commit, c.partitions]),
        [[true, ['orders-0', 'payments-0']]],
      );
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteCommit');
      assert.strictEqual(second.offsets.fetch('g', [{ topic: 'orders', partitions: [0] }])[0].offset, 4);
      assert.ok(
        second.logs.some((l) =>
          /was in PrepareCommit when the broker stopped: writing its COMMIT markers to 2 partition/.test(l),
        ),
      );
    });

    it('a crash after some markers failed with KAFKA_STORAGE_ERROR: the restart writes the markers again and completes the abort', async () => {
      const markers = new RecordingMarkers();
      const first = await start({ markers });
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0), tp('orders', 1)]);
      markers.answers.set('orders-1', ErrorCode.KAFKA_STORAGE_ERROR);
      await first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      assert.strictEqual(first.coordinator.describe('tx')!.state, 'PrepareAbort');
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(
        second.markers.calls.map((c) => [c.marker.commit, c.partitions]),
        [[false, ['orders-0', 'orders-1']]],
      );
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('a crash during a fence (PrepareAbort with the bumped epoch) finishes the abort with that epoch', async () => {
      const markers = new RecordingMarkers();
      const first = await start({ markers });
      const a = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', a.producerId, a.producerEpoch, [tp('orders', 0)]);
      markers.holdAll();
      void first.coordinator.initProducerId('tx', 60000).catch(() => undefined);
      await settle();
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(
        second.markers.calls.map((c) => [c.marker.commit, c.marker.producerEpoch]),
        [[false, 1]],
      );
      assert.strictEqual((await second.coordinator.initProducerId('tx', 60000)).producerEpoch, 2);
    });

    it('Complete and Empty states survive a clean restart unchanged and no markers are written', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      await first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await first.coordinator.initProducerId('idle', 60000);
      await first.coordinator.close();
      await first.offsets.close();
      open.splice(open.indexOf(first), 1);
      const second = await start();
      assert.deepStrictEqual(
        second.coordinator.list().map((t) => [t.transactionalId, t.state, t.producerId]),
        [
          ['idle', 'Empty', p.producerId + 1],
          ['tx', 'CompleteCommit', p.producerId],
        ],
      );
      assert.strictEqual(second.markers.calls.length, 0);
    });
  });

  describe('durability and the order of steps', () => {
    const lastLine = () => {
      const lines = fs.readFileSync(path.join(dir, 'transactions.log'), 'utf8').trim().split('\n');
      return JSON.parse(lines[lines.length - 1].slice(9)) as Record<string, unknown>;
    };

    it('EndTxn is answered only once its PrepareCommit is durable; the markers and CompleteCommit come after', async () => {
      const held = new HeldSync();
      const { coordinator, markers } = await start({ extra: { logSync: held.sync } });
      const init = coordinator.initProducerId('tx', 60000);
      await settle();
      assert.strictEqual(held.waiting, 1, 'InitProducerId waits for its fdatasync');
      held.release();
      const p = await init;
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      assert.strictEqual(held.waiting, 0, 'AddPartitions is answered once written; its line is synced lazily');
      let answered = false;
      const ending = coordinator.endTxn('tx', p.producerId, p.producerEpoch, true).then(() => (answered = true));
      for (let i = 0; i < 3; i++) {
        await settle();
        assert.strictEqual(answered, false, 'no answer while the fdatasync of PrepareCommit is held');
      }
      assert.strictEqual(held.waiting, 1, 'one fdatasync covers the Ongoing and the PrepareCommit lines');
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareCommit');
      assert.strictEqual(lastLine().state, 'PrepareCommit', 'the decision is in the file already');
      assert.strictEqual(markers.calls.length, 0, 'no marker before the decision is durable');
      held.release();
      await ending;
      assert.strictEqual(answered, true);
      await coordinator.settled();
      assert.deepStrictEqual(
        markers.calls.map((c) => c.partitions),
        [['orders-0']],
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
      assert.strictEqual(lastLine().state, 'CompleteCommit');
      assert.strictEqual(held.waiting, 0, 'CompleteCommit starts no fdatasync of its own');
      held.pass();
    });

    it('a failed fdatasync of PrepareCommit answers KAFKA_STORAGE_ERROR; no marker is written until the file is rewritten durably', async () => {
      const held = new HeldSync();
      const { coordinator, markers, clock, logs } = await start({
        extra: { logSync: held.sync, markerRetryMs: 100 },
      });
      const init = coordinator.initProducerId('tx', 60000);
      await settle();
      held.release();
      const p = await init;
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      const ending = coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await settle();
      held.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      const e = await rejectsWith(ending, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.match(e.message, /could not make .*transactions\.log durable \(fdatasync: EIO/);
      assert.strictEqual(markers.calls.length, 0);
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareCommit');
      clock.advance(100);
      await coordinator.settled();
      assert.strictEqual(
        held.waiting,
        0,
        'the retry rewrote the file (compaction, fsynced) instead of trusting fdatasync',
      );
      assert.deepStrictEqual(
        markers.calls.map((c) => c.partitions),
        [['orders-0']],
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
      assert.ok(logs.some((l) => /PrepareCommit of "tx" is not complete/.test(l)));
      held.pass();
    });

    it('a crash after PrepareCommit was durable, before any marker: the restart writes the markers and completes', async () => {
      const held = new HeldSync();
      const markers = new RecordingMarkers();
      const first = await start({ markers, extra: { logSync: held.sync } });
      const init = first.coordinator.initProducerId('tx', 60000);
      await settle();
      held.release();
      const p = await init;
      await first.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 1)]);
      markers.holdAll(); // the process dies while the markers are in flight
      const ending = first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await settle();
      held.release();
      await ending; // answered: the client was told its transaction is committed
      held.pass();
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(
        second.markers.calls.map((c) => [c.marker.commit, c.partitions]),
        [[true, ['orders-1']]],
      );
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteCommit');
    });

    it('markers not yet flushed are listed with their offsets; after a machine stop the restart writes again only those a partition lost', async () => {
      const markers = new PartitionLikeMarkers({ 'orders-0': 5, 'payments-0': 3 });
      const first = await start({ markers });
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0), tp('payments', 0)]);
      await first.coordinator.endTxn('tx', p.producerId, p.producerEpoch, false);
      await first.coordinator.settled();
      await first.coordinator.durable();
      assert.strictEqual(first.coordinator.describe('tx')!.state, 'CompleteAbort');
      assert.deepStrictEqual(lastLine().markers, [
        {
          producerId: p.producerId,
          producerEpoch: 0,
          commit: false,
          partitions: [
            ['orders', 0, 5],
            ['payments', 0, 3],
          ],
        },
      ]);
      // The machine stopped before the flush: orders-0 kept its marker (its end is past offset 5), payments-0 lost it.
      const after = new PartitionLikeMarkers({ 'orders-0': 6, 'payments-0': 3 });
      const second = await crashAndReopen(first, { markers: after });
      assert.deepStrictEqual(
        after.calls.map((c) => [c.marker.commit, c.marker.producerId, c.marker.producerEpoch, c.partitions]),
        [[false, p.producerId, 0, ['payments-0']]],
      );
      assert.ok(second.logs.some((l) => /1 ABORT marker\(s\) of "tx" .* were not on disk .*payments-0/.test(l)));
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteAbort');
      // Once the flush made them durable, the id's next line no longer lists them.
      after.flushAll();
      await settle();
      await second.coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      assert.strictEqual(lastLine().state, 'Ongoing');
      assert.strictEqual(lastLine().markers, undefined);
    });

    it('a marker flushed before the next transaction ends is not listed by that one', async () => {
      const markers = new PartitionLikeMarkers();
      const { coordinator } = await start({ markers });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await coordinator.settled();
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 1)]);
      assert.strictEqual((lastLine().markers as unknown[]).length, 1, 'not flushed yet: the Ongoing line lists it');
      markers.flushAll();
      await settle();
      await coordinator.endTxn('tx', p.producerId, p.producerEpoch, true);
      await coordinator.settled();
      assert.deepStrictEqual(
        (lastLine().markers as { partitions: unknown[] }[]).map((m) => m.partitions),
        [[['orders', 1, 0]]],
      );
    });
  });

  describe('admin', () => {
    it('list filters by state and producer id, and a duration filter keeps long-running transactions only', async () => {
      const { coordinator, clock } = await start();
      const a = await coordinator.initProducerId('a', 60000);
      const b = await coordinator.initProducerId('b', 60000);
      await coordinator.addPartitions('a', a.producerId, 0, [tp('orders', 0)]);
      clock.advance(1000);
      await coordinator.addPartitions('b', b.producerId, 0, [tp('orders', 1)]);
      await coordinator.initProducerId('c', 60000);
      assert.deepStrictEqual(
        coordinator.list({ states: ['Ongoing'] }).map((t) => t.transactionalId),
        ['a', 'b'],
      );
      assert.deepStrictEqual(
        coordinator.list({ producerIds: [b.producerId] }).map((t) => t.transactionalId),
        ['b'],
      );
      assert.deepStrictEqual(
        coordinator.list({ states: ['Ongoing'], minDurationMs: 500 }).map((t) => t.transactionalId),
        ['a'],
      );
    });

    it('abortTransaction aborts a hanging open transaction and fences its producer; without one it is INVALID_TXN_STATE', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await rejectsWith(coordinator.abortTransaction('tx'), ErrorCode.INVALID_TXN_STATE);
      await rejectsWith(coordinator.abortTransaction('nope'), ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      const d = await coordinator.abortTransaction('tx');
      assert.deepStrictEqual([d.state, d.producerEpoch], ['CompleteAbort', 1]);
      assert.strictEqual(markers.calls[0].marker.commit, false);
      await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, false), ErrorCode.PRODUCER_FENCED);
    });

    it('abortHangingPartition writes one ABORT marker, and refuses a partition of a transaction the coordinator knows', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, p.producerEpoch, [tp('orders', 0)]);
      await rejectsWith(
        coordinator.abortHangingPartition(tp('orders', 0), p.producerId, 0),
        ErrorCode.INVALID_TXN_STATE,
      );
      assert.strictEqual(await coordinator.abortHangingPartition(tp('orders', 1), 42, 3), ErrorCode.NONE);
      assert.deepStrictEqual(markers.calls, [
        { marker: { producerId: 42, producerEpoch: 3, commit: false, coordinatorEpoch: 0 }, partitions: ['orders-1'] },
      ]);
    });
  });
});
