// DescribeProducers (key 61) v0 over the wire: the active producers of a partition from the producer state
// (id, epoch, last sequence, last timestamp), no open transaction (-1 start offset, coordinator epoch -1), and
// UNKNOWN_TOPIC_OR_PARTITION with a message for a partition that does not exist.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { describeProducers, openTxnWire } from './txn-frames';

describe('DescribeProducers API v0 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 2);
  });
  afterEach(() => t.wire.close());

  it("an idempotent producer that wrote 3 records shows with its epoch, last sequence 2 and its last batch's max timestamp", async () => {
    const { producerId } = await t.wire.broker.initProducerId(null);
    const records = [
      { value: 'a', timestamp: 1_700_000_000_000 },
      { value: 'b', timestamp: 1_700_000_002_000 },
      { value: 'c', timestamp: 1_700_000_001_000 },
    ];
    await t.wire.broker.produce('orders', records, {
      partition: 1,
      producer: { producerId, producerEpoch: 0, baseSequence: 0 },
    });
    const got = await describeProducers(t.wire, [
      ['orders', [0, 1, 7]],
      ['ghost', [0]],
    ]);
    assert.deepStrictEqual(got[0][1][0], { partition: 0, errorCode: 0, message: null, producers: [] });
    assert.deepStrictEqual(got[0][1][1], {
      partition: 1,
      errorCode: 0,
      message: null,
      producers: [
        {
          producerId,
          producerEpoch: 0,
          lastSequence: 2,
          lastTimestamp: 1_700_000_002_000,
          coordinatorEpoch: -1,
          currentTxnStartOffset: -1,
        },
      ],
    });
    assert.deepStrictEqual(
      [got[0][1][2].errorCode, got[0][1][2].message],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'topic "orders" has partitions 0..1; there is no partition 7'],
    );
    assert.deepStrictEqual(
      [got[1][1][0].errorCode, got[1][1][0].message],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'there is no topic "ghost"'],
    );
  });
});
