/**
 * The wire-format encoder (formats/encode.ts) against schemas registered in a real SchemaRegistry: a JSON value
 * encodes to magic 0 + the 4-byte id (+ Protobuf message indexes) + the payload, and decodes back (decode.ts) to
 * the same value, for Avro (unions, bytes, defaults, references), Protobuf (nested messages, int64, enums, maps)
 * and JSON Schema; a value that does not fit names the field.
 */
import * as assert from 'assert';
import type { DecodedValue } from '../../../../src/schema-registry/decode';
import { SchemaDecoder } from '../../../../src/schema-registry/decode';
import { SchemaEncoder, SchemaValueError, encodeIndexes } from '../../../../src/schema-registry/formats/encode';
import type { SchemaLog } from '../../../../src/schema-registry/log';
import { encodeKey, encodeValue } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';

function memoryLog(): SchemaLog {
  const rows: { key: string | null; value: string | null }[] = [];
  return {
    readAll: () => [...rows],
    append: (records) => {
      for (const r of records) rows.push({ key: encodeKey(r.key), value: encodeValue(r) });
      return Promise.resolve({ recreated: false });
    },
    ensure: () => Promise.resolve(false),
  };
}

const ORDER = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'blob', type: 'bytes', default: '' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] }, default: 'NEW' },
    {
      name: 'lines',
      type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'int' }] } },
      default: [],
    },
  ],
});

const PROTO = `syntax = "proto3";
package shop;
message First { string x = 1; }
message Envelope {
  message Line { string sku = 1; int64 qty = 2; }
  enum Kind { UNKNOWN = 0; SALE = 1; }
  string id = 1;
  repeated Line lines = 2;
  Kind kind = 3;
  map<string, int32> tags = 4;
  bytes raw = 5;
}`;

const decoded = (r: unknown): DecodedValue => {
  assert.ok(r && typeof r === 'object' && !('error' in r), `expected a decoded value, got ${JSON.stringify(r)}`);
  return r as DecodedValue;
};

const fieldError = (fn: () => unknown, path: string, pattern: RegExp) => {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SchemaValueError, `expected a SchemaValueError, got ${String(e)}`);
    assert.strictEqual(e.path, path);
    assert.match(e.message, pattern);
    return true;
  });
};

