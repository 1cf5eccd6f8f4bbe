// AddOffsetsToTxn (key 25) v0-v4 over the wire: the group joins the producer's transaction (TxnOffsetCommit may
// then hold its offsets); a fenced producer is PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH in v0-1.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addOffsets, addPartitions, initProducerId, openTxnWire } from './txn-frames';

describe('AddOffsetsToTxn API v0-v4 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
  });
  afterEach(() => t.wire.close());

  for (const version of [0, 1, 2, 3, 4]) {
    it(`v${version} adds the group and opens the transaction`, async () => {
      const p = await initProducerId(t.wire, 3, 'tx');
      assert.strictEqual(await addOffsets(t.wire, version, 'tx', p.producerId, p.producerEpoch, 'g'), ErrorCode.NONE);
      const d = t.wire.broker.describeTransaction('tx')!;
      assert.deepStrictEqual([d.state, d.groups], ['Ongoing', ['g']]);
    });
  }

  it('a fenced producer is PRODUCER_FENCED in v2+ and INVALID_PRODUCER_EPOCH in v0-1', async () => {
    const old = await initProducerId(t.wire, 3, 'tx');
    await initProducerId(t.wire, 3, 'tx');
    assert.strictEqual(await addOffsets(t.wire, 3, 'tx', old.producerId, 0, 'g'), ErrorCode.PRODUCER_FENCED);
    assert.strictEqual(await addOffsets(t.wire, 0, 'tx', old.producerId, 0, 'g'), ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('a refusal is logged once naming the client and the code; CONCURRENT_TRANSACTIONS (retried at once) is not', async () => {
    const old = await initProducerId(t.wire, 3, 'tx');
    await initProducerId(t.wire, 3, 'tx');
    await addOffsets(t.wire, 3, 'tx', old.producerId, 0, 'g');
    const refused = t.wire.logs.filter((l) => l.includes('AddOffsetsToTxn refused'));
    assert.strictEqual(refused.length, 1, t.wire.logs.join(' | '));
    assert.match(refused[0], /^info client test-client: AddOffsetsToTxn refused \(90\): ./);
    await t.wire.broker.createTopic('orders', 1);
    const p = await initProducerId(t.wire, 3, 'tx');
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0]]]);
    t.markers.answers.set('orders-0', ErrorCode.KAFKA_STORAGE_ERROR);
    await t.wire.broker.endTxn('tx', p.producerId, p.producerEpoch, true);
    assert.strictEqual(
      await addOffsets(t.wire, 3, 'tx', p.producerId, p.producerEpoch, 'g'),
      ErrorCode.CONCURRENT_TRANSACTIONS,
    );
    assert.strictEqual(t.wire.logs.filter((l) => l.includes('AddOffsetsToTxn refused')).length, 1, 'no new line');
  });

  it('an unexpected engine failure answers -1 and logs an error naming the API and the transactional id', async () => {
    const message = t.wire.failEngine('addOffsetsToTxn');
    assert.strictEqual(await addOffsets(t.wire, 3, 'tx', 1, 0, 'g'), -1);
    assert.ok(
      t.wire.logs.some((l) => l.startsWith('error AddOffsetsToTxn "tx": unexpected failure') && l.includes(message)),
      t.wire.logs.join(' | '),
    );
  });
});
