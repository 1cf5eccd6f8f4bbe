// DescribeTransactions (key 65) v0 over the wire: the coordinator's state of each id asked for (state name,
// timeout, start time, producer id and epoch, partitions by topic); an unknown id is TRANSACTIONAL_ID_NOT_FOUND.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addPartitions, describeTransactions, initProducerId, openTxnWire } from './txn-frames';

describe('DescribeTransactions API v0 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 3);
    await t.wire.broker.createTopic('audit', 1);
  });
  afterEach(() => t.wire.close());

  it('an Ongoing transaction: its state, timeout, start time, producer and partitions; an unknown id is 105', async () => {
    const p = await initProducerId(t.wire, 3, 'tx', { timeoutMs: 45000 });
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [
      ['orders', [2, 0]],
      ['audit', [0]],
    ]);
    const [d, missing] = await describeTransactions(t.wire, ['tx', 'nope']);
    assert.deepStrictEqual(d, {
      errorCode: 0,
      transactionalId: 'tx',
      state: 'Ongoing',
      timeoutMs: 45000,
      startTimeMs: t.clock.now(),
      producerId: p.producerId,
      producerEpoch: 0,
      topics: [
        ['audit', [0]],
        ['orders', [0, 2]],
      ],
    });
    assert.deepStrictEqual(
      [missing.errorCode, missing.transactionalId, missing.state, missing.startTimeMs],
      [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 'nope', '', -1],
    );
    assert.deepStrictEqual(
      [missing.timeoutMs, missing.producerId, missing.producerEpoch, missing.topics],
      [0, -1, -1, []],
    );
  });

  it('an initialised id with no open transaction is Empty with start time -1 and no partitions', async () => {
    await initProducerId(t.wire, 3, 'tx');
    const [d] = await describeTransactions(t.wire, ['tx']);
    assert.deepStrictEqual([d.state, d.startTimeMs, d.topics], ['Empty', -1, []]);
  });
});
