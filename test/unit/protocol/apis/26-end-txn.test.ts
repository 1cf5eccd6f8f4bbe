// EndTxn (key 26) v0-v4 over the wire: commit and abort write their markers (recorded) before the answer; EndTxn
// with nothing added is INVALID_TXN_STATE; while the markers are outstanding another EndTxn is
// CONCURRENT_TRANSACTIONS; a fenced producer is PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH in v0-1.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addPartitions, endTxn, initProducerId, openTxnWire } from './txn-frames';

describe('EndTxn API v0-v4 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 2);
  });
  afterEach(() => t.wire.close());

  for (const [version, commit] of [
    [0, true],
    [1, false],
    [2, true],
    [3, false],
    [4, true],
  ] as const) {
    it(`v${version} ${commit ? 'commits' : 'aborts'}: ${commit ? 'COMMIT' : 'ABORT'} markers are written before the answer`, async () => {
      const p = await initProducerId(t.wire, 3, 'tx');
      await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0, 1]]]);
      assert.strictEqual(await endTxn(t.wire, version, 'tx', p.producerId, p.producerEpoch, commit), ErrorCode.NONE);
      assert.deepStrictEqual(t.markers.calls, [
        {
          marker: { producerId: p.producerId, producerEpoch: p.producerEpoch, commit, coordinatorEpoch: 0 },
          partitions: ['orders-0', 'orders-1'],
        },
      ]);
      assert.strictEqual(t.wire.broker.describeTransaction('tx')!.state, commit ? 'CompleteCommit' : 'CompleteAbort');
    });
  }

  it('EndTxn with nothing added is INVALID_TXN_STATE', async () => {
    const p = await initProducerId(t.wire, 3, 'tx');
    assert.strictEqual(await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, true), ErrorCode.INVALID_TXN_STATE);
  });

  it('a second EndTxn while the markers are being written is CONCURRENT_TRANSACTIONS', async () => {
    const p = await initProducerId(t.wire, 3, 'tx');
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0]]]);
    const release = t.markers.holdAll();
    const first = t.wire.broker.endTxn('tx', p.producerId, p.producerEpoch, true);
    assert.strictEqual(
      await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, true),
      ErrorCode.CONCURRENT_TRANSACTIONS,
    );
    release();
    await first;
    assert.strictEqual(await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, true), ErrorCode.NONE, 'a retry');
  });

  it('a fenced producer is PRODUCER_FENCED in v2+ and INVALID_PRODUCER_EPOCH in v0-1', async () => {
    const old = await initProducerId(t.wire, 3, 'tx');
    await addPartitions(t.wire, 3, 'tx', old.producerId, old.producerEpoch, [['orders', [0]]]);
    const next = await initProducerId(t.wire, 3, 'tx');
    assert.strictEqual(next.producerEpoch, 2, 'the open transaction was aborted with epoch 1 first');
    assert.strictEqual(await endTxn(t.wire, 2, 'tx', old.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
    assert.strictEqual(await endTxn(t.wire, 1, 'tx', old.producerId, 0, true), ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('a refusal is logged once naming the client and the code; CONCURRENT_TRANSACTIONS (retried at once) is not', async () => {
    const p = await initProducerId(t.wire, 3, 'tx');
    await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, true);
    const refused = () => t.wire.logs.filter((l) => l.includes('EndTxn refused'));
    assert.strictEqual(refused().length, 1, t.wire.logs.join(' | '));
    assert.match(refused()[0], /^info client test-client: EndTxn refused \(48\): ./);
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0]]]);
    const release = t.markers.holdAll();
    const first = t.wire.broker.endTxn('tx', p.producerId, p.producerEpoch, true);
    assert.strictEqual(
      await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, true),
      ErrorCode.CONCURRENT_TRANSACTIONS,
    );
    release();
    await first;
    assert.strictEqual(refused().length, 1, 'CONCURRENT_TRANSACTIONS adds no line');
  });

  it('an unexpected engine failure answers -1 and logs an error naming the API and the transactional id', async () => {
    const message = t.wire.failEngine('endTxn');
    assert.strictEqual(await endTxn(t.wire, 3, 'tx', 1, 0, true), -1);
    assert.ok(
      t.wire.logs.some((l) => l.startsWith('error EndTxn "tx": unexpected failure') && l.includes(message)),
      t.wire.logs.join(' | '),
    );
  });
});
