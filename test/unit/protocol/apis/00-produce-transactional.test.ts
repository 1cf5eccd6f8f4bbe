// Produce (key 0) with a transactional id, from hand-built ProduceRequest v9 frames: refused as before when the
// broker has no transaction coordinator; otherwise each transactional batch goes through the coordinator's check
// (TxnPartitionVerifier) and its refusal is the partition's error code, as Kafka answers it; a transactional batch
// without a transactional id and a control batch from a client are refused.
import * as assert from 'assert';
import { encodeControlBatch, markTransactional } from '../../../../src/broker/storage/control-batch';
import { encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import { FakeVerifier } from '../../broker/storage/txn-helpers';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

function txnBatch(pid: number, epoch: number, seq: number, value: string): Buffer {
  return markTransactional(
    encodeRecordBatch([{ key: null, value: Buffer.from(value), headers: [], timestamp: 1 }], {
      producerId: pid,
      producerEpoch: epoch,
      baseSequence: seq,
      compression: 0,
    }),
  );
}

describe('Produce with transactions (wire)', () => {
  let wire: Wire;
  let verifier: FakeVerifier;

  beforeEach(async () => {
    wire = await openWire();
    verifier = new FakeVerifier();
    await wire.broker.createTopic('tx', 1);
  });
  afterEach(() => wire.close());

  async function produce(
    transactionalId: string | null,
    records: Buffer,
  ): Promise<{ errorCode: number; baseOffset: number; message: string | null }> {
    const r = await wire.call(0, 9, true, (w) => {
      w.compactNullableString(transactionalId).int16(-1).int32(5000);
      w.compactArrayLength(1).compactString('tx');
      w.compactArrayLength(1).int32(0).compactNullableBytes(records).emptyTaggedFields();
      w.emptyTaggedFields();
      w.emptyTaggedFields();
    });
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.compactString(), 'tx');
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.int32(), 0);
    const errorCode = r.int16();
    const baseOffset = r.int64();
    r.int64();
    r.int64();
    for (let n = r.compactArrayLength(); n > 0; n--) {
      r.int32();
      r.compactNullableString();
      r.skipTaggedFields();
    }
    const message = r.compactNullableString();
    r.skipTaggedFields();
    r.skipTaggedFields();
    r.int32();
    r.skipTaggedFields();
    assertConsumed(r);
    return { errorCode, baseOffset, message };
  }

  it('without a transaction coordinator a transactional id is refused with INVALID_TXN_STATE, as before', async () => {
    wire.broker.useTxnPartitionVerifier(null); // Broker.open wires its coordinator in; take it out
    const res = await produce('app-1', txnBatch(1, 0, 0, 'x'));
    assert.strictEqual(res.errorCode, 48);
    assert.strictEqual(wire.broker.partitionInfo('tx', 0).logEndOffset, 0);
  });

  it('a batch the coordinator accepts is stored and holds the last stable offset back', async () => {
    wire.broker.useTxnPartitionVerifier(verifier);
    const res = await produce('app-1', txnBatch(7, 2, 0, 'x'));
    assert.deepStrictEqual([res.errorCode, res.baseOffset], [0, 0]);
    assert.deepStrictEqual(verifier.calls, [
      { transactionalId: 'app-1', producerId: 7, producerEpoch: 2, topic: 'tx', partition: 0 },
    ]);
    assert.strictEqual(wire.broker.lastStableOffset('tx', 0), 0);
    assert.strictEqual(wire.broker.partitionInfo('tx', 0).logEndOffset, 1);
  });

  for (const [code, name] of [
    [48, 'INVALID_TXN_STATE (partition not added)'],
    [47, 'INVALID_PRODUCER_EPOCH'],
    [90, 'PRODUCER_FENCED'],
    [105, 'TRANSACTIONAL_ID_NOT_FOUND'],
  ] as const) {
    it(`the coordinator's ${name} reaches the producer as error ${code} and nothing is stored`, async () => {
      wire.broker.useTxnPartitionVerifier(verifier);
      verifier.answer = code;
      const res = await produce('app-1', txnBatch(7, 2, 0, 'x'));
      assert.strictEqual(res.errorCode, code);
      assert.match(res.message ?? '', /transaction coordinator refused/);
      assert.strictEqual(wire.broker.partitionInfo('tx', 0).logEndOffset, 0);
    });
  }

  it('a transactional batch without a transactional id is TRANSACTIONAL_ID_AUTHORIZATION_FAILED; a control batch is INVALID_RECORD', async () => {
    wire.broker.useTxnPartitionVerifier(verifier);
    assert.strictEqual((await produce(null, txnBatch(7, 0, 0, 'x'))).errorCode, 53);
    const marker = encodeControlBatch({
      producerId: 7,
      producerEpoch: 0,
      commit: true,
      coordinatorEpoch: 0,
      timestamp: 1,
    });
    assert.strictEqual((await produce('app-1', marker)).errorCode, 87);
    assert.strictEqual(wire.broker.partitionInfo('tx', 0).logEndOffset, 0);
  });
});
