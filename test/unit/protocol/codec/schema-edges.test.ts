// The schema codec at its edges, byte for byte as Kafka's own generated code reads and writes them: an empty
// nullable array is not null, a nullable struct's marker 0 means present, a field is read in the last version of
// its range, defaults are written for missing values, tagged fields without a default are sent and null ones are
// not, and a tagged section that runs past the frame names what it was reading. A client sees each of these: a
// wrong byte shifts every field after it.
import * as assert from 'assert';
import { ProtocolError, Reader } from '../../../../src/protocol/codec/reader';
import { Writer } from '../../../../src/protocol/codec/writer';
import type { Field } from '../../../../src/protocol/codec/schema';
import { arr, decodeStruct, encodeStruct, f, struct } from '../../../../src/protocol/codec/schema';

const hexOf = (schema: Field[], version: number, flexible: boolean, msg: Record<string, unknown>) => {
  const w = new Writer();
  encodeStruct(w, schema, version, flexible, msg);
  return w.toBuffer().toString('hex');
};
const decode = (schema: Field[], hex: string, version = 0, flexible = false) =>
  decodeStruct(new Reader(Buffer.from(hex, 'hex')), schema, version, flexible);

describe('protocol schema at its edges', () => {
  it('an empty nullable array decodes as empty, not null (classic and compact)', () => {
    const schema = [arr('list', 'int8', '0+', { nullable: true })];
    assert.deepStrictEqual(decode(schema, '00000000'), { list: [] });
    assert.deepStrictEqual(decode(schema, 'ffffffff'), { list: null });
    assert.deepStrictEqual(decode(schema, '01' + '00', 0, true), { list: [] });
    assert.deepStrictEqual(decode(schema, '00' + '00', 0, true), { list: null });
  });

  it("a nullable struct's marker: only a negative one is null, 0 is a struct as Kafka reads it", () => {
    const schema = [struct('s', [f('n', 'int8')], '0+', { nullable: true })];
    assert.deepStrictEqual(decode(schema, '00' + '05'), { s: { n: 5 } });
    assert.deepStrictEqual(decode(schema, 'ff'), { s: null });
  });

  it('a nullable struct left out of the message is written as null; a non-nullable one as its zero fields', () => {
    const schema = [struct('s', [f('n', 'int8')], '0+', { nullable: true }), struct('t', [f('m', 'int16')])];
    assert.strictEqual(hexOf(schema, 0, false, {}), 'ff' + '0000');
    assert.strictEqual(hexOf(schema, 0, false, { s: undefined }), 'ff' + '0000');
  });

  it('a struct declared without versions is in every version and not nullable; absent it decodes as {}', () => {
    const s = struct('s', [f('n', 'int8')]);
    assert.deepStrictEqual([s.min, s.max, s.nullable], [0, Infinity, false]);
    assert.deepStrictEqual(decode([s], '07', 12), { s: { n: 7 } });
    assert.deepStrictEqual(decode([struct('late', [f('n', 'int8')], '3+')], ''), { late: {} });
  });

  it('a field is read in the last version of its range and not after it', () => {
    const schema = [f('a', 'int8'), f('mid', 'int16', '1-2'), f('z', 'int8')];
    assert.deepStrictEqual(decode(schema, '01000702', 2), { a: 1, mid: 7, z: 2 });
    assert.deepStrictEqual(decode(schema, '0102', 3), { a: 1, mid: 0, z: 2 });
  });

  it('a bool field reads any non-zero byte as true', () => {
    const schema = [f('x', 'bool'), f('y', 'bool')];
    assert.deepStrictEqual(decode(schema, '0200'), { x: true, y: false });
    assert.strictEqual(hexOf(schema, 0, false, { x: true, y: false }), '0100');
  });

  it("a missing value is written as its field's default", () => {
    const schema = [f('epoch', 'int32', '0+', { def: -1 }), f('name', 'string', '0+', { def: 'x' })];
    assert.strictEqual(hexOf(schema, 0, false, {}), 'ffffffff' + '000178');
    assert.strictEqual(hexOf(schema, 0, false, { epoch: 3, name: 'ab' }), '00000003' + '00026162');
  });

  it('a tagged field without a default is sent whenever it has a value; a null or missing one never', () => {
    const schema = [f('name', 'string'), f('note', 'string', '0+', { tag: 0, nullable: true })];
    assert.strictEqual(hexOf(schema, 0, true, { name: 'x', note: 'y' }), '0278' + '01' + '00' + '02' + '0279');
    assert.strictEqual(hexOf(schema, 0, true, { name: 'x', note: null }), '0278' + '00');
    assert.strictEqual(hexOf(schema, 0, true, { name: 'x' }), '0278' + '00');
    const withDef = [f('epoch', 'int32', '0+', { tag: 3, def: -1 })];
    assert.strictEqual(hexOf(withDef, 0, true, {}), '00', 'a missing tagged value is not sent as its default');
    const list = [arr('ids', 'int8', '0+', { tag: 1 })];
    assert.strictEqual(hexOf(list, 0, true, { ids: null }), '00');
  });

  it('tagged fields running past the frame are refused with what was read and where', () => {
    const schema = [f('name', 'string'), f('epoch', 'int64', '0+', { tag: 1, def: -1 })];
    // a known tag (1) announcing 9 bytes with 1 left
    assert.throws(
      () => decode(schema, '0278' + '01' + '01' + '09' + '00', 0, true),
      (e: unknown) =>
        e instanceof ProtocolError && e.message === 'tagged field 1 of 9 byte(s) at byte 5 runs past the frame',
    );
    // an unknown tag (7) announcing 4 bytes with 1 left
    assert.throws(
      () => decode(schema, '0278' + '01' + '07' + '04' + '00', 0, true),
      /^ProtocolError: truncated request: needed 4 byte\(s\) for tagged field at byte 5, only 1 left$/,
    );
  });
});
