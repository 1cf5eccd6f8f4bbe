// The Broker facade's record paths (src/broker/broker.ts) as a panel, the in-process consumer or a wire client
// sees them: produce (partition choice, refusals and their messages, the idempotent retry), readRecords under both
// isolation levels (aborted data and markers, a read one batch at a time, offsets inside a batch, compacted
// gaps), Fetch's aborted-transaction list, ListOffsets' special timestamps and read_committed lookups, and the
// refusals of transactional batches the transaction coordinator never saw.
import * as assert from 'assert';
import type { Broker } from '../../../src/broker/broker';
import { ErrorCode, KafkaError } from '../../../src/broker/errors';
import { markTransactional } from '../../../src/broker/storage/control-batch';
import { encodeRecordBatch } from '../../../src/broker/storage/record-batch';
import {
  EARLIEST_LOCAL_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
} from '../../../src/broker/types';
import type { TxnBroker } from './storage/txn-helpers';
import { mark, openTxnBroker, txnSend, txnTempDir } from './storage/txn-helpers';
import * as fs from 'fs';

/** A rejection that is a KafkaError with this code and a message matching `message`. */
const kafkaError = (code: ErrorCode, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof KafkaError, `a KafkaError, got ${String(e)}`);
  assert.strictEqual(e.code, code, e.message);
  assert.match(e.message, message);
  return true;
};

