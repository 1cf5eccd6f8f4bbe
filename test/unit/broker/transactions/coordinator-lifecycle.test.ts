// The transaction coordinator over its lifetime: what a restart on the same data dir reports and keeps (open
// transactions named, groups and unflushed markers surviving the compaction on close), timeouts that fence the
// producer (markers only after the decision is durable, a failed fdatasync retried), transactional ids expiring
// (the exact boundary, the Dead event, the tombstone), marker and offset rounds that fail and are retried, the
// admin abort of a hanging partition, and what a closed coordinator still does (nothing). Every test asserts what
// a client, the admin tools or a restart see: answers and error codes, markers written, lines of transactions.log,
// warnings in the broker's output.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { OffsetStore } from '../../../../src/broker/api';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode } from '../../../../src/broker/errors';
import type { StorageIo } from '../../../../src/broker/storage/segment';
import { realIo } from '../../../../src/broker/storage/segment';
import type { TransactionChange } from '../../../../src/broker/transactions/coordinator';
import type { TxnLogEntry } from '../../../../src/broker/transactions/transaction-log';
import type { Opened } from './helpers';
import {
  coordinatorFixture,
  HeldSync,
  openCoordinator,
  PartitionLikeMarkers,
  RecordingMarkers,
  rejectsWith,
  settle,
  tp,
  until,
} from './helpers';

/** An offset store that fails completeTxnOffsets `failures` times, and records every call. */
class FlakyOffsets implements Pick<OffsetStore, 'completeTxnOffsets' | 'pendingTxnOffsets'> {
  readonly calls: [string, number, boolean][] = [];
  constructor(public failures = 0) {}
  async completeTxnOffsets(groupId: string, producerId: number, commit: boolean): Promise<void> {
    this.calls.push([groupId, producerId, commit]);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('ENOSPC: no space left on device, write');
    }
  }
  pendingTxnOffsets(): { groupId: string; producerId: number }[] {
    return [];
  }
}

/** transactions.log writes that fail (a full disk) while `full` is set. */
class FullDisk implements StorageIo {
  full = false;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.full) throw new Error('ENOSPC: no space left on device, write');
    return realIo.writeSync(fd, buf, offset, length, position);
  }
  ftruncateSync(fd: number, length: number): void {
    realIo.ftruncateSync(fd, length);
  }
}

