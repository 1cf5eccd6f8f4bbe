import * as assert from 'assert';
import { ProtocolError, Reader } from '../../../../src/protocol/codec/reader';
import { Writer } from '../../../../src/protocol/codec/writer';
import type { Field } from '../../../../src/protocol/codec/schema';
import { arr, decodeStruct, encodeStruct, f, struct } from '../../../../src/protocol/codec/schema';

const hex = (b: Buffer) => b.toString('hex');

describe('protocol codec primitives', () => {
  it('unsigned varints use 7 bits per byte with a continuation bit, at every length boundary', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '8001'],
      [300, 'ac02'],
      [16383, 'ff7f'],
      [16384, '808001'],
      [2147483647, 'ffffffff07'],
      [4294967295, 'ffffffff0f'],
    ];
    for (const [n, expected] of cases) {
      const b = new Writer().uvarint(n).toBuffer();
      assert.strictEqual(hex(b), expected, `encode ${n}`);
      const r = new Reader(b);
      assert.strictEqual(r.uvarint(), n, `decode ${n}`);
      assert.strictEqual(r.remaining, 0);
    }
  });

  it('zig-zag varints map small negatives to small codes and cover the int32 range', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [-2, '03'],
      [-64, '7f'],
      [64, '8001'],
      [2147483647, 'feffffff0f'],
      [-2147483648, 'ffffffff0f'],
    ];
    for (const [n, expected] of cases) {
      const b = new Writer().varint(n).toBuffer();
      assert.strictEqual(hex(b), expected, `encode ${n}`);
      assert.strictEqual(new Reader(b).varint(), n, `decode ${n}`);
    }
    for (const n of [-(2 ** 52), -1e15, 1e15, 2 ** 52 - 1]) {
      assert.strictEqual(new Reader(new Writer().varlong(n).toBuffer()).varlong(), n);
    }
  });

  it('a varint longer than 5 bytes is rejected as malformed', () => {
    assert.throws(() => new Reader(Buffer.from('ffffffffff01', 'hex')).uvarint(), ProtocolError);
  });

  it('int64 round-trips negatives and values beyond 32 bits as numbers', () => {
    for (const n of [0, -1, 1, 2 ** 32, -(2 ** 32) - 5, 1700000000000, 2 ** 53 - 1, -(2 ** 53) + 1]) {
      const b = new Writer().int64(n).toBuffer();
      assert.strictEqual(b.length, 8);
      assert.strictEqual(b.readBigInt64BE(0), BigInt(n));
      assert.strictEqual(new Reader(b).int64(), n);
    }
  });

  it('classic strings carry an int16 length (-1 = null); compact strings carry length+1 as a uvarint (0 = null)', () => {
    assert.strictEqual(hex(new Writer().string('ab').toBuffer()), '00026162');
    assert.strictEqual(hex(new Writer().nullableString(null).toBuffer()), 'ffff');
    assert.strictEqual(hex(new Writer().compactString('ab').toBuffer()), '036162');
    assert.strictEqual(hex(new Writer().compactNullableString(null).toBuffer()), '00');
    assert.strictEqual(hex(new Writer().compactString('').toBuffer()), '01');
    assert.strictEqual(new Reader(Buffer.from('ffff', 'hex')).nullableString(), null);
    assert.strictEqual(new Reader(Buffer.from('00', 'hex')).compactNullableString(), null);
    assert.strictEqual(new Reader(Buffer.from('03c3a9', 'hex')).compactString(), 'é');
  });

  it('classic bytes carry an int32 length; compact bytes and arrays use length+1', () => {
    assert.strictEqual(hex(new Writer().bytes(Buffer.from([1, 2])).toBuffer()), '000000020102');
    assert.strictEqual(hex(new Writer().nullableBytes(null).toBuffer()), 'ffffffff');
    assert.strictEqual(hex(new Writer().compactBytes(Buffer.from([1, 2])).toBuffer()), '030102');
    assert.strictEqual(hex(new Writer().compactArrayLength(null).toBuffer()), '00');
    assert.strictEqual(hex(new Writer().compactArrayLength(2).toBuffer()), '03');
    assert.strictEqual(hex(new Writer().arrayLength(null).toBuffer()), 'ffffffff');
  });

  it('a truncated field throws a ProtocolError naming what was being read', () => {
    assert.throws(
      () => new Reader(Buffer.from('0005616263', 'hex')).string(),
      /truncated request: needed 5 byte\(s\) for string/,
    );
    assert.throws(() => new Reader(Buffer.from('0000', 'hex')).int32(), /needed 4 byte\(s\) for int32/);
  });

  it('an array length larger than the bytes left is refused before anything is allocated', () => {
    assert.throws(() => new Reader(Buffer.from('7fffffff00', 'hex')).arrayLength(), /exceeds the 1 byte\(s\) left/);
  });

  it('tagged-field sections are skipped whatever they contain', () => {
    // two tagged fields: tag 0 size 2, tag 5 size 1, then an int8 7
    const r = new Reader(Buffer.from('02' + '00020102' + '050109' + '07', 'hex'));
    r.skipTaggedFields();
    assert.strictEqual(r.int8(), 7);
  });

  it('large blobs are kept by reference, small ones copied, and the total length is exact', () => {
    const big = Buffer.alloc(4096, 7);
    const w = new Writer(8);
    w.int32(1).bytes(big).int16(2);
    assert.strictEqual(w.length, 4 + 4 + 4096 + 2);
    const chunks = w.finish();
    assert.ok(chunks.includes(big), 'the record bytes are not copied');
    const all = Buffer.concat(chunks);
    assert.strictEqual(all.readInt32BE(0), 1);
    assert.strictEqual(all.readInt32BE(4), 4096);
    assert.strictEqual(all.readInt16BE(8 + 4096), 2);
  });

  it('a schema encodes classic below its flexible version and compact with tagged fields from it', () => {
    const schema = [
      f('name', 'string'),
      f('added', 'int32', '2+', { def: -1 }),
      arr('ids', 'int32'),
      f('note', 'string', '0+', { nullable: true }),
    ];
    const msg = { name: 'x', added: 5, ids: [1, 2], note: null };
    const v1 = new Writer();
    encodeStruct(v1, schema, 1, false, msg);
    assert.strictEqual(hex(v1.toBuffer()), '0001' + '78' + '00000002' + '00000001' + '00000002' + 'ffff');
    const v2flex = new Writer();
    encodeStruct(v2flex, schema, 2, true, msg);
    assert.strictEqual(hex(v2flex.toBuffer()), '02' + '78' + '00000005' + '03' + '00000001' + '00000002' + '00' + '00');
    const back = decodeStruct(new Reader(Buffer.from('000178000000020000000100000002ffff', 'hex')), schema, 1, false);
    assert.deepStrictEqual(back, { name: 'x', added: -1, ids: [1, 2], note: null });
    const backFlex = decodeStruct(
      new Reader(Buffer.from('027800000005030000000100000002000000', 'hex')),
      schema,
      2,
      true,
    );
    assert.deepStrictEqual(backFlex, { name: 'x', added: 5, ids: [1, 2], note: null });
  });

  it('tagged fields travel in the tagged section in tag order, only when not at their default, and read back', () => {
    const schema = [
      f('name', 'string'),
      f('epoch', 'int64', '0+', { tag: 1, def: -1 }),
      arr('list', [f('n', 'int16')], '0+', { tag: 0 }),
    ];
    const w = new Writer();
    encodeStruct(w, schema, 0, true, { name: 'x', epoch: 7, list: [{ n: 2 }] });
    // name | 2 tags | tag 0: 4 bytes (array of 1: int16 2, no tags) | tag 1: 8 bytes
    const bytes = '0278' + '02' + '00' + '04' + '02' + '0002' + '00' + '01' + '08' + '0000000000000007';
    assert.strictEqual(hex(w.toBuffer()), bytes);
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.from(bytes, 'hex')), schema, 0, true), {
      name: 'x',
      epoch: 7,
      list: [{ n: 2 }],
    });
    const none = new Writer();
    encodeStruct(none, schema, 0, true, { name: 'x', epoch: -1, list: [] });
    assert.strictEqual(hex(none.toBuffer()), '0278' + '00', 'defaults are not sent');
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.from('027800', 'hex')), schema, 0, true), {
      name: 'x',
      epoch: -1,
      list: [],
    });
    // an unknown tag (5) is skipped, a known one after it still read
    const unknown = Buffer.from('0278' + '02' + '05' + '02' + 'abcd' + '01' + '08' + '0000000000000009', 'hex');
    assert.strictEqual(decodeStruct(new Reader(unknown), schema, 0, true).epoch, 9);
    // a tagged field whose size runs past the frame is a protocol error, not a read of the next request
    assert.throws(
      () => decodeStruct(new Reader(Buffer.from('0278' + '01' + '01' + '09' + '00', 'hex')), schema, 0, true),
      ProtocolError,
    );
  });

  it('a nullable struct is an int8 marker (-1 null, 1 present) before its fields', () => {
    const schema = [
      struct('cursor', [f('topicName', 'string'), f('partitionIndex', 'int32')], '0+', { nullable: true }),
    ];
    const w = new Writer();
    encodeStruct(w, schema, 0, true, { cursor: { topicName: 't', partitionIndex: 3 } });
    assert.strictEqual(hex(w.toBuffer()), '01' + '0274' + '00000003' + '00' + '00');
    const n = new Writer();
    encodeStruct(n, schema, 0, true, { cursor: null });
    assert.strictEqual(hex(n.toBuffer()), 'ff' + '00');
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.from('01027400000003' + '0000', 'hex')), schema, 0, true), {
      cursor: { topicName: 't', partitionIndex: 3 },
    });
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.from('ff00', 'hex')), schema, 0, true), { cursor: null });
  });
});

