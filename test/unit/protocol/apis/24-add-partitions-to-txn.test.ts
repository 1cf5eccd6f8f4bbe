// AddPartitionsToTxn (key 24) v0-v3 over the wire, frames from Kafka's message spec: partitions join the
// producer's transaction (the coordinator's state turns Ongoing); an unknown partition is
// UNKNOWN_TOPIC_OR_PARTITION and the rest OPERATION_NOT_ATTEMPTED; a fenced producer is PRODUCER_FENCED from v2
// and INVALID_PRODUCER_EPOCH in v0-1; an id the coordinator does not know is INVALID_PRODUCER_ID_MAPPING.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addPartitions, initProducerId, openTxnWire } from './txn-frames';

describe('AddPartitionsToTxn API v0-v3 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 3);
  });
  afterEach(() => t.wire.close());

  for (const version of [0, 1, 2, 3]) {
    it(`v${version} adds the partitions: NONE for each and the transaction is Ongoing with them`, async () => {
      const p = await initProducerId(t.wire, 3, 'tx');
      const got = await addPartitions(t.wire, version, 'tx', p.producerId, p.producerEpoch, [['orders', [0, 2]]]);
      assert.deepStrictEqual(got, [
        [
          'orders',
          [
            [0, 0],
            [2, 0],
          ],
        ],
      ]);
      const d = t.wire.broker.describeTransaction('tx')!;
      assert.deepStrictEqual([d.state, d.partitions.map((x) => x.partition)], ['Ongoing', [0, 2]]);
    });
  }

  it('an unknown partition is UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED', async () => {
    const p = await initProducerId(t.wire, 3, 'tx');
    const got = await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [
      ['orders', [1]],
      ['missing', [0]],
    ]);
    assert.deepStrictEqual(got, [
      ['orders', [[1, ErrorCode.OPERATION_NOT_ATTEMPTED]]],
      ['missing', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);
    assert.strictEqual(t.wire.broker.describeTransaction('tx')!.state, 'Empty');
  });

  it('a fenced producer is PRODUCER_FENCED in v2+ and INVALID_PRODUCER_EPOCH in v0-1, for every partition', async () => {
    const old = await initProducerId(t.wire, 3, 'tx');
    await initProducerId(t.wire, 3, 'tx');
    const v2 = await addPartitions(t.wire, 2, 'tx', old.producerId, old.producerEpoch, [['orders', [0, 1]]]);
    const v1 = await addPartitions(t.wire, 1, 'tx', old.producerId, old.producerEpoch, [['orders', [0]]]);
    assert.deepStrictEqual(v2, [
      [
        'orders',
        [
          [0, ErrorCode.PRODUCER_FENCED],
          [1, ErrorCode.PRODUCER_FENCED],
        ],
      ],
    ]);
    assert.deepStrictEqual(v1, [['orders', [[0, ErrorCode.INVALID_PRODUCER_EPOCH]]]]);
  });

  it('a transactional id never initialised is INVALID_PRODUCER_ID_MAPPING', async () => {
    const got = await addPartitions(t.wire, 3, 'nobody', 5, 0, [['orders', [0]]]);
    assert.deepStrictEqual(got, [['orders', [[0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]]]);
  });

  it('while the previous transaction is still writing its markers the answer is CONCURRENT_TRANSACTIONS', async () => {
    const p = await initProducerId(t.wire, 3, 'tx');
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0]]]);
    t.markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
    await t.wire.broker.endTxn('tx', p.producerId, p.producerEpoch, true);
    const got = await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [1]]]);
    assert.deepStrictEqual(got, [['orders', [[1, ErrorCode.CONCURRENT_TRANSACTIONS]]]]);
  });

  it('v0-1 keep every error other than fencing as it is (INVALID_PRODUCER_ID_MAPPING)', async () => {
    for (const version of [0, 1]) {
      const got = await addPartitions(t.wire, version, 'nobody', 5, 0, [['orders', [0]]]);
      assert.deepStrictEqual(got, [['orders', [[0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]]], `v${version}`);
    }
  });

  it('a refusal is logged once naming the client and the code; CONCURRENT_TRANSACTIONS (retried at once) is not', async () => {
    await addPartitions(t.wire, 3, 'nobody', 5, 0, [['orders', [0]]]);
    const refused = () => t.wire.logs.filter((l) => l.includes('AddPartitionsToTxn refused'));
    assert.strictEqual(refused().length, 1, t.wire.logs.join(' | '));
    assert.match(refused()[0], /^info client test-client: AddPartitionsToTxn refused \(49\): ./);
    const p = await initProducerId(t.wire, 3, 'tx');
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0]]]);
    t.markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
    await t.wire.broker.endTxn('tx', p.producerId, p.producerEpoch, true);
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [1]]]);
    assert.strictEqual(refused().length, 1, 'CONCURRENT_TRANSACTIONS adds no line');
  });

  it('an unexpected engine failure answers -1 per partition and logs an error naming the API and the transactional id', async () => {
    const message = t.wire.failEngine('addPartitionsToTxn');
    assert.deepStrictEqual(await addPartitions(t.wire, 3, 'tx', 1, 0, [['orders', [0]]]), [['orders', [[0, -1]]]]);
    assert.ok(
      t.wire.logs.some((l) => l.startsWith('error AddPartitionsToTxn "tx": unexpected failure') && l.includes(message)),
      t.wire.logs.join(' | '),
    );
  });
});