describe('transaction coordinator over its lifetime', () => {
  const fixture = coordinatorFixture('kl-txn-life-');
  const { start, forget, crashAndReopen } = fixture;
  /** A coordinator closed properly (the broker stopped); a new one opens on the same files. */
  const closeAndReopen = async (old: Opened, opts: Parameters<typeof openCoordinator>[1] = {}) => {
    await old.coordinator.close();
    await old.offsets.close();
    forget(old);
    return start({ clock: new FakeClock(old.clock.now()), ...opts });
  };
  const lines = (): TxnLogEntry[] =>
    fs
      .readFileSync(path.join(fixture.dir, 'transactions.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l.slice(9)) as TxnLogEntry);
  const warnings = (o: Opened) => o.logs.filter((l) => l.startsWith('warn '));

  describe('a restart on the same data dir', () => {
    it('names the transactions that were open when the broker stopped, and only those', async () => {
      const first = await start();
      for (const id of ['a', 'b']) {
        const p = await first.coordinator.initProducerId(id, 60000);
        await first.coordinator.addPartitions(id, p.producerId, p.producerEpoch, [tp('orders', 0)]);
      }
      await first.coordinator.initProducerId('idle', 60000);
      const second = await crashAndReopen(first);
      assert.deepStrictEqual(
        second.logs.filter((l) => l.includes('were open when the broker stopped')),
        [
          'info transactions: 2 transaction(s) were open when the broker stopped (a, b); they go on, and are aborted when they time out',
        ],
      );
      assert.strictEqual(second.coordinator.describe('a')!.state, 'Ongoing');

      const onlyIdle = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-txn-life-idle-'));
      try {
        const o = await openCoordinator(onlyIdle);
        await o.coordinator.initProducerId('idle', 60000);
        await o.coordinator.close();
        await o.offsets.close();
        const again = await openCoordinator(onlyIdle);
        assert.deepStrictEqual(
          again.logs.filter((l) => l.includes('were open')),
          [],
          'no open transaction, nothing said',
        );
        await again.coordinator.close();
        await again.offsets.close();
      } finally {
        fs.rmSync(onlyIdle, { recursive: true, force: true });
      }
    });

    it("the compaction on close keeps an open transaction's groups: its offsets still commit after the restart", async () => {
      const offsets = new FlakyOffsets();
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await first.coordinator.addOffsets('tx', p.producerId, 0, 'billing');
      const second = await closeAndReopen(first, { extra: { offsets } });
      assert.strictEqual(lines().length, 1, 'compacted to one line on close');
      assert.deepStrictEqual(second.coordinator.describe('tx')!.groups, ['billing']);
      await second.coordinator.endTxn('tx', p.producerId, 0, true);
      await second.coordinator.settled();
      assert.deepStrictEqual(offsets.calls, [['billing', p.producerId, true]]);
    });

    it('the compaction on close keeps the markers not yet flushed: a restart that finds them lost writes them again', async () => {
      const markers = new PartitionLikeMarkers();
      const first = await start({ markers });
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await first.coordinator.endTxn('tx', p.producerId, 0, true);
      await first.coordinator.settled();
      // the partition's flush never ran (whenDurable pending) and the partition is empty again after the restart
      const again = new PartitionLikeMarkers();
      const second = await closeAndReopen(first, { markers: again });
      assert.strictEqual(lines().length, 1, 'compacted to one line on close');
      assert.deepStrictEqual(
        again.calls.map((c) => [c.marker.commit, c.marker.producerId, c.marker.producerEpoch, c.partitions]),
        [[true, p.producerId, 0, ['orders-0']]],
      );
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteCommit');
    });
  });

  describe('a transaction that times out', () => {
    it('is aborted with the epoch bumped; the log says why, for how long it was open and which epoch is fenced', async () => {
      const { coordinator, clock, logs, markers } = await start();
      const p = await coordinator.initProducerId('tx', 1000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0), tp('orders', 1)]);
      clock.advance(1500);
      coordinator.checkTimeouts();
      await coordinator.settled();
      assert.ok(
        logs.includes(
          'info transactions: aborting the open transaction of "tx" (2 partition(s)): it timed out (open for 1500 ms, timeout 1000 ms); producer 1000 epoch 0 is fenced (markers use epoch 1)',
        ),
        logs.join('\n'),
      );
      assert.deepStrictEqual(
        markers.calls.map((c) => [c.marker.commit, c.marker.producerEpoch, c.partitions]),
        [[false, 1, ['orders-0', 'orders-1']]],
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('has its ABORT markers written only once its PrepareAbort line is durable', async () => {
      const sync = new HeldSync();
      const { coordinator, clock, markers } = await start({ extra: { logSync: sync.sync } });
      const init = coordinator.initProducerId('tx', 1000);
      await until(() => sync.waiting === 1, 'the InitProducerId round');
      sync.release();
      const p = await init;
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      clock.advance(1001);
      coordinator.checkTimeouts();
      await until(() => sync.waiting === 1, 'the PrepareAbort round');
      await settle();
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareAbort');
      assert.strictEqual(markers.calls.length, 0, 'no marker before the decision is durable');
      sync.pass();
      await coordinator.settled();
      assert.deepStrictEqual(
        markers.calls.map((c) => c.partitions),
        [['orders-0']],
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('whose PrepareAbort fdatasync fails is reported, stays fenced, and after markerRetryMs rewrites the file before its markers', async () => {
      const sync = new HeldSync();
      const markers = new RecordingMarkers();
      const linesAtMarker: number[] = [];
      const write = markers.writeTxnMarkers.bind(markers);
      markers.writeTxnMarkers = (m, parts) => {
        linesAtMarker.push(lines().length);
        return write(m, parts);
      };
      const { coordinator, clock, logs } = await start({
        markers,
        extra: { logSync: sync.sync, markerRetryMs: 200 },
      });
      const init = coordinator.initProducerId('tx', 1000);
      await until(() => sync.waiting === 1, 'the InitProducerId round');
      sync.release();
      const p = await init;
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      clock.advance(1001);
      coordinator.checkTimeouts();
      await until(() => sync.waiting === 1, 'the PrepareAbort round');
      sync.release(new Error('EIO: i/o error, fdatasync'));
      await until(() => logs.some((l) => l.includes('after its timeout')), 'the warning');
      sync.pass();
      assert.ok(
        logs.some((l) =>
          /^warn transactions: could not abort "tx" after its timeout: could not make .* durable \(fdatasync: EIO: i\/o error, fdatasync\)/.test(
            l,
          ),
        ),
        logs.join('\n'),
      );
      assert.ok(
        logs.some((l) =>
          /^warn transactions: PrepareAbort of "tx" is not complete \(could not make .*EIO.*\); retrying in 200 ms$/.test(
            l,
          ),
        ),
        logs.join('\n'),
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareAbort');
      assert.strictEqual(coordinator.describe('tx')!.producerEpoch, 1);
      await rejectsWith(
        () => coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 1)]),
        ErrorCode.PRODUCER_FENCED,
      );
      await settle();
      assert.strictEqual(markers.calls.length, 0, 'no marker before the retry');
      clock.advance(200);
      await coordinator.settled();
      assert.deepStrictEqual(linesAtMarker, [1], 'the file was rewritten (one line: PrepareAbort) before the marker');
      assert.deepStrictEqual(
        markers.calls.map((c) => [c.marker.producerEpoch, c.partitions]),
        [[1, ['orders-0']]],
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('fences the epoch it aborted for good: InitProducerId naming an older epoch of the id is PRODUCER_FENCED', async () => {
      const { coordinator, clock } = await start();
      let p = await coordinator.initProducerId('tx', 1000);
      for (let i = 0; i < 3; i++) p = await coordinator.initProducerId('tx', 1000);
      assert.strictEqual(p.producerEpoch, 3);
      await coordinator.addPartitions('tx', p.producerId, 3, [tp('orders', 0)]);
      clock.advance(1001);
      coordinator.checkTimeouts();
      await coordinator.settled();
      assert.strictEqual(coordinator.describe('tx')!.producerEpoch, 4);
      for (const epoch of [1, 3])
        await rejectsWith(
          coordinator.initProducerId('tx', 1000, { producerId: p.producerId, producerEpoch: epoch }),
          ErrorCode.PRODUCER_FENCED,
        );
      assert.deepStrictEqual(
        await coordinator.initProducerId('tx', 1000, { producerId: p.producerId, producerEpoch: 4 }),
        { producerId: p.producerId, producerEpoch: 5 },
      );
    });
  });

  describe('transactional ids that expire', () => {
    it('an id unused for exactly transactional.id.expiration.ms is forgotten: Dead event, log line, gone after a restart', async () => {
      const events: TransactionChange[] = [];
      const o = await start({
        extra: {
          idExpirationMs: 1000,
          onEvent: (e, payload) => {
            if (e === 'transactionChanged') events.push(payload as TransactionChange);
          },
        },
      });
      const p = await o.coordinator.initProducerId('tx', 60000);
      events.length = 0;
      o.clock.advance(999);
      o.coordinator.checkTimeouts();
      assert.ok(o.coordinator.describe('tx'), 'not yet');
      o.clock.advance(1);
      o.coordinator.checkTimeouts();
      assert.strictEqual(o.coordinator.describe('tx'), undefined);
      assert.deepStrictEqual(o.coordinator.list(), []);
      assert.deepStrictEqual(events, [
        { transactionalId: 'tx', state: 'Dead', producerId: p.producerId, producerEpoch: 0 },
      ]);
      assert.ok(o.logs.includes('info transactions: "tx" was unused for 1000 ms and is forgotten'), o.logs.join('\n'));
      assert.deepStrictEqual(lines()[lines().length - 1], { dead: 'tx' });
      const again = await crashAndReopen(o);
      assert.strictEqual(again.coordinator.describe('tx'), undefined);
    });

    it('an id whose InitProducerId is still waiting for its line to be durable is not forgotten', async () => {
      const sync = new HeldSync();
      const { coordinator, clock } = await start({ extra: { logSync: sync.sync, idExpirationMs: 1000 } });
      const first = coordinator.initProducerId('tx', 60000);
      await until(() => sync.waiting === 1, 'the first round');
      sync.release();
      await first;
      const second = coordinator.initProducerId('tx', 60000);
      await until(() => sync.waiting === 1, 'the second round');
      clock.advance(5000);
      coordinator.checkTimeouts();
      sync.pass();
      assert.deepStrictEqual(await second, { producerId: 1000, producerEpoch: 1 });
      assert.deepStrictEqual(coordinator.list(), [{ transactionalId: 'tx', producerId: 1000, state: 'Empty' }]);
    });

    it('a tombstone that cannot be written is reported and the id kept; one whose fdatasync fails is reported', async () => {
      const io = new FullDisk();
      let failSync = false;
      const o = await start({
        extra: {
          io,
          idExpirationMs: 1000,
          logSync: () => (failSync ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : Promise.resolve()),
        },
      });
      await o.coordinator.initProducerId('tx', 60000);
      o.clock.advance(1000);
      io.full = true;
      o.coordinator.checkTimeouts();
      assert.ok(o.coordinator.describe('tx'), 'kept');
      assert.ok(
        warnings(o).some((l) =>
          /^warn transactions: could not forget "tx": could not store the removal of "tx" in .*ENOSPC/.test(l),
        ),
        o.logs.join('\n'),
      );
      io.full = false;
      failSync = true;
      o.coordinator.checkTimeouts();
      assert.strictEqual(o.coordinator.describe('tx'), undefined);
      await until(() => warnings(o).some((l) => l.includes('the removal of "tx": could not make')), 'the warning');
    });
  });

  describe('marker and offset rounds', () => {
    it('a marker and a group that fail are both named in one warning and retried after markerRetryMs; then it completes', async () => {
      const offsets = new FlakyOffsets(1);
      const markers = new RecordingMarkers();
      markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
      const { coordinator, clock, logs } = await start({ markers, extra: { offsets, markerRetryMs: 300 } });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0), tp('orders', 1)]);
      await coordinator.addOffsets('tx', p.producerId, 0, 'billing');
      await coordinator.endTxn('tx', p.producerId, 0, true);
      await coordinator.settled();
      assert.ok(
        logs.includes(
          'warn transactions: PrepareCommit of "tx" is not complete (orders-0: KAFKA_STORAGE_ERROR; offsets of group "billing": ENOSPC: no space left on device, write); retrying in 300 ms',
        ),
        logs.join('\n'),
      );
      const d = coordinator.describe('tx')!;
      assert.strictEqual(d.state, 'PrepareCommit');
      assert.deepStrictEqual(d.markersPending, [tp('orders', 0)]);
      markers.answers.clear();
      clock.advance(300);
      await coordinator.settled();
      assert.deepStrictEqual(
        markers.calls.map((c) => c.partitions),
        [['orders-0', 'orders-1'], ['orders-0']],
      );
      assert.deepStrictEqual(offsets.calls, [
        ['billing', p.producerId, true],
        ['billing', p.producerId, true],
      ]);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });

    it('a Complete line that cannot be written is retried without writing the markers or the offsets again', async () => {
      const io = new FullDisk();
      const offsets = new FlakyOffsets();
      const { coordinator, clock, logs, markers } = await start({ extra: { io, offsets, markerRetryMs: 300 } });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await coordinator.addOffsets('tx', p.producerId, 0, 'billing');
      const release = markers.holdAll();
      await coordinator.endTxn('tx', p.producerId, 0, true);
      io.full = true;
      release();
      await coordinator.settled();
      assert.strictEqual(coordinator.describe('tx')!.state, 'PrepareCommit');
      assert.ok(
        logs.some((l) =>
          /^warn transactions: PrepareCommit of "tx" is not complete \(could not store state CompleteCommit of "tx" in .*ENOSPC.*\); retrying in 300 ms$/.test(
            l,
          ),
        ),
        logs.join('\n'),
      );
      io.full = false;
      clock.advance(300);
      await coordinator.settled();
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
      assert.strictEqual(markers.calls.length, 1, 'the markers were written once');
      assert.deepStrictEqual(offsets.calls, [['billing', p.producerId, true]], 'the offsets were applied once');
    });

    it('a Complete line whose fdatasync fails is reported (the next round rewrites the file)', async () => {
      let failSync = false;
      const { coordinator, logs } = await start({
        extra: {
          logSync: () => (failSync ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : Promise.resolve()),
        },
      });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, 0, true);
      failSync = true;
      await coordinator.settled();
      await until(
        () => logs.some((l) => /^warn transactions: CompleteCommit of "tx": could not make .*EIO/.test(l)),
        'the warning about the CompleteCommit line',
      );
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });

    it('a client retrying EndTxn while the markers are being written does not start a second round', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      const release = markers.holdAll();
      await coordinator.endTxn('tx', p.producerId, 0, true);
      await rejectsWith(coordinator.endTxn('tx', p.producerId, 0, true), ErrorCode.CONCURRENT_TRANSACTIONS);
      await rejectsWith(coordinator.abortTransaction('tx'), ErrorCode.CONCURRENT_TRANSACTIONS);
      await settle();
      release();
      await coordinator.settled();
      assert.strictEqual(markers.calls.length, 1);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
    });

    it('a transaction of offsets only writes no marker; settled() waits for a round that needs the event loop', async () => {
      const { coordinator, markers } = await start();
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addOffsets('tx', p.producerId, 0, 'billing');
      await coordinator.endTxn('tx', p.producerId, 0, true);
      await coordinator.settled();
      assert.strictEqual(markers.calls.length, 0);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteCommit');
      // one with a partition, whose marker arrives only after a timer: settled() resolves after it
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      markers.hold = new Promise<void>((r) => setTimeout(r, 5));
      await coordinator.endTxn('tx', p.producerId, 0, false);
      await coordinator.settled();
      assert.strictEqual(markers.calls.length, 1);
      assert.strictEqual(coordinator.describe('tx')!.state, 'CompleteAbort');
    });

    it('the Complete line lists no markers when no partition appended one (the partition is gone)', async () => {
      const markers = new PartitionLikeMarkers();
      markers.answers.set('orders-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const { coordinator } = await start({ markers });
      const p = await coordinator.initProducerId('tx', 60000);
      await coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await coordinator.endTxn('tx', p.producerId, 0, true);
      await coordinator.settled();
      const last = lines()[lines().length - 1];
      assert.strictEqual(last.state, 'CompleteCommit');
      assert.strictEqual(last.markers, undefined);
    });
  });

  describe('requests the coordinator refuses before looking at the state', () => {
    it('an empty transactional id is INVALID_REQUEST; an unknown one is INVALID_PRODUCER_ID_MAPPING naming the request', async () => {
      const { coordinator } = await start();
      const empty = await rejectsWith(
        coordinator.addPartitions('', 1000, 0, [tp('orders', 0)]),
        ErrorCode.INVALID_REQUEST,
      );
      assert.strictEqual(empty.message, 'a transactional id may not be the empty string');
      await rejectsWith(coordinator.endTxn('', 1000, 0, true), ErrorCode.INVALID_REQUEST);
      const unknown = await rejectsWith(
        coordinator.endTxn('nope', 1000, 0, true),
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      );
      assert.strictEqual(unknown.message, 'EndTxn: transactional id "nope" is unknown here; call InitProducerId first');
    });
  });

  describe('the admin abort of a hanging partition', () => {
    it("refuses a partition of the producer's own open transaction, and writes an ABORT marker anywhere else", async () => {
      const { coordinator, markers, logs } = await start();
      const a = await coordinator.initProducerId('a', 60000);
      const b = await coordinator.initProducerId('b', 60000);
      await coordinator.addPartitions('a', a.producerId, 0, [tp('orders', 0)]);
      await coordinator.addPartitions('b', b.producerId, 0, [tp('orders', 0)]);
      const refused = await rejectsWith(
        coordinator.abortHangingPartition(tp('orders', 0), a.producerId, 0),
        ErrorCode.INVALID_TXN_STATE,
      );
      assert.strictEqual(
        refused.message,
        `producer ${a.producerId} on orders-0 belongs to the open transaction of "a": abort that transaction instead`,
      );
      assert.strictEqual(markers.calls.length, 0);
      // the same producer on a partition its transaction does not hold; a producer no id knows
      assert.strictEqual(await coordinator.abortHangingPartition(tp('orders', 1), a.producerId, 0), ErrorCode.NONE);
      assert.strictEqual(await coordinator.abortHangingPartition(tp('orders', 0), 5555, 3), ErrorCode.NONE);
      assert.deepStrictEqual(
        markers.calls.map((c) => [c.marker, c.partitions]),
        [
          [{ producerId: a.producerId, producerEpoch: 0, commit: false, coordinatorEpoch: 0 }, ['orders-1']],
          [{ producerId: 5555, producerEpoch: 3, commit: false, coordinatorEpoch: 0 }, ['orders-0']],
        ],
      );
      assert.strictEqual(coordinator.describe('a')!.state, 'Ongoing');
      assert.strictEqual(coordinator.describe('b')!.state, 'Ongoing');
      assert.ok(
        logs.includes('info transactions: ABORT marker for producer 5555 epoch 3 written by hand to orders-0: NONE'),
        logs.join('\n'),
      );
    });

    it("answers the partition's error, and NONE when the writer answers nothing for it", async () => {
      const { coordinator, markers, logs } = await start();
      markers.answers.set('orders-2', ErrorCode.KAFKA_STORAGE_ERROR);
      assert.strictEqual(
        await coordinator.abortHangingPartition(tp('orders', 2), 5555, 3),
        ErrorCode.KAFKA_STORAGE_ERROR,
      );
      assert.ok(
        logs.includes(
          'info transactions: ABORT marker for producer 5555 epoch 3 written by hand to orders-2: KAFKA_STORAGE_ERROR',
        ),
        logs.join('\n'),
      );
      markers.writeTxnMarkers = () => Promise.resolve([]);
      assert.strictEqual(await coordinator.abortHangingPartition(tp('orders', 1), 5555, 3), ErrorCode.NONE);
    });
  });

  describe('a closed coordinator', () => {
    it('answers every request COORDINATOR_NOT_AVAILABLE and does nothing on a timeout check', async () => {
      const o = await start();
      const p = await o.coordinator.initProducerId('tx', 1000);
      await o.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      await o.coordinator.close();
      const closed = await rejectsWith(o.coordinator.initProducerId('tx', 1000), ErrorCode.COORDINATOR_NOT_AVAILABLE);
      assert.strictEqual(closed.message, 'the transaction coordinator is closed');
      await rejectsWith(
        () => o.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 1)]),
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
      );
      const before = o.logs.length;
      o.clock.advance(10_000_000);
      o.coordinator.checkTimeouts();
      await settle();
      assert.deepStrictEqual(o.logs.slice(before), []);
      assert.strictEqual(o.markers.calls.length, 0);
      await o.coordinator.close();
    });

    it('close waits for the marker round in flight: the restart finds the transaction complete', async () => {
      const first = await start();
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      const release = first.markers.holdAll();
      await first.coordinator.endTxn('tx', p.producerId, 0, true);
      const closing = first.coordinator.close();
      await settle();
      release();
      await closing;
      await first.offsets.close();
      forget(first);
      const again = new RecordingMarkers();
      const second = await start({ markers: again });
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteCommit');
      assert.strictEqual(again.calls.length, 0, 'nothing left to write');
    });

    it('a marker that fails while closing is not retried after the close; the restart writes it', async () => {
      const first = await start({ extra: { markerRetryMs: 100 } });
      const p = await first.coordinator.initProducerId('tx', 60000);
      await first.coordinator.addPartitions('tx', p.producerId, 0, [tp('orders', 0)]);
      first.markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
      const release = first.markers.holdAll();
      await first.coordinator.endTxn('tx', p.producerId, 0, true);
      const closing = first.coordinator.close();
      await settle();
      release();
      await closing;
      first.clock.advance(1000);
      await settle();
      assert.strictEqual(first.markers.calls.length, 1, 'no retry after close');
      await first.offsets.close();
      forget(first);
      const again = new RecordingMarkers();
      const second = await start({ markers: again });
      assert.deepStrictEqual(
        again.calls.map((c) => [c.marker.commit, c.partitions]),
        [[true, ['orders-0']]],
      );
      assert.strictEqual(second.coordinator.describe('tx')!.state, 'CompleteCommit');
    });
  });
});
