// WriteTxnMarkers (key 27) v1 over the wire, as Admin.abortTransaction (kafka-transactions.sh abort) sends it: an
// ABORT marker for a hanging producer goes to the partition logs; a COMMIT marker is refused (INVALID_REQUEST), and
// so is a partition of a transaction the coordinator still owns (INVALID_TXN_STATE).
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addPartitions, initProducerId, openTxnWire, writeTxnMarkers } from './txn-frames';

describe('WriteTxnMarkers API v1 on the wire (abort by hand)', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 2);
  });
  afterEach(() => t.wire.close());

  it('an ABORT marker for a producer no transactional id owns is written to each partition', async () => {
    assert.deepStrictEqual(await writeTxnMarkers(t.wire, 77, 3, false, 'orders', [0, 1]), [
      [0, 0],
      [1, 0],
    ]);
    assert.deepStrictEqual(
      t.markers.calls.map((c) => [c.marker.producerId, c.marker.producerEpoch, c.marker.commit, c.partitions]),
      [
        [77, 3, false, ['orders-0']],
        [77, 3, false, ['orders-1']],
      ],
    );
  });

  it('a COMMIT marker is INVALID_REQUEST; a partition of an open coordinator transaction INVALID_TXN_STATE', async () => {
    const p = await initProducerId(t.wire, 3, 'tx');
    await addPartitions(t.wire, 3, 'tx', p.producerId, p.producerEpoch, [['orders', [0]]]);
    assert.deepStrictEqual(await writeTxnMarkers(t.wire, 77, 0, true, 'orders', [0]), [[0, ErrorCode.INVALID_REQUEST]]);
    assert.deepStrictEqual(await writeTxnMarkers(t.wire, p.producerId, 0, false, 'orders', [0, 1]), [
      [0, ErrorCode.INVALID_TXN_STATE],
      [1, 0],
    ]);
    assert.strictEqual(t.wire.broker.describeTransaction('tx')!.state, 'Ongoing');
  });
});