describe('protocol schema: versions, defaults and nulls', () => {
  const hexOf = (schema: Field[], version: number, flexible: boolean, msg: Record<string, unknown>) => {
    const w = new Writer();
    encodeStruct(w, schema, version, flexible, msg);
    return w.toBuffer().toString('hex');
  };

  it('a field with a closed version range ("1-2") is read and written only in those versions', () => {
    const schema = [f('a', 'int8'), f('mid', 'int16', '1-2'), f('z', 'int8')];
    assert.strictEqual(hexOf(schema, 0, false, { a: 1, mid: 7, z: 2 }), '0102');
    assert.strictEqual(hexOf(schema, 1, false, { a: 1, mid: 7, z: 2 }), '01000702');
    assert.strictEqual(hexOf(schema, 2, false, { a: 1, mid: 7, z: 2 }), '01000702');
    assert.strictEqual(hexOf(schema, 3, false, { a: 1, mid: 7, z: 2 }), '0102');
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.from('0102', 'hex')), schema, 3, false), {
      a: 1,
      mid: 0,
      z: 2,
    });
    const exact = [f('only', 'int8', '4')];
    assert.strictEqual(hexOf(exact, 4, false, { only: 9 }), '09');
    assert.strictEqual(hexOf(exact, 5, false, { only: 9 }), '');
  });

  it('a malformed version range is refused when the schema is declared', () => {
    assert.throws(() => f('x', 'int8', 'v1+'), /^Error: bad version range "v1\+"$/);
    assert.throws(() => arr('x', 'int8', '1-'), /bad version range "1-"/);
  });

  it("a field absent in the version decodes to its type's zero, or null where it is nullable", () => {
    const schema = [
      f('i8', 'int8', '9+'),
      f('i64', 'int64', '9+'),
      f('b', 'bool', '9+'),
      f('s', 'string', '9+'),
      f('ns', 'string', '9+', { nullable: true }),
      f('by', 'bytes', '9+'),
      f('nby', 'bytes', '9+', { nullable: true }),
      f('rec', 'records', '9+', { nullable: true }),
      f('id', 'uuid', '9+'),
      arr('list', 'int32', '9+'),
      arr('nlist', 'int32', '9+', { nullable: true }),
      arr('structs', [f('x', 'int8')], '9+'),
      f('d', 'int32', '9+', { def: -1 }),
    ];
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.alloc(0)), schema, 0, false), {
      i8: 0,
      i64: 0,
      b: false,
      s: '',
      ns: null,
      by: Buffer.alloc(0),
      nby: null,
      rec: null,
      id: Buffer.alloc(16),
      list: [],
      nlist: null,
      structs: [],
      d: -1,
    });
  });

  it('a null on the wire for a field that is not nullable decodes as empty', () => {
    const schema = [
      f('s', 'string'),
      f('by', 'bytes'),
      arr('list', 'int8'),
      arr('nlist', 'int8', '0+', { nullable: true }),
    ];
    assert.deepStrictEqual(
      decodeStruct(new Reader(Buffer.from('ffff' + 'ffffffff' + 'ffffffff' + 'ffffffff', 'hex')), schema, 0, false),
      {
        s: '',
        by: Buffer.alloc(0),
        list: [],
        nlist: null,
      },
    );
    assert.deepStrictEqual(
      decodeStruct(new Reader(Buffer.from('00' + '00' + '00' + '00' + '00', 'hex')), schema, 0, true),
      {
        s: '',
        by: Buffer.alloc(0),
        list: [],
        nlist: null,
      },
    );
  });

  it('missing values are written as zeros, or null where the field is nullable; a null array only when nullable', () => {
    const schema = [
      f('i8', 'int8'),
      f('i16', 'int16'),
      f('i32', 'int32'),
      f('i64', 'int64'),
      f('b', 'bool'),
      f('s', 'string'),
      f('ns', 'string', '0+', { nullable: true }),
      f('by', 'bytes'),
      f('nby', 'bytes', '0+', { nullable: true }),
      f('id', 'uuid'),
      arr('list', 'int8'),
      arr('nlist', 'int8', '0+', { nullable: true }),
    ];
    assert.strictEqual(
      hexOf(schema, 0, false, {}),
      '00' +
        '0000' +
        '00000000' +
        '0000000000000000' +
        '00' +
        '0000' +
        'ffff' +
        '00000000' +
        'ffffffff' +
        '00'.repeat(16) +
        '00000000' +
        '00000000',
    );
    assert.strictEqual(
      hexOf(schema, 0, false, { list: null, nlist: null }).slice(-16),
      '00000000' + 'ffffffff',
      'null is written as null only for a nullable array',
    );
    assert.strictEqual(hexOf(schema, 0, true, { list: null, nlist: null }).slice(-6), '01' + '00' + '00');
  });

  it('nested structs each end with their own tagged-field section in flexible versions', () => {
    const schema = [
      arr('topics', [f('name', 'string'), arr('parts', [f('p', 'int32')])]),
      // a single struct (not an array of them), as a few Kafka messages have
      { name: 'inner', type: [f('v', 'int8')], array: false, min: 0, max: Infinity, nullable: false } as Field,
    ];
    const msg = { topics: [{ name: 'a', parts: [{ p: 1 }] }], inner: { v: 5 } };
    const flex = hexOf(schema, 0, true, msg);
    assert.strictEqual(flex, '02' + '0261' + '02' + '00000001' + '00' + '00' + '05' + '00' + '00');
    assert.deepStrictEqual(decodeStruct(new Reader(Buffer.from(flex, 'hex')), schema, 0, true), msg);
    assert.strictEqual(
      hexOf(schema, 0, false, { topics: [], inner: undefined }),
      '00000000' + '00',
      'a missing struct is zeros',
    );
  });

  it('int64, uuid and records fields round-trip; records stay a view of the frame', () => {
    const schema = [f('t', 'int64'), f('id', 'uuid'), f('records', 'records', '0+', { nullable: true })];
    const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    const hex = hexOf(schema, 0, false, { t: 1_700_000_000_123, id, records: Buffer.from([1, 2, 3]) });
    const frameBuf = Buffer.from(hex, 'hex');
    const back = decodeStruct(new Reader(frameBuf), schema, 0, false);
    assert.strictEqual(back.t, 1_700_000_000_123);
    assert.deepStrictEqual(back.id, id);
    assert.deepStrictEqual(back.records, Buffer.from([1, 2, 3]));
    assert.strictEqual((back.records as Buffer).buffer, frameBuf.buffer, 'not copied');
    assert.deepStrictEqual(
      decodeStruct(new Reader(Buffer.from(hexOf(schema, 0, true, { records: null }), 'hex')), schema, 0, true).records,
      null,
    );
  });
});
