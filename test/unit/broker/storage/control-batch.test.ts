// Transaction control batches (src/broker/storage/control-batch.ts): a COMMIT or ABORT marker is encoded byte for
// byte as Kafka's record batch v2 lays it out, and readControlRecord reads a marker back, answering null (never
// throwing) for anything that is not a whole, uncompressed control batch with a well-formed key.
import * as assert from 'assert';
import {
  CONTROL_BATCH_ATTRIBUTES,
  encodeControlBatch,
  markTransactional,
  readControlRecord,
} from '../../../../src/broker/storage/control-batch';
import { parseBatchHeader } from '../../../../src/broker/storage/record-batch';
import { batch, rec, referenceCrc32c } from './helpers';

/** The marker as Kafka writes it, field by field (big-endian; varints zigzag-encoded). */
function expectedMarker(producerId: bigint, producerEpoch: number, type: number, coordinatorEpoch: number, ts: bigint) {
  const b = Buffer.alloc(78);
  b.writeBigInt64BE(0n, 0); // baseOffset (the log stamps it)
  b.writeInt32BE(78 - 12, 8); // batchLength
  b.writeInt32BE(-1, 12); // partitionLeaderEpoch: none
  b.writeInt8(2, 16); // magic
  b.writeInt16BE(0x30, 21); // attributes: transactional | control, no codec, CreateTime
  b.writeInt32BE(0, 23); // lastOffsetDelta
  b.writeBigInt64BE(ts, 27); // baseTimestamp
  b.writeBigInt64BE(ts, 35); // maxTimestamp
  b.writeBigInt64BE(producerId, 43);
  b.writeInt16BE(producerEpoch, 51);
  b.writeInt32BE(-1, 53); // baseSequence
  b.writeInt32BE(1, 57); // one record
  // record: length 16, attributes 0, timestampDelta 0, offsetDelta 0, key (4 bytes), value (6 bytes), 0 headers
  Buffer.from([32, 0, 0, 0, 8, 0, 0, 0, type, 12, 0, 0]).copy(b, 61);
  b.writeInt32BE(coordinatorEpoch, 73);
  b[77] = 0;
  b.writeUInt32BE(referenceCrc32c(b.subarray(21)), 17);
  return b;
}

const marker = (over: Partial<Parameters<typeof encodeControlBatch>[0]> = {}) =>
  encodeControlBatch({
    producerId: 4000,
    producerEpoch: 7,
    commit: false,
    coordinatorEpoch: 3,
    timestamp: 1_700_000_000_123,
    ...over,
  });

/** The marker with byte `at` of it set to `value` (varints below 64 are one byte). */
function withByte(buf: Buffer, at: number, value: number): Buffer {
  const b = Buffer.from(buf);
  b[at] = value;
  return b;
}

describe('storage: transaction control batches', () => {
  it('an ABORT and a COMMIT marker are the bytes Kafka writes', () => {
    assert.deepStrictEqual(marker(), expectedMarker(4000n, 7, 0, 3, 1_700_000_000_123n));
    assert.deepStrictEqual(
      marker({ commit: true, producerId: 0, producerEpoch: 0, coordinatorEpoch: 2_000_000_000, timestamp: 5 }),
      expectedMarker(0n, 0, 1, 2_000_000_000, 5n),
    );
    assert.strictEqual(CONTROL_BATCH_ATTRIBUTES, 0x30);
  });

  it('reads back the type and coordinator epoch, also from a batch inside a larger buffer', () => {
    assert.deepStrictEqual(readControlRecord(marker()), { type: 0, coordinatorEpoch: 3 });
    const commit = marker({ commit: true, coordinatorEpoch: 9 });
    const data = batch([rec('x', 1)]);
    assert.deepStrictEqual(readControlRecord(Buffer.concat([data, commit, data]), data.length), {
      type: 1,
      coordinatorEpoch: 9,
    });
  });

  it('is null for a data batch, a transactional data batch, and a marker cut short by even one byte', () => {
    assert.strictEqual(readControlRecord(batch([rec('x', 1)])), null);
    assert.strictEqual(readControlRecord(markTransactional(batch([rec('x', 1)]))), null);
    const m = marker();
    for (const cut of [77, 70, 61, 20]) assert.strictEqual(readControlRecord(m.subarray(0, cut)), null, `${cut} bytes`);
  });

  it('is null for a control batch that claims no record or is compressed (markers never are)', () => {
    const none = Buffer.from(marker());
    none.writeInt32BE(0, 57);
    assert.strictEqual(readControlRecord(none), null);
    for (const codec of [1, 2, 4]) {
      const compressed = Buffer.from(marker());
      compressed.writeInt16BE(0x30 | codec, 21);
      assert.strictEqual(parseBatchHeader(compressed, 0)?.attributes, 0x30 | codec);
      assert.strictEqual(readControlRecord(compressed), null, `codec ${codec}`);
    }
  });

  it('is null when the key is shorter than version + type or runs past the batch', () => {
    assert.strictEqual(readControlRecord(withByte(marker(), 65, 2 * 2)), null, 'a 2-byte key');
    assert.strictEqual(readControlRecord(withByte(marker(), 65, 2 * 3)), null, 'a 3-byte key');
    assert.strictEqual(readControlRecord(withByte(marker(), 65, 2 * 40)), null, 'a 40-byte key in a 78-byte batch');
  });

  it('reads the type but no coordinator epoch (-1) when the value is too short or runs past the batch', () => {
    // The value length varint is byte 70; the value (6 bytes) and the header count end the batch at 78.
    assert.deepStrictEqual(readControlRecord(withByte(marker(), 70, 2 * 4)), { type: 0, coordinatorEpoch: -1 });
    assert.deepStrictEqual(readControlRecord(withByte(marker(), 70, 2 * 5)), { type: 0, coordinatorEpoch: -1 });
    assert.deepStrictEqual(
      readControlRecord(withByte(marker(), 70, 2 * 7)),
      { type: 0, coordinatorEpoch: 3 },
      'a value reaching the very end of the batch',
    );
    assert.deepStrictEqual(readControlRecord(withByte(marker(), 70, 2 * 8)), { type: 0, coordinatorEpoch: -1 });
    assert.deepStrictEqual(readControlRecord(withByte(marker(), 70, 2 * 30)), { type: 0, coordinatorEpoch: -1 });
  });

  it('markTransactional sets the transactional bit of a data batch and keeps its CRC valid', () => {
    const b = markTransactional(batch([rec('x', 1)]));
    assert.strictEqual(b.readInt16BE(21) & 0x30, 0x10);
    assert.strictEqual(b.readUInt32BE(17), referenceCrc32c(b.subarray(21)));
  });
});
