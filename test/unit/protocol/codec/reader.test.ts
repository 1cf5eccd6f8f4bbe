// The request reader (src/protocol/codec/reader.ts): every primitive read at its exact width, views bounded by the
// frame's end (a frame inside a larger buffer never reads its neighbour), and every malformed length or varint
// refused with a ProtocolError that says what was read and at which byte.
import * as assert from 'assert';
import { Reader } from '../../../../src/protocol/codec/reader';

const bytes = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');

describe('protocol reader', () => {
  it('reads fixed-width integers big-endian, signed and unsigned, and a bool as non-zero', () => {
    const r = new Reader(bytes('ff 8000 80000000 fffffffe 02 00'));
    assert.strictEqual(r.int8(), -1);
    assert.strictEqual(r.int16(), -32768);
    assert.strictEqual(r.int32(), -2147483648);
    assert.strictEqual(r.uint32(), 4294967294);
    assert.strictEqual(r.bool(), true);
    assert.strictEqual(r.bool(), false);
    assert.strictEqual(r.remaining, 0);
    assert.strictEqual(r.pos, 13);
  });

  it('reads only between its start offset and its end, however large the buffer', () => {
    const buf = bytes('aaaa 0001 0002 bbbb');
    const r = new Reader(buf, 2, 6);
    assert.strictEqual(r.remaining, 4);
    assert.strictEqual(r.int16(), 1);
    assert.strictEqual(r.int16(), 2);
    assert.throws(() => r.int8(), /truncated request: needed 1 byte\(s\) for int8 at byte 6, only 0 left/);
  });

  it('a uuid and bytes are views into the frame, not copies', () => {
    const buf = bytes('00112233445566778899aabbccddeeff 00000002 abcd');
    const r = new Reader(buf);
    const id = r.uuid();
    assert.strictEqual(id.toString('hex'), '00112233445566778899aabbccddeeff');
    const b = r.bytes();
    assert.strictEqual(b.toString('hex'), 'abcd');
    buf[0] = 0x77;
    buf[21] = 0x99;
    assert.strictEqual(id[0], 0x77, 'the uuid shares the frame');
    assert.strictEqual(b[1], 0x99, 'the bytes share the frame');
  });

  it('null and empty are told apart for classic and compact bytes and strings', () => {
    const r = new Reader(bytes('ffffffff 00000000 00 01 ffff 0000 00 01'));
    assert.strictEqual(r.nullableBytes(), null);
    assert.deepStrictEqual(r.nullableBytes(), Buffer.alloc(0));
    assert.strictEqual(r.compactNullableBytes(), null);
    assert.deepStrictEqual(r.compactNullableBytes(), Buffer.alloc(0));
    assert.strictEqual(r.nullableString(), null);
    assert.strictEqual(r.nullableString(), '');
    assert.strictEqual(r.compactNullableString(), null);
    assert.strictEqual(r.compactNullableString(), '');
    // the non-null readers answer empty for null
    const n = new Reader(bytes('ffffffff 00 ffff 00'));
    assert.deepStrictEqual([n.bytes().length, n.compactBytes().length, n.string(), n.compactString()], [0, 0, '', '']);
  });

  it('compact bytes and strings carry length + 1', () => {
    const r = new Reader(bytes('03 0102 04 616263'));
    assert.strictEqual(r.compactBytes().toString('hex'), '0102');
    assert.strictEqual(r.compactString(), 'abc');
    assert.strictEqual(r.remaining, 0);
  });

  it('a negative length other than -1 is refused, naming the length and where it was', () => {
    const s = new Reader(bytes('00 fffe'));
    s.int8();
    assert.throws(() => s.nullableString(), /^ProtocolError: invalid string length -2 at byte 1$/);
    assert.throws(
      () => new Reader(bytes('fffffffe')).nullableBytes(),
      /^ProtocolError: invalid bytes length -2 at byte 0$/,
    );
    assert.throws(
      () => new Reader(bytes('fffffffe')).arrayLength(),
      /^ProtocolError: invalid array length -2 at byte 0$/,
    );
  });

  it('array lengths: -1 is null, and a count larger than the bytes left is refused (classic and compact)', () => {
    assert.strictEqual(new Reader(bytes('ffffffff')).arrayLength(), -1);
    assert.strictEqual(new Reader(bytes('00000002 0000')).arrayLength(), 2, 'a count equal to the bytes left is fine');
    assert.strictEqual(new Reader(bytes('00')).compactArrayLength(), -1);
    assert.strictEqual(new Reader(bytes('03 0000')).compactArrayLength(), 2);
    assert.throws(
      () => new Reader(bytes('00000003 0000')).arrayLength(),
      /^ProtocolError: array length 3 at byte 0 exceeds the 2 byte\(s\) left$/,
    );
    assert.throws(
      () => new Reader(bytes('04 0000')).compactArrayLength(),
      /^ProtocolError: array length 3 at byte 1 exceeds the 2 byte\(s\) left$/,
    );
  });

  it('a zig-zag varint beyond 32 bits and a varlong over 10 bytes are malformed', () => {
    assert.throws(() => new Reader(bytes('8080808010')).varint(), /varint out of 32-bit range at byte 5/);
    assert.strictEqual(new Reader(bytes('ffffffff0f')).varint(), -2147483648);
    assert.strictEqual(typeof new Reader(bytes('ffffffffffffffffff01')).varlong(), 'number', 'ten bytes decode');
    assert.throws(
      () => new Reader(bytes('ffffffffffffffffffff01')).varlong(),
      /malformed varlong at byte 10: more than 10 bytes/,
    );
    assert.throws(() => new Reader(bytes('ffffffffff01')).uvarint(), /malformed varint at byte 5: more than 5 bytes/);
  });

  it('a varint or varlong cut short by the end of the frame is a truncation, not a wrong number', () => {
    assert.throws(() => new Reader(bytes('80')).uvarint(), /needed 1 byte\(s\) for varint at byte 1/);
    assert.throws(() => new Reader(bytes('8080')).varlong(), /needed 1 byte\(s\) for varlong at byte 2/);
  });

  it('truncated fields name their type', () => {
    for (const [input, read, what] of [
      ['0a', (r: Reader) => r.int16(), 'int16'],
      ['0a', (r: Reader) => r.uint32(), 'uint32'],
      ['0a', (r: Reader) => r.int64(), 'int64'],
      ['0a', (r: Reader) => r.uuid(), 'uuid'],
      ['00000005 0a', (r: Reader) => r.bytes(), 'bytes'],
      ['05 0a', (r: Reader) => r.compactBytes(), 'compact bytes'],
      ['05 0a', (r: Reader) => r.compactString(), 'compact string'],
    ] as [string, (r: Reader) => unknown, string][]) {
      const r = new Reader(bytes(input));
      assert.throws(() => read(r), new RegExp(`needed \\d+ byte\\(s\\) for ${what} at byte \\d, only 1 left`), what);
    }
  });

  it('a tagged field whose size runs past the frame is a truncation', () => {
    assert.throws(() => new Reader(bytes('01 00 05 0102')).skipTaggedFields(), /for tagged field/);
    const r = new Reader(bytes('00 07'));
    r.skipTaggedFields();
    assert.strictEqual(r.int8(), 7, 'an empty section is one byte');
  });
});
