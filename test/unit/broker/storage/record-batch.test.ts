import * as assert from 'assert';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { crc32c, crc32cUpdate } from '../../../../src/broker/storage/crc32c';
import {
  checkBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  rebuildBatch,
  recordsWithoutKey,
  splitBatch,
  parseBatchHeader,
  validateRecordSet,
  baseOffsetAt,
  batchAttributes,
  batchSizeAt,
  compressionOf,
  computeBatchCrc,
  isControlBatch,
  isTransactionalBatch,
  OFFSET_ATTRIBUTES,
  OFFSET_CRC,
  stampBaseOffset,
  stampLogAppendTime,
  timestampTypeOf,
} from '../../../../src/broker/storage/record-batch';
import { CompressionCodec, snappyDecompress } from '../../../../src/broker/storage/compression';
import {
  readUnsignedVarint,
  readVarint,
  sizeOfVarint,
  writeUnsignedVarint,
  writeVarint,
} from '../../../../src/broker/storage/varint';
import { batch, batchOf, fixture, prng, rec, referenceCrc32c, withCompressedRecords } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappyjs = require('snappyjs') as { compress(b: Uint8Array): Uint8Array };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4js = require('lz4js') as { compress(b: Uint8Array): Uint8Array };

describe('storage codec: CRC-32C', () => {
  it('matches the published check value and the iSCSI (RFC 3720) test vectors', () => {
    assert.strictEqual(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.strictEqual(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.strictEqual(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.strictEqual(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
    assert.strictEqual(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
    assert.strictEqual(crc32c(Buffer.alloc(0)), 0);
  });

  it('agrees with a bit-at-a-time reference on random buffers of every length and offset', () => {
    const rand = prng(7);
    for (let len = 0; len < 300; len++) {
      const buf = Buffer.from(Array.from({ length: len + 5 }, () => Math.floor(rand() * 256)));
      const start = len % 5;
      assert.strictEqual(
        crc32c(buf, start, start + len),
        referenceCrc32c(buf.subarray(start, start + len)),
        `length ${len}`,
      );
    }
  });

  it('can be computed incrementally over pieces', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, twice over.');
    const whole = crc32c(data);
    for (let cut = 0; cut <= data.length; cut += 7) {
      assert.strictEqual(crc32cUpdate(crc32c(data, 0, cut), data, cut), whole);
    }
  });
});

describe('storage codec: varints', () => {
  it('zig-zag encodes signed values as Kafka does (0,-1,1,-2 -> 0,1,2,3) and round trips large ones', () => {
    const b = Buffer.alloc(16);
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [-2, [0x03]],
      [63, [0x7e]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [300, [0xd8, 0x04]],
    ];
    for (const [value, bytes] of cases) {
      const end = writeVarint(b, 0, value);
      assert.deepStrictEqual([...b.subarray(0, end)], bytes, `value ${value}`);
      assert.strictEqual(sizeOfVarint(value), bytes.length);
      assert.deepStrictEqual(readVarint(b, 0), { value, pos: bytes.length });
    }
    for (const v of [2 ** 31, -(2 ** 31) - 1, 1_700_000_000_000, -1_700_000_000_000, 2 ** 52]) {
      const end = writeVarint(b, 0, v);
      assert.strictEqual(readVarint(b, 0).value, v);
      assert.strictEqual(readVarint(b, 0).pos, end);
    }
  });

  it('reads unsigned varints and rejects one that runs past the buffer', () => {
    const b = Buffer.alloc(8);
    const end = writeUnsignedVarint(b, 0, 16384);
    assert.deepStrictEqual([...b.subarray(0, end)], [0x80, 0x80, 0x01]);
    assert.throws(() => readUnsignedVarint(Buffer.from([0x80, 0x80]), 0), /past the end/);
  });
});

describe('storage codec: record batch v2', () => {
  it('encodes a one-record batch byte for byte as Kafka lays it out', () => {
    const b = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [], timestamp: 1000 }], {
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      compression: 0,
    });
    const record = [0x10, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x02, 0x76, 0x00];
    const afterCrc = [
      ...[0x00, 0x00], // attributes
      ...[0x00, 0x00, 0x00, 0x00], // lastOffsetDelta
      ...[0, 0, 0, 0, 0, 0, 0x03, 0xe8], // baseTimestamp 1000
      ...[0, 0, 0, 0, 0, 0, 0x03, 0xe8], // maxTimestamp 1000
      ...Array(8).fill(0xff), // producerId -1
      ...[0xff, 0xff], // producerEpoch -1
      ...[0xff, 0xff, 0xff, 0xff], // baseSequence -1
      ...[0x00, 0x00, 0x00, 0x01], // record count
      ...record,
    ];
    const crc = referenceCrc32c(Buffer.from(afterCrc));
    const expected = Buffer.from([
      ...Array(8).fill(0), // baseOffset
      ...[0x00, 0x00, 0x00, 0x3a], // batchLength 58
      ...[0xff, 0xff, 0xff, 0xff], // partitionLeaderEpoch -1
      0x02, // magic
      (crc >>> 24) & 0xff,
      (crc >>> 16) & 0xff,
      (crc >>> 8) & 0xff,
      crc & 0xff,
      ...afterCrc,
    ]);
    assert.strictEqual(b.toString('hex'), expected.toString('hex'));
  });

  it('round trips keys, null keys and values, headers, timestamps and producer fields', () => {
    const records = [
      {
        key: Buffer.from('user-1'),
        value: Buffer.from('{"a":1}'),
        headers: [{ key: 'trace', value: Buffer.from('abc') }],
        timestamp: 1_700_000_000_123,
      },
      { key: null, value: null, headers: [{ key: 'empty', value: null }], timestamp: 1_700_000_000_100 },
      { key: Buffer.alloc(0), value: Buffer.alloc(300, 1), headers: [], timestamp: 1_700_000_000_200 },
    ];
    const b = encodeRecordBatch(records, {
      baseOffset: 42,
      producerId: 7,
      producerEpoch: 3,
      baseSequence: 10,
      compression: 0,
      partitionLeaderEpoch: 5,
    });
    const [d] = decodeRecordBatches(b);
    assert.strictEqual(d.baseOffset, 42);
    assert.strictEqual(d.lastOffset, 44);
    assert.strictEqual(d.partitionLeaderEpoch, 5);
    assert.deepStrictEqual(
      [d.producerId, d.producerEpoch, d.baseSequence, d.compression, d.timestampType],
      [7, 3, 10, 0, 0],
    );
    assert.deepStrictEqual(
      d.records.map((r) => [
        r.offset,
        r.timestamp,
        r.key?.toString() ?? null,
        r.value?.toString('hex') ?? null,
        r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
      ]),
      records.map((r, i) => [
        42 + i,
        r.timestamp,
        r.key?.toString() ?? null,
        r.value?.toString('hex') ?? null,
        r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
      ]),
    );
    const h = parseBatchHeader(b, 0)!;
    assert.deepStrictEqual(
      [h.size, h.recordCount, h.lastOffsetDelta, h.firstTimestamp, h.maxTimestamp],
      [b.length, 3, 2, 1_700_000_000_123, 1_700_000_000_200],
    );
  });

  it('round trips a gzip batch', () => {
    const b = batch([rec('one', 1), rec('two', 2)], 1);
    assert.strictEqual(b.readInt16BE(21) & 7, 1);
    const [d] = decodeRecordBatches(b);
    assert.strictEqual(d.compression, 1);
    assert.deepStrictEqual(
      d.records.map((r) => r.value!.toString()),
      ['one', 'two'],
    );
  });

  it('decodes snappy batches in xerial framing (Java, librdkafka) and raw', () => {
    const plain = batchOf(20, 'snappy', 5000);
    const body = plain.subarray(61);
    const raw = withCompressedRecords(plain, 2, snappyjs.compress(body));
    const half = Math.floor(body.length / 2);
    const blocks = [body.subarray(0, half), body.subarray(half)].map((p) => Buffer.from(snappyjs.compress(p)));
    const header = Buffer.concat([
      Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]),
      Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]),
    ]);
    const framed = Buffer.concat([
      header,
      ...blocks.flatMap((bl) => [Buffer.from([0, 0, (bl.length >> 8) & 0xff, bl.length & 0xff]), bl]),
    ]);
    assert.deepStrictEqual(snappyDecompress(framed), Buffer.from(body));
    for (const b of [raw, withCompressedRecords(plain, 2, framed)]) {
      const [d] = decodeRecordBatches(b);
      assert.strictEqual(d.compression, 2);
      assert.deepStrictEqual(
        d.records.map((r) => r.value!.toString()),
        Array.from({ length: 20 }, (_, i) => `snappy-${i}`),
      );
    }
  });

  it('decodes lz4 (frame format) batches', () => {
    const plain = batchOf(10, 'lz4', 9000);
    const b = withCompressedRecords(plain, 3, lz4js.compress(plain.subarray(61)));
    const [d] = decodeRecordBatches(b);
    assert.strictEqual(d.compression, 3);
    assert.deepStrictEqual(
      d.records.map((r) => [r.offset, r.value!.toString(), r.timestamp]),
      Array.from({ length: 10 }, (_, i) => [i, `lz4-${i}`, 9000 + i]),
    );
  });

  it('decodes zstd batches (fixture compressed by the zstd command line)', () => {
    const records = [0, 1, 2].map((i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`zstd value ${i}`),
      headers: [{ key: 'h', value: Buffer.from(`v${i}`) }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const plain = encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 });
    const b = withCompressedRecords(plain, 4, fixture('records-3.zst'));
    const [d] = decodeRecordBatches(b);
    assert.strictEqual(d.compression, 4);
    assert.deepStrictEqual(
      d.records.map((r) => [r.key!.toString(), r.value!.toString(), r.headers[0].value!.toString(), r.timestamp]),
      records.map((r) => [r.key.toString(), r.value.toString(), r.headers[0].value.toString(), r.timestamp]),
    );
  });

  it('ignores a partial trailing batch, as a Fetch response may end with one', () => {
    const a = batchOf(3, 'a', 1);
    const b = batchOf(3, 'b', 1);
    for (const cut of [1, 11, 12, 60, 61, b.length - 1]) {
      const decoded = decodeRecordBatches(Buffer.concat([a, b.subarray(0, cut)]));
      assert.strictEqual(decoded.length, 1, `cut at ${cut}`);
    }
  });

  it('reports a batch whose compressed records do not decode as CORRUPT_MESSAGE', () => {
    const plain = batchOf(3, 'x', 1);
    const b = withCompressedRecords(plain, 1, Buffer.from('not gzip at all'));
    assert.throws(
      () => decodeRecordBatches(b),
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE && /gzip/.test(e.message),
    );
  });

  it('validation names the problem: CRC (expected/actual), magic, truncation, count mismatch, size limit', () => {
    const good = batchOf(3, 'v', 1);
    assert.strictEqual(validateRecordSet(Buffer.concat([good, good]), 1 << 20).length, 2);
    const expectError = (buf: Buffer, code: ErrorCode, re: RegExp, max = 1 << 20) =>
      assert.throws(
        () => validateRecordSet(buf, max),
        (e: unknown) => e instanceof KafkaError && e.code === code && re.test(e.message),
      );
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    expectError(
      flipped,
      ErrorCode.CORRUPT_MESSAGE,
      /CRC-32C mismatch: the batch says 0x[0-9a-f]{8} but its bytes give 0x[0-9a-f]{8}/,
    );
    const magic = Buffer.from(good);
    magic[16] = 1;
    expectError(magic, ErrorCode.CORRUPT_MESSAGE, /magic 1/);
    expectError(good.subarray(0, 40), ErrorCode.INVALID_RECORD, /truncated batch/);
    expectError(good.subarray(0, good.length - 1), ErrorCode.INVALID_RECORD, /truncated batch/);
    expectError(good, ErrorCode.MESSAGE_TOO_LARGE, /max\.message\.bytes \(50\)/, 50);
    expectError(Buffer.alloc(0), ErrorCode.CORRUPT_MESSAGE, /empty/);
  });

  it('reads the attribute bits as Kafka lays them out: codec in bits 0-2, LogAppendTime 0x08, transactional 0x10, control 0x20', () => {
    const plain = batchOf(2, 'a', 1);
    const withAttributes = (attributes: number) => {
      const b = Buffer.from(plain);
      b.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
      b.writeUInt32BE(computeBatchCrc(b, 0, b.length), OFFSET_CRC);
      return decodeRecordBatches(b)[0];
    };
    const flags = (d: ReturnType<typeof withAttributes>) => [
      d.compression,
      d.timestampType,
      d.isTransactional,
      d.isControl,
    ];
    assert.deepStrictEqual(flags(withAttributes(0x00)), [0, 0, false, false]);
    assert.deepStrictEqual(flags(withAttributes(0x08)), [0, 1, false, false]);
    assert.deepStrictEqual(flags(withAttributes(0x10)), [0, 0, true, false]);
    assert.deepStrictEqual(flags(withAttributes(0x30)), [0, 0, true, true]);
    assert.strictEqual(batchAttributes(CompressionCodec.GZIP, 1, true, true), 0x39);
    assert.strictEqual(batchAttributes(CompressionCodec.ZSTD, 0), 0x04);
    assert.deepStrictEqual(
      [compressionOf(0x3c), timestampTypeOf(0x3c), isTransactionalBatch(0x3c), isControlBatch(0x3c)],
      [4, 1, true, true],
    );
  });

  it('refuses a batch naming a compression codec Kafka does not have (id 5) as UNSUPPORTED_COMPRESSION_TYPE', () => {
    const b = withCompressedRecords(batchOf(1, 'x', 1), 5, Buffer.from('whatever'));
    assert.throws(
      () => decodeRecordBatches(b),
      (e: unknown) =>
        e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE && /codec 5/.test(e.message),
    );
  });

  it('stamps a base offset and LogAppendTime in place, and the stamped batch is still sound', () => {
    const b = batchOf(3, 's', 1);
    stampBaseOffset(b, 0, 4242);
    stampLogAppendTime(b, 0, b.length, 1_700_000_000_123);
    assert.strictEqual(validateRecordSet(b, 1 << 20).length, 1);
    assert.strictEqual(batchSizeAt(b, 0), b.length);
    assert.strictEqual(baseOffsetAt(b, 0), 4242);
    const d = decodeRecordBatches(b)[0];
    assert.strictEqual(d.timestampType, 1);
    assert.deepStrictEqual(
      d.records.map((r) => [r.offset, r.timestamp]),
      [
        [4242, 1_700_000_000_123],
        [4243, 1_700_000_000_123],
        [4244, 1_700_000_000_123],
      ],
    );
  });
});

