/**
 * Record batch v2 codec edge cases a client relies on: a header is only parsed where 61 bytes remain, a batch's
 * maxTimestamp is its largest record timestamp (not its last), an empty value is not a tombstone (null), and a
 * length field smaller than a batch header ends the decoded data instead of being read as a batch. A record whose
 * length stops right after a field is reported as the next field missing, not as that field running past it.
 */
import * as assert from 'assert';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import {
  BATCH_HEADER_SIZE,
  OFFSET_BATCH_LENGTH,
  decodeRecordBatches,
  encodeRecordBatch,
  parseBatchHeader,
  type EncodableRecord,
} from '../../../../src/broker/storage/record-batch';
import { zigzagEncode } from '../../../../src/broker/storage/varint';

const OPTS = { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 as const };

function rec(value: Buffer | null, timestamp: number, key: Buffer | null = Buffer.from('k')): EncodableRecord {
  return { key, value, headers: [], timestamp };
}

describe('storage: record batch codec edge cases', () => {
  it('parseBatchHeader answers null where fewer than 61 bytes remain after the position, even in a longer buffer', () => {
    const batch = encodeRecordBatch([rec(Buffer.from('v'), 1000)], { ...OPTS, baseOffset: 7 });
    const buf = Buffer.concat([Buffer.alloc(40), batch]);
    assert.strictEqual(parseBatchHeader(buf, 40)!.baseOffset, 7);
    // 40 bytes from the end of a buffer of more than 61 bytes: no header there
    assert.ok(buf.length > BATCH_HEADER_SIZE);
    assert.strictEqual(parseBatchHeader(buf, buf.length - 40), null);
    assert.strictEqual(parseBatchHeader(buf, buf.length - BATCH_HEADER_SIZE + 1), null);
    assert.notStrictEqual(parseBatchHeader(buf, buf.length - BATCH_HEADER_SIZE), null);
  });

  it("a batch's maxTimestamp is its largest record timestamp even when a later record is older", () => {
    const batch = encodeRecordBatch(
      [rec(Buffer.from('a'), 100), rec(Buffer.from('b'), 300), rec(Buffer.from('c'), 200)],
      OPTS,
    );
    assert.strictEqual(parseBatchHeader(batch, 0)!.maxTimestamp, 300);
    assert.strictEqual(parseBatchHeader(batch, 0)!.firstTimestamp, 100);
    // under LogAppendTime every record reads the batch's maxTimestamp
    const lat = encodeRecordBatch(
      [rec(Buffer.from('a'), 100), rec(Buffer.from('b'), 300), rec(Buffer.from('c'), 200)],
      {
        ...OPTS,
        timestampType: 1,
      },
    );
    assert.deepStrictEqual(
      decodeRecordBatches(lat)[0].records.map((r) => r.timestamp),
      [300, 300, 300],
    );
  });

  it('an empty value reads back as an empty buffer, and only a null value as a tombstone', () => {
    const batch = encodeRecordBatch(
      [rec(Buffer.alloc(0), 1), rec(null, 2), rec(Buffer.from('x'), 3, Buffer.alloc(0))],
      OPTS,
    );
    const [empty, tombstone, emptyKey] = decodeRecordBatches(batch)[0].records;
    assert.ok(Buffer.isBuffer(empty.value), 'an empty value is not null');
    assert.strictEqual(empty.value.length, 0);
    assert.strictEqual(tombstone.value, null);
    assert.ok(Buffer.isBuffer(emptyKey.key));
    assert.strictEqual(emptyKey.key.length, 0);
    assert.strictEqual(emptyKey.value!.toString(), 'x');
  });

  it('a length field smaller than a batch header ends the decoded data: the batches before it are returned', () => {
    const first = encodeRecordBatch([rec(Buffer.from('one'), 1)], { ...OPTS, baseOffset: 0 });
    const second = encodeRecordBatch([rec(Buffer.from('two'), 2)], { ...OPTS, baseOffset: 1 });
    // the second batch claims 22 bytes (10 after the length field): fewer than a header, though its bytes are all there
    second.writeInt32BE(10, OFFSET_BATCH_LENGTH);
    const batches = decodeRecordBatches(Buffer.concat([first, second]));
    assert.deepStrictEqual(
      batches.map((b) => b.records.map((r) => r.value!.toString())),
      [['one']],
    );
    // a buffer of zeros (length 0) is no batch at all
    assert.deepStrictEqual(decodeRecordBatches(Buffer.alloc(100)), []);
  });

  it('a record whose length ends right after its key, value or header key is refused as the next field missing', () => {
    // one record: attributes, timestamp delta, offset delta, key "k", value "v", one header "h" = "x": 12 bytes
    const batch = encodeRecordBatch(
      [
        {
          key: Buffer.from('k'),
          value: Buffer.from('v'),
          headers: [{ key: 'h', value: Buffer.from('x') }],
          timestamp: 5,
        },
      ],
      { ...OPTS, baseOffset: 40 },
    );
    assert.strictEqual(batch[BATCH_HEADER_SIZE], zigzagEncode(12));
    const cut = (length: number): unknown => {
      const b = Buffer.from(batch);
      b[BATCH_HEADER_SIZE] = zigzagEncode(length);
      try {
        decodeRecordBatches(b);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const missing = 'batch at offset 40 (none) does not decode: varint runs past the end of the buffer';
    // 0: not even the attributes; 5: the key fills it; 7: the value fills it; 10: the header key fills it
    for (const length of [0, 5, 7, 10]) {
      const e = cut(length);
      assert.ok(e instanceof KafkaError, `length ${length}: ${String(e)}`);
      assert.strictEqual(e.code, ErrorCode.CORRUPT_MESSAGE);
      assert.strictEqual(e.message, missing, `length ${length}`);
    }
    // 3 (the offset delta fills it) names the record key length as missing the same way; 12 decodes
    assert.strictEqual((cut(3) as Error).message, missing);
    assert.strictEqual(cut(12), undefined);
  });
});
