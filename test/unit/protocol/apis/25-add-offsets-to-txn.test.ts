// AddOffsetsToTxn (key 25) v0-v4 over the wire: the group joins the producer's transaction (TxnOffsetCommit may
// then hold its offsets); a fenced producer is PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH in v0-1.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addOffsets, initProducerId, openTxnWire } from './txn-frames';

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
});