describe('SchemaEncoder: JSON values into Confluent wire format, decoded back by SchemaDecoder', () => {
  let reg: SchemaRegistry;
  let enc: SchemaEncoder;
  let dec: SchemaDecoder;
  beforeEach(async () => {
    reg = await SchemaRegistry.open(memoryLog());
    enc = new SchemaEncoder(reg);
    dec = new SchemaDecoder(reg);
  });

  it('an Avro value round-trips: magic 0, the id, then Avro binary; missing fields take their defaults', async () => {
    const { id } = await reg.register('orders-value', { schema: ORDER });
    const e = enc.encode(id, { id: 7, item: 'book', amount: 12.5, note: 'gift', lines: [{ qty: 2 }] });
    assert.strictEqual(e.bytes[0], 0);
    assert.strictEqual(e.bytes.readInt32BE(1), id);
    const d = decoded(dec.decode(e.bytes, 'orders-value'));
    assert.deepStrictEqual(d.value, {
      id: 7,
      item: 'book',
      amount: 12.5,
      note: 'gift',
      blob: '',
      status: 'NEW',
      lines: [{ qty: 2 }],
    });
    // what the decoder shows encodes back to the same bytes (bytes as base64, the union unwrapped)
    assert.deepStrictEqual(enc.encode(id, d.value).bytes, e.bytes);
    assert.deepStrictEqual(
      decoded(dec.decode(enc.encode(id, { id: 1, item: 'x', amount: 0, blob: '/w==', note: { string: 'n' } }).bytes))
        .value,
      { id: 1, item: 'x', amount: 0, note: 'n', blob: '/w==', status: 'NEW', lines: [] },
    );
  });

  it('an Avro value that does not fit names the field: wrong type, missing, unknown, bad enum, nested', async () => {
    const { id } = await reg.register('orders-value', { schema: ORDER });
    const base = { id: 1, item: 'x', amount: 1 };
    fieldError(
      () => enc.encode(id, { ...base, amount: 'ten' }),
      'amount',
      /field "amount": expected an Avro double.*"ten"/,
    );
    fieldError(
      () => enc.encode(id, { id: 1, amount: 1 }),
      'item',
      /field "item": is missing, and record shop.Order gives it no default/,
    );
    fieldError(
      () => enc.encode(id, { ...base, colour: 'red' }),
      'colour',
      /record shop.Order has no field "colour" \(its fields: id, item/,
    );
    fieldError(() => enc.encode(id, { ...base, status: 'LOST' }), 'status', /expected one of NEW, PAID/);
    fieldError(() => enc.encode(id, { ...base, lines: [{ qty: 1 }, { qty: 1.5 }] }), 'lines[1].qty', /an Avro int/);
    fieldError(() => enc.encode(id, { ...base, id: 2 ** 31 * 2 ** 30 }), 'id', /too large|out of range/);
    fieldError(() => enc.encode(id, [1]), '', /expected an object \(the Avro record shop.Order\)/);
  });

  it('an Avro schema with a reference encodes with the referenced type', async () => {
    await reg.register('money', {
      schema: JSON.stringify({ type: 'record', name: 'shop.Money', fields: [{ name: 'cents', type: 'long' }] }),
    });
    const { id } = await reg.register('invoices-value', {
      schema: JSON.stringify({ type: 'record', name: 'shop.Invoice', fields: [{ name: 'total', type: 'shop.Money' }] }),
      references: [{ name: 'shop.Money', subject: 'money', version: 1 }],
    });
    const e = enc.encode(id, { total: { cents: 100 } });
    assert.deepStrictEqual([...e.bytes.subarray(5)], [0xc8, 0x01]);
    assert.deepStrictEqual(decoded(dec.decode(e.bytes)).value, { total: { cents: 100 } });
    fieldError(() => enc.encode(id, { total: { cents: '1e3' } }), 'total.cents', /an Avro long/);
  });

  it('a Protobuf value round-trips with its message indexes: the first message is [0], a nested one its path', async () => {
    const { id } = await reg.register('env-value', { schema: PROTO, schemaType: 'PROTOBUF' });
    assert.deepStrictEqual(enc.messageTypes(id), ['shop.First', 'shop.Envelope', 'shop.Envelope.Line']);
    const first = enc.encode(id, { x: 'hi' });
    assert.deepStrictEqual([...first.bytes.subarray(0, 6)], [0, 0, 0, 0, id, 0]);
    assert.deepStrictEqual(decoded(dec.decode(first.bytes)).value, { x: 'hi' });

    const value = {
      id: 'e1',
      lines: [{ sku: 'a', qty: '9007199254740993' }],
      kind: 'SALE',
      tags: { vip: 3 },
      raw: '3q0=',
    };
    const e = enc.encode(id, value, 'shop.Envelope');
    assert.deepStrictEqual(e.indexes, [1]);
    assert.deepStrictEqual([...e.bytes.subarray(5, 7)], [0x02, 0x02]); // count 1, index 1 (zigzag)
    const d = decoded(dec.decode(e.bytes));
    assert.strictEqual(d.messageType, 'shop.Envelope');
    assert.deepStrictEqual(d.value, value);
    assert.deepStrictEqual(enc.encode(id, d.value, 'Envelope').bytes, e.bytes);

    const line = enc.encode(id, { sku: 'b', qty: 2 }, 'shop.Envelope.Line');
    assert.deepStrictEqual(line.indexes, [1, 0]);
    assert.deepStrictEqual(decoded(dec.decode(line.bytes)).value, { sku: 'b', qty: '2' });
  });

  it('a Protobuf value that does not fit names the field', async () => {
    const { id } = await reg.register('env-value', { schema: PROTO, schemaType: 'PROTOBUF' });
    const E = 'shop.Envelope';
    fieldError(() => enc.encode(id, { id: 5 }, E), 'id', /expected a string, got the number 5/);
    fieldError(
      () => enc.encode(id, { idd: 'x' }, E),
      'idd',
      /message Envelope has no field "idd" \(its fields: id, lines/,
    );
    fieldError(() => enc.encode(id, { lines: [{ qty: 'many' }] }, E), 'lines[0].qty', /a int64/);
    fieldError(() => enc.encode(id, { kind: 'REFUND' }, E), 'kind', /one of UNKNOWN, SALE/);
    fieldError(() => enc.encode(id, { tags: { a: 'x' } }, E), 'tags.a', /a int32/);
    fieldError(() => enc.encode(id, { raw: 'not base64!' }, E), 'raw', /base64/);
    assert.throws(() => enc.encode(id, {}, 'shop.Nope'), /has no message "shop.Nope" \(its messages: shop.First/);
  });

  it('a JSON Schema value is stored as its JSON text after the header; the first problem names the field', async () => {
    const schema = JSON.stringify({
      type: 'object',
      properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['id'],
      additionalProperties: false,
    });
    const { id } = await reg.register('j-value', { schema, schemaType: 'JSON' });
    const e = enc.encode(id, { id: 3, tags: ['a'] });
    assert.strictEqual(e.bytes.subarray(5).toString('utf8'), '{"id":3,"tags":["a"]}');
    const d = decoded(dec.decode(e.bytes));
    assert.deepStrictEqual(d.value, { id: 3, tags: ['a'] });
    assert.strictEqual(d.validationErrors, undefined);
    fieldError(() => enc.encode(id, { id: 'x' }), 'id', /must be integer/);
    fieldError(() => enc.encode(id, { tags: [] }), 'id', /is missing, and the schema requires it/);
    fieldError(() => enc.encode(id, { id: 1, tags: ['a', 2] }), 'tags[1]', /must be string/);
    fieldError(() => enc.encode(id, { id: 1, extra: true }), 'extra', /not allowed/);
  });

  it('message indexes: [0] is one zero byte, longer paths are a zigzag count and zigzag indexes', () => {
    assert.deepStrictEqual([...encodeIndexes([0])], [0]);
    assert.deepStrictEqual([...encodeIndexes([1, 0])], [4, 2, 0]);
    assert.deepStrictEqual([...encodeIndexes([70])], [2, 0x8c, 0x01]);
  });
});