describe('Broker: records', () => {
  let dir: string;
  let t: TxnBroker;
  let broker: Broker;
  beforeEach(async () => {
    dir = txnTempDir();
    t = await openTxnBroker(dir);
    broker = t.broker;
  });
  afterEach(async () => {
    await broker.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const values = (rs: { value: Buffer | null }[]) => rs.map((r) => r.value?.toString() ?? null);

  describe('produce', () => {
    it('an empty record list is refused (INVALID_REQUEST) and nothing is appended', async () => {
      await broker.createTopic('t', 1);
      await assert.rejects(broker.produce('t', []), kafkaError(ErrorCode.INVALID_REQUEST, /the record list is empty/));
      assert.strictEqual(broker.partitionInfo('t', 0).logEndOffset, 0);
    });

    it('a partition outside the topic is refused with the valid range named, and nothing is appended', async () => {
      await broker.createTopic('t', 3);
      for (const p of [3, -1, 1.5]) {
        await assert.rejects(
          broker.produce('t', [{ value: 'x' }], { partition: p }),
          kafkaError(
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            new RegExp(`has partitions 0\\.\\.2; there is no partition ${p}$`),
          ),
        );
      }
      assert.deepStrictEqual(
        broker.partitions('t').map((i) => [i.partition, i.logEndOffset]),
        [
          [0, 0],
          [1, 0],
          [2, 0],
        ],
      );
      const last = await broker.produce('t', [{ value: 'x' }], { partition: 2 });
      assert.deepStrictEqual([last.partition, last.baseOffset, last.recordCount], [2, 0, 1]);
    });

    it('keyless records spread round-robin over the partitions, in order', async () => {
      await broker.createTopic('rr', 3);
      const got: number[] = [];
      for (let i = 0; i < 6; i++) got.push((await broker.produce('rr', [{ value: `v${i}` }])).partition);
      assert.deepStrictEqual(got, [0, 1, 2, 0, 1, 2]);
    });

    it('a plain record is stored without idempotence fields (-1) and a null value stays null', async () => {
      await broker.createTopic('t', 1);
      await broker.produce('t', [{ key: 'k', value: null }]);
      const [r] = broker.readRecords('t', 0, 0, 10);
      assert.deepStrictEqual([r.producerId, r.producerEpoch, r.baseSequence], [-1, -1, -1]);
      assert.strictEqual(r.value, null);
      assert.strictEqual(r.key?.toString(), 'k');
      assert.strictEqual(r.isTransactional, undefined, 'a plain record carries no transaction flags');
    });

    it('an idempotent retry answers the stored offsets with logAppendTime -1 and appends nothing', async () => {
      await broker.createTopic('t', 1);
      const p = await broker.initProducerId();
      const producer = { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 };
      await broker.produce('t', [{ value: 'plain' }]);
      const first = await broker.produce('t', [{ value: 'a' }, { value: 'b' }], { producer });
      assert.deepStrictEqual([first.baseOffset, first.duplicate ?? false], [1, false]);
      const retry = await broker.produce('t', [{ value: 'a' }, { value: 'b' }], { producer });
      assert.deepStrictEqual(
        [retry.baseOffset, retry.lastOffset, retry.logAppendTime, retry.logStartOffset, retry.duplicate],
        [1, 2, -1, 0, true],
      );
      assert.strictEqual(broker.partitionInfo('t', 0).logEndOffset, 3);
    });

    it('an idempotent record set of two batches is refused (INVALID_RECORD) and nothing is written', async () => {
      await broker.createTopic('t', 1);
      const p = await broker.initProducerId();
      const batch = (seq: number) =>
        encodeRecordBatch([{ key: null, value: Buffer.from(`v${seq}`), headers: [], timestamp: 1 }], {
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          baseSequence: seq,
          compression: 0,
        });
      assert.throws(
        () => broker.appendRecordSet('t', 0, Buffer.concat([batch(0), batch(1)])),
        kafkaError(ErrorCode.INVALID_RECORD, /exactly one record batch per partition/),
      );
      assert.strictEqual(broker.partitionInfo('t', 0).logEndOffset, 0);
    });
  });

  describe('transactional batches the coordinator did not see', () => {
    beforeEach(() => broker.createTopic('t', 1));

    it('a transactional batch without a producer id is refused with the id it carried', async () => {
      await assert.rejects(
        broker.produce('t', [{ value: 'x' }], { transactionalId: 'tx' }),
        kafkaError(ErrorCode.INVALID_RECORD, /a transactional batch needs a producer id \(t-0\); this one says -1/),
      );
    });

    it('a transactional batch without a transactional id is refused (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)', () => {
      const batch = markTransactional(
        encodeRecordBatch([{ key: null, value: Buffer.from('x'), headers: [], timestamp: 1 }], {
          producerId: 7,
          producerEpoch: 0,
          baseSequence: 0,
          compression: 0,
        }),
      );
      assert.throws(
        () => broker.appendRecordSet('t', 0, batch),
        kafkaError(
          ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          /a transactional batch for t-0 came without a transactional id/,
        ),
      );
    });

    it("a control batch from a client is refused: markers are the coordinator's", async () => {
      await txnSend(broker, 't', 0, 5, 0, ['a']);
      await mark(broker, 5, 0, true, [{ topic: 't', partition: 0 }]);
      // the marker batch as it is stored, sent back by a client
      const stored = broker.fetch('t', 0, 1, 1 << 20).records;
      assert.throws(
        () => broker.appendRecordSet('t', 0, stored, 'tx-5'),
        kafkaError(ErrorCode.INVALID_RECORD, /a client cannot produce control batches \(t-0\)/),
      );
    });

    it('without a transaction coordinator every transactional batch is refused (INVALID_TXN_STATE)', async () => {
      broker.useTxnPartitionVerifier(null);
      assert.strictEqual(broker.acceptsTransactions, false);
      await assert.rejects(
        txnSend(broker, 't', 0, 5, 0, ['a']),
        kafkaError(ErrorCode.INVALID_TXN_STATE, /transactions are not supported by this broker/),
      );
      assert.strictEqual(broker.partitionInfo('t', 0).logEndOffset, 0);
    });
  });

  describe('readRecords', () => {
    /** 0 P1 a1 | 1 P2 b1 | 2 P1 ABORT | 3 P2 b2 | 4 P2 COMMIT | 5 plain p5 | 6 P1 c1 | 7 P1 COMMIT | 8 P3 open */
    const fixture = async () => {
      await broker.createTopic('tx', 1);
      const tp = [{ topic: 'tx', partition: 0 }];
      await txnSend(broker, 'tx', 0, 1, 0, ['a1']);
      await txnSend(broker, 'tx', 0, 2, 0, ['b1']);
      await mark(broker, 1, 0, false, tp);
      await txnSend(broker, 'tx', 0, 2, 0, ['b2']);
      await mark(broker, 2, 0, true, tp);
      await broker.produce('tx', [{ value: 'p5' }], { partition: 0 });
      await txnSend(broker, 'tx', 0, 1, 0, ['c1']);
      await mark(broker, 1, 0, true, tp);
      await txnSend(broker, 'tx', 0, 3, 0, ['open']);
    };

    it('read_uncommitted returns everything, flagged: aborted data, markers (which one), committed data', async () => {
      await fixture();
      const rs = broker.readRecords('tx', 0, 0, 100);
      assert.deepStrictEqual(
        rs.map((r) => [r.offset, r.isTransactional, r.control, r.aborted]),
        [
          [0, true, undefined, true],
          [1, true, undefined, false],
          [2, true, 'ABORT', false],
          [3, true, undefined, false],
          [4, true, 'COMMIT', false],
          [5, undefined, undefined, undefined],
          [6, true, undefined, false],
          [7, true, 'COMMIT', false],
          [8, true, undefined, false],
        ],
      );
    });

    it('read_committed skips aborted data and markers and stops at the open transaction', async () => {
      await fixture();
      const committed = (maxBytes: number) =>
        values(broker.readRecords('tx', 0, 0, 100, maxBytes, { isolationLevel: 1 }));
      assert.deepStrictEqual(committed(1 << 20), ['b1', 'b2', 'p5', 'c1']);
      // one batch per read: a read that only skips (an aborted batch, a marker) goes on to the next batch
      assert.deepStrictEqual(committed(1), ['b1', 'b2', 'p5', 'c1']);
      assert.deepStrictEqual(values(broker.readRecords('tx', 0, 2, 100, 1, { isolationLevel: 1 })), ['b2', 'p5', 'c1']);
      assert.deepStrictEqual(values(broker.readRecords('tx', 0, 9, 100, 1, { isolationLevel: 1 })), []);
    });

    it('a read from inside a batch starts at that offset, and maxRecords stops inside a batch', async () => {
      await broker.createTopic('t', 1);
      await broker.produce('t', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
      await broker.produce('t', [{ value: 'd' }, { value: 'e' }]);
      assert.deepStrictEqual(values(broker.readRecords('t', 0, 1, 100)), ['b', 'c', 'd', 'e']);
      assert.deepStrictEqual(values(broker.readRecords('t', 0, 1, 100, 1)), ['b', 'c', 'd', 'e']);
      assert.deepStrictEqual(values(broker.readRecords('t', 0, 0, 2)), ['a', 'b']);
      assert.deepStrictEqual(values(broker.readRecords('t', 0, 1, 3, 1)), ['b', 'c', 'd']);
      assert.deepStrictEqual(values(broker.readRecords('t', 0, 5, 100)), [], 'at the log end: nothing');
      assert.deepStrictEqual(values(broker.readRecords('t', 0, 50, 100)), [], 'past the log end: nothing');
    });

    it('a batch whose last records were compacted away is read past, one batch per read too', async () => {
      await broker.createTopic('c', 1, { 'cleanup.policy': 'compact' });
      await broker.produce('c', [
        { key: 'k1', value: 'a'.repeat(60) },
        { key: 'k2', value: 'b'.repeat(60) },
      ]);
      await broker.produce('c', [{ key: 'k2', value: 'c'.repeat(60) }]);
      await broker.produce('c', [{ key: 'k3', value: 'd'.repeat(60) }]);
      await broker.produce('c', [{ key: 'k4', value: 'e'.repeat(60) }]);
      await broker.compactTopic('c');
      const offsets = (maxBytes: number) => broker.readRecords('c', 0, 0, 100, maxBytes).map((r) => r.offset);
      assert.deepStrictEqual(offsets(1 << 20), [0, 2, 3, 4]);
      assert.deepStrictEqual(offsets(1), [0, 2, 3, 4]);
    });
  });

  describe('fetch', () => {
    it('read_committed answers the aborted transactions of the batches it returns, even one batch at a time', async () => {
      await broker.createTopic('tx', 1);
      await txnSend(broker, 'tx', 0, 1, 0, ['a', 'b', 'c']);
      await mark(broker, 1, 0, false, [{ topic: 'tx', partition: 0 }]);
      await broker.produce('tx', [{ value: 'p' }], { partition: 0 });
      const one = broker.fetch('tx', 0, 0, 1, 1);
      assert.deepStrictEqual(one.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
      assert.strictEqual(one.lastStableOffset, 5);
      const all = broker.fetch('tx', 0, 0, 1 << 20, 1);
      assert.deepStrictEqual(all.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
      assert.deepStrictEqual(broker.fetch('tx', 0, 4, 1 << 20, 1).abortedTransactions, []);
      assert.strictEqual(broker.fetch('tx', 0, 0, 1 << 20, 0).abortedTransactions, undefined);
    });
  });

  describe('listOffset', () => {
    it('the timestamps a client sends as numbers, -1 to -5, mean latest, earliest, max, earliest local and latest tiered', async () => {
      await broker.createTopic('w', 1);
      for (const ts of [500, 900, 700]) await broker.produce('w', [{ value: 'v', timestamp: ts }]);
      broker.deleteRecords('w', 0, 1);
      const at = (timestamp: number) => broker.listOffset('w', 0, timestamp);
      assert.deepStrictEqual(at(-1), { offset: 3, timestamp: -1 });
      assert.deepStrictEqual(at(-2), { offset: 1, timestamp: -1 });
      assert.deepStrictEqual(at(-3), { offset: 1, timestamp: 900 });
      assert.deepStrictEqual(at(-4), { offset: 1, timestamp: -1 });
      assert.deepStrictEqual(at(-5), { offset: -1, timestamp: -1 });
    });

    it('EARLIEST_LOCAL is the log start, LATEST_TIERED is -1 (nothing is tiered)', async () => {
      await broker.createTopic('t', 1);
      for (let i = 0; i < 5; i++) await broker.produce('t', [{ value: `v${i}`, timestamp: 1000 + i }]);
      broker.deleteRecords('t', 0, 3);
      assert.deepStrictEqual(broker.listOffset('t', 0, EARLIEST_LOCAL_TIMESTAMP), { offset: 3, timestamp: -1 });
      assert.deepStrictEqual(broker.listOffset('t', 0, LATEST_TIERED_TIMESTAMP), { offset: -1, timestamp: -1 });
    });

    it('MAX_TIMESTAMP finds the record with the largest timestamp, none on an empty or emptied log', async () => {
      await broker.createTopic('t', 1);
      assert.deepStrictEqual(broker.listOffset('t', 0, MAX_TIMESTAMP), { offset: -1, timestamp: -1 });
      await broker.produce('t', [{ value: 'a', timestamp: 100 }]);
      await broker.produce('t', [{ value: 'b', timestamp: 300 }]);
      await broker.produce('t', [{ value: 'c', timestamp: 200 }]);
      assert.deepStrictEqual(broker.listOffset('t', 0, MAX_TIMESTAMP), { offset: 1, timestamp: 300 });
      broker.deleteRecords('t', 0, 3);
      assert.deepStrictEqual(broker.listOffset('t', 0, MAX_TIMESTAMP), { offset: -1, timestamp: -1 });
    });

    it('MAX_TIMESTAMP finds a record stamped 0', async () => {
      await broker.createTopic('z', 1);
      await broker.produce('z', [{ value: 'a', timestamp: 0 }]);
      assert.deepStrictEqual(broker.listOffset('z', 0, MAX_TIMESTAMP), { offset: 0, timestamp: 0 });
    });

    it('read_committed finds no offset at or past the last stable offset (an open transaction)', async () => {
      await broker.createTopic('tx', 1);
      await broker.produce('tx', [{ value: 'old', timestamp: 100 }], { partition: 0 });
      await broker.produce('tx', [{ value: 'p', timestamp: 150 }], { partition: 0 });
      const p = await broker.produce('tx', [{ value: 'open', timestamp: 200 }], {
        partition: 0,
        producer: { producerId: 9, producerEpoch: 0, baseSequence: 0 },
        transactionalId: 'tx-9',
      });
      assert.strictEqual(p.baseOffset, 2);
      assert.deepStrictEqual(broker.listOffset('tx', 0, 180, 0), { offset: 2, timestamp: 200 });
      assert.deepStrictEqual(broker.listOffset('tx', 0, 180, 1), { offset: -1, timestamp: -1 });
      assert.deepStrictEqual(broker.listOffset('tx', 0, 120, 1), { offset: 1, timestamp: 150 });
      assert.deepStrictEqual(broker.listOffset('tx', 0, MAX_TIMESTAMP, 1), { offset: -1, timestamp: -1 });
      assert.deepStrictEqual(broker.listOffset('tx', 0, LATEST_TIMESTAMP, 1), { offset: 2, timestamp: -1 });
      assert.deepStrictEqual(broker.listOffset('tx', 0, LATEST_TIMESTAMP, 0), { offset: 3, timestamp: -1 });
    });
  });
});
