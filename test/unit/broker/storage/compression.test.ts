// The compression codecs of record batch v2 (src/broker/storage/compression.ts): every codec a client may send
// decompresses to the bytes it compressed, snappy in both framings Kafka clients use; an unknown codec id is
// UNSUPPORTED_COMPRESSION_TYPE naming it; a damaged xerial snappy stream is refused with an error saying where.
import * as assert from 'assert';
import * as zlib from 'zlib';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import {
  COMPRESSION_NAMES,
  CompressionCodec,
  compressRecords,
  decompressRecords,
  snappyDecompress,
} from '../../../../src/broker/storage/compression';
import { encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import { fixture } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as { compress(b: Uint8Array): Uint8Array };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4js = require('lz4js') as { compress(b: Uint8Array): Uint8Array };

/** xerial framing: magic "\x82SNAPPY\0", version 1, compatible version 1, then (int32 length, snappy block)*. */
function xerial(blocks: Buffer[]): Buffer {
  const head = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts = blocks.flatMap((b) => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return [len, b];
  });
  return Buffer.concat([head, ...parts]);
}

const data = Buffer.from('records section: '.repeat(40) + 'the end');

describe('storage: compression codecs', () => {
  it("uses Kafka's codec ids and compression.type names", () => {
    assert.deepStrictEqual(CompressionCodec, { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 });
    assert.deepStrictEqual(COMPRESSION_NAMES, ['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  });

  it('every codec round-trips: none, gzip, snappy (raw block and xerial frames), lz4, zstd', () => {
    assert.strictEqual(decompressRecords(0, data), data);
    assert.strictEqual(compressRecords(0, data), data, 'none leaves the bytes as they are');
    const gz = compressRecords(1, data);
    assert.deepStrictEqual([gz[0], gz[1]], [0x1f, 0x8b], 'gzip writes a gzip member');
    assert.ok(gz.length < data.length);
    assert.deepStrictEqual(decompressRecords(1, gz), data);
    assert.deepStrictEqual(decompressRecords(1, zlib.gzipSync(data, { level: 1 })), data);
    assert.deepStrictEqual(decompressRecords(2, Buffer.from(snappyjs.compress(data))), data);
    const halves = [data.subarray(0, 300), data.subarray(300)].map((p) => Buffer.from(snappyjs.compress(p)));
    assert.deepStrictEqual(decompressRecords(2, xerial(halves)), data);
    assert.deepStrictEqual(decompressRecords(3, Buffer.from(lz4js.compress(data))), data);
    // zstd: a records section compressed by the zstd command line (see record-batch.test.ts for its records).
    const records = [0, 1, 2].map((i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`zstd value ${i}`),
      headers: [{ key: 'h', value: Buffer.from(`v${i}`) }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const plain = encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 });
    assert.deepStrictEqual(decompressRecords(4, fixture('records-3.zst')), plain.subarray(61));
  });

  it('an unknown codec id is UNSUPPORTED_COMPRESSION_TYPE naming the id', () => {
    for (const codec of [5, 6, 7])
      assert.throws(
        () => decompressRecords(codec, data),
        (e: unknown) =>
          e instanceof KafkaError &&
          e.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE &&
          e.message === `unknown compression codec ${codec}`,
      );
  });

  it('damaged compressed bytes throw the codec error', () => {
    const gz = compressRecords(1, data);
    assert.throws(() => decompressRecords(1, gz.subarray(0, gz.length - 9)), /unexpected end of file/);
    assert.throws(() => decompressRecords(1, data), /incorrect header check/);
  });

  describe('snappy in xerial framing', () => {
    const head = xerial([]);

    it('a header with no blocks is an empty stream', () => {
      assert.strictEqual(head.length, 16);
      assert.deepStrictEqual(snappyDecompress(head), Buffer.alloc(0));
    });

    it('a piece of a header is not taken for an empty stream: it is read as a raw block, and refused', () => {
      for (const n of [8, 12, 15]) assert.throws(() => snappyDecompress(head.subarray(0, n)), /Invalid Snappy/, `${n}`);
    });

    it('a block length cut off at the end is refused, saying so', () => {
      const one = xerial([Buffer.from(snappyjs.compress(data))]);
      for (const extra of [1, 2, 3])
        assert.throws(
          () => snappyDecompress(Buffer.concat([one, Buffer.alloc(extra)])),
          (e: unknown) => e instanceof RangeError && e.message === 'xerial snappy block length runs past the end',
        );
    });

    it('a block longer than what follows, or of negative length, is refused with its length', () => {
      const block = Buffer.from(snappyjs.compress(data));
      const cut = xerial([block]).subarray(0, 16 + 4 + block.length - 1);
      assert.throws(
        () => snappyDecompress(cut),
        (e: unknown) =>
          e instanceof RangeError && e.message === `xerial snappy block of ${block.length} bytes runs past the end`,
      );
      const negative = Buffer.concat([head, Buffer.from([0xff, 0xff, 0xff, 0xff]), block]);
      assert.throws(
        () => snappyDecompress(negative),
        (e: unknown) => e instanceof RangeError && e.message === 'xerial snappy block of -1 bytes runs past the end',
      );
    });
  });
});
