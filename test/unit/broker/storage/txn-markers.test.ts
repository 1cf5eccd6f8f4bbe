// The partition side of transactions (storage/txn-markers.ts, control-batch.ts, producer state): markers written
// as Kafka writes them, the last stable offset with interleaved producers, fencing by epoch at the partition,
// transactional produce through the coordinator's verifier, and the record read that marks control and aborted
// batches.
import * as assert from 'assert';
import * as fs from 'fs';
import type { Broker } from '../../../../src/broker/broker';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import {
  controlBatchHeader,
  encodeControlBatch,
  readControlRecord,
} from '../../../../src/broker/storage/control-batch';
import { decodeRecordBatches, validateRecordSet } from '../../../../src/broker/storage/record-batch';
import type { TxnBroker } from './txn-helpers';
import { committedValues, mark, openTxnBroker, txnSend, txnTempDir } from './txn-helpers';

describe('transactions at the partition: markers and the last stable offset', () => {
  let dir: string;
  let t: TxnBroker;
  let broker: Broker;
  const tp = { topic: 'orders', partition: 0 };

  beforeEach(async () => {
    dir = txnTempDir();
    t = await openTxnBroker(dir);
    broker = t.broker;
    await broker.createTopic('orders', 2);
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a control batch is Kafka's: transactional + control attributes, one record with key {0, type} and value {0, coordinator epoch}", () => {
    const batch = encodeControlBatch({
      producerId: 7,
      producerEpoch: 3,
      commit: true,
      coordinatorEpoch: 5,
      timestamp: 1234,
    });
    const [h] = validateRecordSet(batch, 1 << 20);
    assert.strictEqual(h.attributes, 0x30);
    assert.deepStrictEqual([h.producerId, h.producerEpoch, h.baseSequence, h.recordCount], [7, 3, -1, 1]);
    const [decoded] = decodeRecordBatches(batch);
    assert.ok(decoded.isControl && decoded.isTransactional);
    assert.deepStrictEqual([...decoded.records[0].key!], [0, 0, 0, 1], 'key: version 0, type 1 (COMMIT)');
    assert.deepStrictEqual([...decoded.records[0].value!], [0, 0, 0, 0, 0, 5], 'value: version 0, coordinator epoch 5');
    assert.deepStrictEqual(readControlRecord(batch), { type: 1, coordinatorEpoch: 5 });
    const abort = encodeControlBatch({
      producerId: 7,
      producerEpoch: 3,
      commit: false,
      coordinatorEpoch: 0,
      timestamp: 1,
    });
    assert.strictEqual(readControlRecord(abort)?.type, 0);
    assert.strictEqual(controlBatchHeader(abort).size, abort.length);
  });

  it('the last stable offset is the first offset of the earliest open transaction, with producers interleaved', async () => {
    await broker.produce('orders', [{ value: 'plain' }], { partition: 0 }); // 0
    const a = await txnSend(broker, 'orders', 0, 1, 0, ['a1', 'a2']); // 1-2
    const b = await txnSend(broker, 'orders', 0, 2, 0, ['b1']); // 3
    await txnSend(broker, 'orders', 0, 1, 0, ['a3']); // 4
    assert.deepStrictEqual([a, b], [1, 3]);
    assert.strictEqual(broker.lastStableOffset('orders', 0), 1, 'producer 1 opened first');
    assert.strictEqual(broker.partitionInfo('orders', 0).lastStableOffset, 1);
    assert.strictEqual(broker.lastStableOffset('orders', 1), 0, 'the other partition has nothing open');
    assert.deepStrictEqual(
      broker.producerState('orders', 0).map((p) => [p.producerId, p.currentTxnStartOffset]),
      [
        [1, 1],
        [2, 3],
      ],
    );
    assert.deepStrictEqual(committedValues(broker, 'orders', 0), ['plain']);

    const events: unknown[] = [];
    broker.on('txnMarker', (e) => events.push(e));
    assert.deepStrictEqual(await mark(broker, 1, 0, true, [tp]), [0]); // marker at 5
    assert.deepStrictEqual(events, [
      { topic: 'orders', partition: 0, producerId: 1, producerEpoch: 0, commit: true, offset: 5, lastStableOffset: 3 },
    ]);
    assert.strictEqual(broker.lastStableOffset('orders', 0), 3, "producer 2's transaction still holds it back");
    assert.deepStrictEqual(committedValues(broker, 'orders', 0), ['plain', 'a1', 'a2']);

    assert.deepStrictEqual(await mark(broker, 2, 0, false, [tp]), [0]); // marker at 6
    const info = broker.partitionInfo('orders', 0);
    assert.strictEqual(info.logEndOffset, 7);
    assert.strictEqual(broker.lastStableOffset('orders', 0), 7, 'nothing open: the high watermark');
    assert.deepStrictEqual(committedValues(broker, 'orders', 0), ['plain', 'a1', 'a2', 'a3'], 'b1 was aborted');
    assert.deepStrictEqual(broker.abortedTransactions('orders', 0, 0, 7), [
      { producerId: 2, firstOffset: 3, lastOffset: 6, lastStableOffset: 7 },
    ]);
  });

  it('an ABORT while another transaction is open records that transaction as the last stable offset', async () => {
    await txnSend(broker, 'orders', 0, 1, 0, ['a1']); // 0
    await txnSend(broker, 'orders', 0, 2, 0, ['b1']); // 1
    await mark(broker, 2, 0, false, [tp]); // 2
    assert.deepStrictEqual(broker.abortedTransactions('orders', 0, 0, 3), [
      { producerId: 2, firstOffset: 1, lastOffset: 2, lastStableOffset: 0 },
    ]);
    assert.strictEqual(broker.lastStableOffset('orders', 0), 0);
  });

  it('the record read names markers and greys aborted data; read_committed skips both', async () => {
    await txnSend(broker, 'orders', 0, 1, 0, ['kept']);
    await mark(broker, 1, 0, true, [tp]);
    await txnSend(broker, 'orders', 0, 1, 0, ['dropped']);
    await mark(broker, 1, 0, false, [tp]);
    const all = broker.readRecords('orders', 0, 0, 10);
    assert.deepStrictEqual(
      all.map((r) => [r.offset, r.isTransactional, r.control ?? null, r.aborted]),
      [
        [0, true, null, false],
        [1, true, 'COMMIT', false],
        [2, true, null, true],
        [3, true, 'ABORT', false],
      ],
    );
    assert.deepStrictEqual(committedValues(broker, 'orders', 0), ['kept']);
  });

  it("a marker resolves once appended, with its offset and no flush of its own; whenDurable() waits for the flush policy's timer; a partition that is gone answers UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await txnSend(broker, 'orders', 0, 1, 0, ['x']);
    let flushed = 0;
    const flush = broker.logs.flush.bind(broker.logs);
    broker.logs.flush = async () => {
      flushed++;
      await flush();
    };
    const results = await broker.txnMarkers.writeTxnMarkers(
      { producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 },
      [tp, { topic: 'orders', partition: 9 }, { topic: 'gone', partition: 0 }],
    );
    assert.deepStrictEqual(
      results.map((r) => [r.errorCode, r.offset]),
      [
        [0, 1],
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined],
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined],
      ],
    );
    assert.strictEqual(flushed, 0, 'the marker follows the flush policy: no flush of its own');
    assert.strictEqual(broker.lastStableOffset('orders', 0), 2, 'the last stable offset moved at the append');
    let durable = false;
    const waiting = broker.txnMarkers.whenDurable!().then(() => (durable = true));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.strictEqual(durable, false, 'not before the flush timer has run');
    t.clock.advance(broker.flushIntervalMs);
    await waiting;
    assert.strictEqual(flushed, 0, 'whenDurable started no flush: the timer did');
    assert.strictEqual(broker.txnMarkers.logEndOffset!(tp), 2);
    assert.strictEqual(broker.txnMarkers.logEndOffset!({ topic: 'gone', partition: 0 }), undefined);
  });

  it('logEndOffset answers only for partitions that exist; markers to a partition just past the last are refused', async () => {
    await broker.produce('orders', [{ value: 'x' }], { partition: 1 });
    assert.strictEqual(broker.txnMarkers.logEndOffset!({ topic: 'orders', partition: 1 }), 1, 'the last partition');
    for (const partition of [2, -1, 0.5])
      assert.strictEqual(
        broker.txnMarkers.logEndOffset!({ topic: 'orders', partition }),
        undefined,
        `partition ${partition}`,
      );
    const results = await broker.txnMarkers.writeTxnMarkers(
      { producerId: 1, producerEpoch: 0, commit: false, coordinatorEpoch: 0 },
      [
        { topic: 'orders', partition: 2 },
        { topic: 'orders', partition: -1 },
      ],
    );
    assert.deepStrictEqual(
      results.map((r) => [r.partition, r.errorCode, r.offset]),
      [
        [2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined],
        [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined],
      ],
    );
  });

  it('a failed timer flush rejects whenDurable with KAFKA_STORAGE_ERROR; the marker stays appended', async () => {
    await txnSend(broker, 'orders', 0, 1, 0, ['x']);
    assert.deepStrictEqual(await mark(broker, 1, 0, true, [tp]), [0]);
    const seg = broker.logs as unknown as { flusher: { flushWork: () => Promise<void> } };
    const work = seg.flusher.flushWork;
    seg.flusher.flushWork = () => Promise.reject(new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'disk gone'));
    try {
      const waiting = broker.txnMarkers.whenDurable!();
      t.clock.advance(broker.flushIntervalMs);
      await assert.rejects(waiting, (e: KafkaError) => e.code === ErrorCode.KAFKA_STORAGE_ERROR);
      assert.strictEqual(broker.partitionInfo('orders', 0).logEndOffset, 2);
    } finally {
      seg.flusher.flushWork = work;
    }
  });

  it('fencing at the partition: a marker with an older epoch is refused, a newer one fences the old epoch', async () => {
    await txnSend(broker, 'orders', 0, 1, 3, ['e3']);
    const before = broker.partitionInfo('orders', 0).logEndOffset;
    assert.deepStrictEqual(await mark(broker, 1, 2, false, [tp]), [ErrorCode.INVALID_PRODUCER_EPOCH]);
    assert.strictEqual(broker.partitionInfo('orders', 0).logEndOffset, before, 'nothing was written');
    assert.strictEqual(broker.lastStableOffset('orders', 0), 0, 'the transaction is still open');
    // The coordinator aborts with a bumped epoch (InitProducerId from a new producer instance).
    assert.deepStrictEqual(await mark(broker, 1, 4, false, [tp]), [0]);
    assert.strictEqual(broker.lastStableOffset('orders', 0), 2);
    await assert.rejects(txnSend(broker, 'orders', 0, 1, 3, ['zombie']), (e: KafkaError) => {
      assert.strictEqual(e.code, ErrorCode.INVALID_PRODUCER_EPOCH);
      return true;
    });
  });

  it('a producer with a transaction open on the partition cannot write a non-transactional batch', async () => {
    await txnSend(broker, 'orders', 0, 1, 0, ['in-txn']);
    await assert.rejects(
      broker.produce('orders', [{ value: 'outside' }], {
        partition: 0,
        producer: { producerId: 1, producerEpoch: 0, baseSequence: 1 },
      }),
      (e: KafkaError) => e.code === ErrorCode.INVALID_TXN_STATE,
    );
  });

  it('transactional produce asks the verifier, and its refusal is the error the producer gets', async () => {
    await txnSend(broker, 'orders', 1, 5, 2, ['ok']);
    assert.deepStrictEqual(t.verifier.calls, [
      { transactionalId: 'tx-5', producerId: 5, producerEpoch: 2, topic: 'orders', partition: 1 },
    ]);
    t.verifier.answer = ErrorCode.INVALID_TXN_STATE;
    const end = broker.partitionInfo('orders', 1).logEndOffset;
    await assert.rejects(
      txnSend(broker, 'orders', 1, 5, 2, ['refused']),
      (e: KafkaError) => e.code === ErrorCode.INVALID_TXN_STATE,
    );
    t.verifier.answer = 90; // PRODUCER_FENCED
    await assert.rejects(txnSend(broker, 'orders', 1, 5, 2, ['refused']), (e: KafkaError) => Number(e.code) === 90);
    assert.strictEqual(broker.partitionInfo('orders', 1).logEndOffset, end, 'nothing was appended');
  });

  it('without a verifier, transactional produce is refused; control batches from a client never are accepted', async () => {
    broker.useTxnPartitionVerifier(null);
    assert.strictEqual(broker.acceptsTransactions, false);
    await assert.rejects(
      txnSend(broker, 'orders', 0, 1, 0, ['x']),
      (e: KafkaError) => e.code === ErrorCode.INVALID_TXN_STATE,
    );
    broker.useTxnPartitionVerifier(t.verifier);
    const marker = encodeControlBatch({
      producerId: 1,
      producerEpoch: 0,
      commit: true,
      coordinatorEpoch: 0,
      timestamp: 1,
    });
    assert.throws(
      () => broker.appendRecordSet('orders', 0, marker, 'tx-1'),
      (e: KafkaError) => e.code === ErrorCode.INVALID_RECORD,
    );
    assert.strictEqual(broker.partitionInfo('orders', 0).logEndOffset, 0);
  });

  it('ListOffsets: latest is the last stable offset under read_committed, and a lookup past it finds nothing', async () => {
    await broker.produce('orders', [{ value: 'a' }], { partition: 0 });
    t.clock.advance(1000);
    await txnSend(broker, 'orders', 0, 1, 0, ['b']);
    assert.strictEqual(broker.listOffset('orders', 0, -1, 1).offset, 1);
    assert.strictEqual(broker.listOffset('orders', 0, -1, 0).offset, 2);
    // A timestamp lookup that lands on the open transaction finds nothing under read_committed.
    const ts = broker.readRecords('orders', 0, 1, 1)[0].timestamp;
    assert.deepStrictEqual(broker.listOffset('orders', 0, ts, 1), { offset: -1, timestamp: -1 });
    assert.strictEqual(broker.listOffset('orders', 0, ts, 0).offset, 1);
    await mark(broker, 1, 0, true, [tp]);
    assert.strictEqual(broker.listOffset('orders', 0, -1, 1).offset, 3);
    assert.strictEqual(broker.listOffset('orders', 0, ts, 1).offset, 1);
  });

  it('DeleteRecords past an open transaction: the last stable offset never falls below the log start', async () => {
    await txnSend(broker, 'orders', 0, 1, 0, ['a']); // 0
    await broker.produce('orders', [{ value: 'b' }, { value: 'c' }], { partition: 0 }); // 1-2
    broker.deleteRecords('orders', 0, 2);
    assert.strictEqual(broker.lastStableOffset('orders', 0), 2);
  });
});