describe('storage codec: record batch v2 at its edges', () => {
  const one = (over: Partial<{ key: string | null; value: string | null; timestamp: number }> = {}, n = 1) =>
    encodeRecordBatch(
      Array.from({ length: n }, (_, i) => ({
        key: over.key === null ? null : Buffer.from(over.key ?? `k${i}`),
        value: over.value === null ? null : Buffer.from(over.value ?? `v${i}`),
        headers: [],
        timestamp: (over.timestamp ?? 1000) + i,
      })),
      { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 },
    );
  const withCount = (b: Buffer, count: number, lastOffsetDelta: number) => {
    const c = Buffer.from(b);
    c.writeInt32BE(count, 57);
    c.writeInt32BE(lastOffsetDelta, 23);
    c.writeUInt32BE(computeBatchCrc(c, 0, c.length), OFFSET_CRC);
    return c;
  };
  const problem = (b: Buffer, cleaned = false) => checkBatch(b, 0, b.length, cleaned);

  it('names what is wrong with a batch cut short, too short by its own length, or miscounted', () => {
    const b = one({}, 3);
    assert.deepStrictEqual(problem(b.subarray(0, 30)), {
      code: ErrorCode.INVALID_RECORD,
      reason: 'truncated batch: 30 bytes left, a batch header needs 61',
    });
    const short = Buffer.from(b);
    short.writeInt32BE(10, 8);
    assert.deepStrictEqual(problem(short), {
      code: ErrorCode.CORRUPT_MESSAGE,
      reason: 'batchLength 10 is smaller than a batch header (49)',
    });
    assert.deepStrictEqual(problem(withCount(b, 3, 5)), {
      code: ErrorCode.INVALID_RECORD,
      reason: 'lastOffsetDelta 5 does not match the record count 3 (expected 2)',
    });
    assert.strictEqual(problem(b), null);
  });

  it('a batch the cleaner rewrote may hold fewer records than its offsets span, never more and never a negative count', () => {
    const b = one({}, 3);
    assert.strictEqual(problem(withCount(b, 0, 2), true), null, 'only its header kept');
    assert.strictEqual(problem(withCount(b, 1, 2), true), null);
    assert.strictEqual(problem(withCount(b, 3, 2), true), null);
    for (const [count, delta] of [
      [4, 2],
      [-1, 2],
      [0, -1],
    ]) {
      assert.deepStrictEqual(
        problem(withCount(b, count, delta), true),
        {
          code: ErrorCode.CORRUPT_MESSAGE,
          reason: `record count ${count} does not fit the offset span of lastOffsetDelta ${delta}`,
        },
        `${count}/${delta}`,
      );
    }
  });

  it('a CRC mismatch shows both sums as 8 hex digits; a batch of exactly max.message.bytes is accepted', () => {
    const b = one();
    const bad = Buffer.from(b);
    bad.writeUInt32BE(1, OFFSET_CRC);
    assert.match(
      problem(bad)!.reason,
      /^CRC-32C mismatch: the batch says 0x00000001 but its bytes give 0x[0-9a-f]{8}$/,
    );
    assert.strictEqual(validateRecordSet(b, b.length).length, 1);
    assert.throws(() => validateRecordSet(b, b.length - 1), /larger than the topic's max\.message\.bytes/);
    assert.throws(
      () => encodeRecordBatch([], { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 }),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.INVALID_RECORD &&
        e.message === 'a record batch needs at least one record',
    );
  });

  it('records whose lengths run past their bytes are CORRUPT_MESSAGE naming the part', () => {
    // one record "k"/"v" with one header: layout from byte 61: length, attributes, ts delta, offset delta, key
    // length (zig-zag), key, value length, value, header count, header key length, key, header value length, value
    const b = encodeRecordBatch(
      [
        {
          key: Buffer.from('k'),
          value: Buffer.from('v'),
          headers: [{ key: 'h', value: Buffer.from('x') }],
          timestamp: 1,
        },
      ],
      {
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        compression: 0,
      },
    );
    const corrupt = (at: number, zigzag: number) => {
      const c = Buffer.from(b);
      c[at] = zigzag;
      return () => decodeRecordBatches(c);
    };
    const says = (what: RegExp) => (e: unknown) =>
      e instanceof KafkaError && e.code === ErrorCode.CORRUPT_MESSAGE && what.test(e.message);
    assert.throws(corrupt(61, 1), says(/record 0 of -1 bytes runs past the end/));
    assert.throws(corrupt(61, 100), says(/record 0 of 50 bytes runs past the end/));
    assert.throws(corrupt(65, 40), says(/record key runs past the record/));
    assert.throws(corrupt(67, 40), says(/record value runs past the record/));
    assert.throws(corrupt(70, 1), says(/header key runs past the record/));
    assert.throws(corrupt(70, 40), says(/header key runs past the record/));
    assert.throws(corrupt(72, 40), says(/header value runs past the record/));
    const v1 = Buffer.from(b);
    v1[16] = 1;
    assert.throws(() => decodeRecordBatches(v1), says(/batch at byte 0: magic 1 is not supported/));
  });

  it('several headers with empty and null values decode as they were written', () => {
    const headers = [
      { key: 'a', value: Buffer.from('1') },
      { key: 'empty', value: Buffer.alloc(0) },
      { key: '', value: Buffer.from('empty key') },
      { key: 'none', value: null },
      { key: 'b', value: Buffer.from('22') },
    ];
    const b = encodeRecordBatch([{ key: null, value: Buffer.from('v'), headers, timestamp: 5 }], {
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      compression: 0,
    });
    assert.deepStrictEqual(decodeRecordBatches(b)[0].records[0].headers, headers);
  });

  it('splitBatch takes exactly one whole batch; its records keep their own timestamps unless LogAppendTime', () => {
    const b = one({}, 2);
    assert.throws(() => splitBatch(Buffer.concat([b, Buffer.alloc(1)])), /splitBatch needs exactly one whole batch/);
    assert.throws(() => splitBatch(b.subarray(0, 40)), /splitBatch needs exactly one whole batch/);
    assert.deepStrictEqual(
      splitBatch(b).records.map((r) => r.timestamp),
      [1000, 1001],
    );
    const appended = Buffer.from(b);
    stampLogAppendTime(appended, 0, appended.length, 7777);
    assert.deepStrictEqual(
      splitBatch(appended).records.map((r) => r.timestamp),
      [7777, 7777],
    );
    const codec5 = Buffer.from(b);
    codec5.writeInt16BE(5, OFFSET_ATTRIBUTES);
    assert.throws(
      () => splitBatch(codec5),
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    );
    const broken = Buffer.from(b);
    broken[61] = 100;
    assert.throws(
      () => splitBatch(broken),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.CORRUPT_MESSAGE &&
        /batch at offset 0 does not decode/.test(e.message),
    );
  });

  it('rebuildBatch keeps the chosen records at their offsets in a sound batch of just their bytes', () => {
    const b = one({}, 4);
    stampBaseOffset(b, 0, 20);
    const split = splitBatch(b);
    const rebuilt = rebuildBatch(split, b, [1, 3]);
    assert.strictEqual(checkBatch(rebuilt, 0, rebuilt.length, true), null);
    const [d] = decodeRecordBatches(rebuilt);
    assert.deepStrictEqual(
      d.records.map((r) => [r.offset, r.key!.toString()]),
      [
        [21, 'k1'],
        [23, 'k3'],
      ],
    );
    assert.deepStrictEqual([d.baseOffset, d.lastOffset], [20, 23]);
    const bodies = split.spans[3] - split.spans[2] + (split.spans[7] - split.spans[6]);
    assert.strictEqual(rebuilt.length, 61 + bodies);
  });

  it('recordsWithoutKey counts positions across the batches of a set and skips control batches', () => {
    const first = one({}, 2);
    const second = one({ key: null }, 2);
    assert.deepStrictEqual(recordsWithoutKey(Buffer.concat([first, second])), [
      { batchIndex: 2, where: 'batch 1, record 0' },
      { batchIndex: 3, where: 'batch 1, record 1' },
    ]);
    const control = Buffer.from(one({ key: null }));
    control.writeInt16BE(batchAttributes(0, 0, true, true), OFFSET_ATTRIBUTES);
    assert.deepStrictEqual(recordsWithoutKey(control), []);
  });
});
