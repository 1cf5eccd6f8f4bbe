// The response writer (src/protocol/codec/writer.ts): fixed-width and varint fields at their exact bytes, a
// scratch buffer that grows without losing what was written, blobs from 512 bytes kept by reference, the frame
// size patched in front, and values that cannot be encoded refused with a RangeError naming them.
import * as assert from 'assert';
import { Writer } from '../../../../src/protocol/codec/writer';

const hex = (w: Writer) => w.toBuffer().toString('hex');

describe('protocol writer', () => {
  it('writes fixed-width integers big-endian and bools as 1 and 0', () => {
    assert.strictEqual(
      hex(new Writer().int8(-1).int16(-2).int32(-3).uint32(4294967295).bool(true).bool(false)),
      'ff' + 'fffe' + 'fffffffd' + 'ffffffff' + '01' + '00',
    );
  });

  it('grows its scratch buffer as needed and keeps every byte written before', () => {
    const w = new Writer(1);
    for (let i = 0; i < 300; i++) w.int32(i);
    w.string('x'.repeat(1000));
    const b = w.toBuffer();
    assert.strictEqual(b.length, 1200 + 2 + 1000);
    for (let i = 0; i < 300; i++) assert.strictEqual(b.readInt32BE(i * 4), i, `int ${i}`);
    assert.strictEqual(b.toString('utf8', 1202), 'x'.repeat(1000));
  });

  it('copies a blob below 512 bytes and keeps one of 512 bytes or more by reference', () => {
    const small = Buffer.alloc(511, 1);
    const big = Buffer.alloc(512, 2);
    const w = new Writer();
    w.raw(small).raw(big).int8(9);
    assert.strictEqual(w.length, 511 + 512 + 1);
    const chunks = w.finish();
    assert.ok(!chunks.includes(small), 'the small blob was copied');
    assert.ok(chunks.includes(big), 'the big blob is the same buffer');
    assert.deepStrictEqual(
      chunks.map((c) => c.length),
      [511, 512, 1],
    );
  });

  it('two large blobs in a row become two chunks with nothing between them', () => {
    const a = Buffer.alloc(600, 1);
    const b = Buffer.alloc(700, 2);
    const chunks = new Writer().raw(a).raw(b).finish();
    assert.deepStrictEqual(chunks, [a, b]);
  });

  it('patches the frame size into the first chunk, also when a large blob follows', () => {
    const w = new Writer();
    w.int32(0).int16(7);
    w.patchInt32(0, 42);
    assert.strictEqual(hex(w), '0000002a0007');
    const w2 = new Writer();
    w2.int32(0).bytes(Buffer.alloc(1000, 3));
    w2.patchInt32(0, 1004);
    const out = Buffer.concat(w2.finish());
    assert.strictEqual(out.readInt32BE(0), 1004);
    assert.strictEqual(out.readInt32BE(4), 1000);
  });

  it('a null uuid is 16 zero bytes; a uuid is copied as is', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    assert.strictEqual(hex(new Writer().int8(1).uuid(null).int8(2)), '01' + '00'.repeat(16) + '02');
    const w = new Writer(4);
    w.uuid(id);
    assert.strictEqual(hex(w), '00112233445566778899aabbccddeeff');
  });

  it('undefined strings and bytes are written as null where nullable and empty otherwise', () => {
    assert.strictEqual(hex(new Writer().nullableString(undefined)), 'ffff');
    assert.strictEqual(hex(new Writer().string(undefined)), '0000');
    assert.strictEqual(hex(new Writer().string(null)), '0000');
    assert.strictEqual(hex(new Writer().compactNullableString(undefined)), '00');
    assert.strictEqual(hex(new Writer().compactString(null)), '01');
    assert.strictEqual(hex(new Writer().nullableBytes(undefined)), 'ffffffff');
    assert.strictEqual(hex(new Writer().bytes(null)), '00000000');
    assert.strictEqual(hex(new Writer().compactNullableBytes(undefined)), '00');
    assert.strictEqual(hex(new Writer().compactNullableBytes(null)), '00');
    assert.strictEqual(hex(new Writer().compactBytes(null)), '01');
    assert.strictEqual(hex(new Writer().arrayLength(3)), '00000003');
    assert.strictEqual(hex(new Writer().emptyTaggedFields()), '00');
  });

  it('string lengths count UTF-8 bytes, not characters', () => {
    assert.strictEqual(hex(new Writer().string('é€')), '0005' + 'c3a9' + 'e282ac');
    assert.strictEqual(hex(new Writer().compactString('é')), '03c3a9');
  });

  it('a string over 32767 bytes cannot be a classic string; 32767 can', () => {
    assert.strictEqual(new Writer().string('a'.repeat(0x7fff)).length, 2 + 0x7fff);
    assert.throws(
      () => new Writer().string('a'.repeat(0x8000)),
      /^RangeError: string of 32768 bytes exceeds the int16 length limit$/,
    );
  });

  it('a negative or fractional uvarint is refused', () => {
    assert.throws(() => new Writer().uvarint(-1), /^RangeError: uvarint needs a non-negative integer, got -1$/);
    assert.throws(() => new Writer().uvarint(1.5), /got 1\.5/);
  });

  it('varlongs zig-zag beyond 32 bits', () => {
    assert.strictEqual(hex(new Writer().varlong(0)), '00', 'zero is the one-byte code 0');
    assert.strictEqual(hex(new Writer().varlong(1)), '02');
    assert.strictEqual(hex(new Writer().varlong(-1)), '01');
    assert.strictEqual(hex(new Writer().varlong(2 ** 32)), '8080808020');
    assert.strictEqual(hex(new Writer().varlong(-(2 ** 32))), 'ffffffff1f');
  });
});
