/**
 * The wire-format decoder against schemas registered in a real SchemaRegistry (over an in-memory log): Avro,
 * Protobuf (message indexes, nested messages, references) and JSON Schema records decode to plain JSON with their
 * subject, version and id; unknown ids, short and damaged payloads give an error naming the problem; bytes that
 * are not in the wire format give null.
 */
import * as assert from 'assert';
import * as avsc from 'avsc';
import * as protobuf from 'protobufjs';
import type { DecodedValue, DecodeError } from '../../../src/schema-registry/decode';
import { describeDecoded, SchemaDecoder } from '../../../src/schema-registry/decode';
import type { SchemaLog } from '../../../src/schema-registry/log';
import { encodeKey, encodeValue } from '../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../src/schema-registry/registry';

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

const header = (id: number) => {
  const b = Buffer.alloc(5);
  b.writeInt32BE(id, 1);
  return b;
};

const ok = (r: unknown): DecodedValue => {
  assert.ok(r && typeof r === 'object' && !('error' in r), `expected a decoded value, got ${JSON.stringify(r)}`);
  return r as DecodedValue;
};
const err = (r: unknown): DecodeError => {
  assert.ok(r && typeof r === 'object' && 'error' in r, `expected an error, got ${JSON.stringify(r)}`);
  return r as DecodeError;
};

const ORDER = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'blob', type: 'bytes', default: '' },
  ],
});

const PROTO = `syntax = "proto3";
package shop;
message Ignored { string x = 1; }
message Envelope {
  message Line { string sku = 1; int64 qty = 2; }
  string id = 1;
  repeated Line lines = 2;
  Money total = 3;
}`;
const MONEY = `syntax = "proto3";
package shop;
message Money { string currency = 1; int64 cents = 2; }`;

describe('SchemaDecoder: records in Confluent wire format, decoded with the registry', () => {
  let reg: SchemaRegistry;
  let dec: SchemaDecoder;
  beforeEach(async () => {
    reg = await SchemaRegistry.open(memoryLog());
    dec = new SchemaDecoder(reg);
  });

  it('an Avro record decodes to its fields with the subject, version and id (hand-written bytes)', async () => {
    await reg.register('orders-value', { schema: JSON.stringify({ type: 'record', name: 'Old', fields: [] }) });
    await reg.setCompatibility('orders-value', 'NONE');
    const { id, version } = await reg.register('orders-value', { schema: ORDER });
    assert.strictEqual(version, 2);
    // id 1 -> 0x02 (zigzag), "ab" -> len 2 (0x04) + bytes, union branch 1 (0x02) "n", bytes [0xff]
    const bytes = Buffer.concat([header(id), Buffer.from([0x02, 0x04, 0x61, 0x62, 0x02, 0x02, 0x6e, 0x02, 0xff])]);
    const d = ok(dec.decode(bytes, 'orders-value'));
    assert.deepStrictEqual(d.value, { id: 1, item: 'ab', note: 'n', blob: '/w==' });
    assert.strictEqual(d.format, 'avro');
    assert.strictEqual(d.schemaId, id);
    assert.strictEqual(d.subject, 'orders-value');
    assert.strictEqual(d.version, 2);
    assert.strictEqual(describeDecoded(d), `Avro · orders-value v2 (id ${id})`);
    assert.doesNotThrow(() => JSON.stringify(d.value));
  });

  it('the preferred subject is named when two subjects share the schema id', async () => {
    const a = await reg.register('a-value', { schema: ORDER });
    const b = await reg.register('orders-value', { schema: ORDER });
    assert.strictEqual(a.id, b.id);
    const type = avsc.Type.forSchema(JSON.parse(ORDER) as avsc.Schema);
    const bytes = Buffer.concat([header(a.id), type.toBuffer({ id: 7, item: 'x', note: null, blob: Buffer.alloc(0) })]);
    assert.strictEqual(ok(dec.decode(bytes, 'orders-value')).subject, 'orders-value');
    assert.strictEqual(ok(dec.decode(bytes)).subject, 'a-value');
    // the remembered subject-version is checked on every decode: once it is gone the other holder is named
    await reg.deleteSubject('orders-value');
    await reg.deleteSubject('orders-value', { permanent: true });
    assert.strictEqual(ok(dec.decode(bytes, 'orders-value')).subject, 'a-value');
  });

  it('an Avro schema with a reference decodes a record using the referenced type', async () => {
    await reg.register('money', {
      schema: JSON.stringify({ type: 'record', name: 'shop.Money', fields: [{ name: 'cents', type: 'long' }] }),
    });
    const schema = JSON.stringify({
      type: 'record',
      name: 'shop.Invoice',
      fields: [{ name: 'total', type: 'shop.Money' }],
    });
    const { id } = await reg.register('invoices-value', {
      schema,
      references: [{ name: 'shop.Money', subject: 'money', version: 1 }],
    });
    const bytes = Buffer.concat([header(id), Buffer.from([0xc8, 0x01])]); // cents 100 -> zigzag 200
    assert.deepStrictEqual(ok(dec.decode(bytes)).value, { total: { cents: 100 } });
  });

  it('a Protobuf record decodes with the message its indexes name, nested messages and a referenced import', async () => {
    await reg.register('money.proto', { schema: MONEY, schemaType: 'PROTOBUF' });
    const { id } = await reg.register('env-value', {
      schema: `syntax = "proto3";\npackage shop;\nimport "money.proto";\n${PROTO.split('\n').slice(2).join('\n')}`,
      schemaType: 'PROTOBUF',
      references: [{ name: 'money.proto', subject: 'money.proto', version: 1 }],
    });
    const root = protobuf.parse(`${MONEY}\n${PROTO.split('\n').slice(2).join('\n')}`).root;
    const Env = root.lookupType('shop.Envelope');
    const payload = Env.encode(
      Env.fromObject({ id: 'e1', lines: [{ sku: 'A', qty: 3 }], total: { currency: 'EUR', cents: 1250 } }),
    ).finish();
    // indexes [1]: count 1 -> zigzag 0x02, index 1 -> 0x02 (Envelope is the second top-level message)
    const bytes = Buffer.concat([header(id), Buffer.from([0x02, 0x02]), Buffer.from(payload)]);
    const d = ok(dec.decode(bytes));
    assert.strictEqual(d.format, 'protobuf');
    assert.strictEqual(d.messageType, 'shop.Envelope');
    assert.deepStrictEqual(d.value, {
      id: 'e1',
      lines: [{ sku: 'A', qty: '3' }],
      total: { currency: 'EUR', cents: '1250' },
    });

    // indexes [1, 0]: the nested Line; a lone 0 means the first message (Ignored)
    const Line = root.lookupType('shop.Envelope.Line');
    const line = Buffer.from(Line.encode(Line.fromObject({ sku: 'B', qty: 1 })).finish());
    const nested = ok(dec.decode(Buffer.concat([header(id), Buffer.from([0x04, 0x02, 0x00]), line])));
    assert.strictEqual(nested.messageType, 'shop.Envelope.Line');
    assert.deepStrictEqual(nested.value, { sku: 'B', qty: '1' });
    const first = ok(dec.decode(Buffer.concat([header(id), Buffer.from([0x00, 0x0a, 0x01, 0x7a])])));
    assert.strictEqual(first.messageType, 'shop.Ignored');
    assert.deepStrictEqual(first.value, { x: 'z' });

    const bad = err(dec.decode(Buffer.concat([header(id), Buffer.from([0x02, 0x0a])]))); // index 5
    assert.match(bad.error, /message indexes \[5\] name no message/);
  });

  it('a JSON Schema record decodes and a document that breaks the schema is shown with the reasons', async () => {
    const { id } = await reg.register('people-value', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] }),
    });
    const good = ok(dec.decode(Buffer.concat([header(id), Buffer.from('{"age":41}')])));
    assert.strictEqual(good.format, 'json');
    assert.deepStrictEqual(good.value, { age: 41 });
    assert.strictEqual(good.validationErrors, undefined);
    const wrong = ok(dec.decode(Buffer.concat([header(id), Buffer.from('{"age":"old"}')])));
    assert.deepStrictEqual(wrong.value, { age: 'old' });
    assert.deepStrictEqual(wrong.validationErrors, ['/age must be integer']);
    assert.match(err(dec.decode(Buffer.concat([header(id), Buffer.from('{"age":')]))).error, /not JSON/);
  });

  it('an unknown schema id, too few bytes and a damaged Avro payload give errors naming the problem', async () => {
    const { id } = await reg.register('orders-value', { schema: ORDER });
    const unknown = err(dec.decode(Buffer.concat([header(42), Buffer.from([1, 2])])));
    assert.match(unknown.error, /unknown schema id 42/);
    assert.strictEqual(unknown.schemaId, 42);
    assert.match(err(dec.decode(Buffer.from([0, 0, 0]))).error, /too short.*3 bytes/);
    // the string length says 50 bytes but 1 follows
    assert.match(err(dec.decode(Buffer.concat([header(id), Buffer.from([0x02, 0x64, 0x61])]))).error, /ends before/);
    const type = avsc.Type.forSchema(JSON.parse(ORDER) as avsc.Schema);
    const whole = type.toBuffer({ id: 1, item: 'x', note: null, blob: Buffer.alloc(0) });
    const trailing = err(dec.decode(Buffer.concat([header(id), whole, Buffer.from([9])])));
    assert.match(trailing.error, /trailing bytes/);
  });

  it('bytes that are not in the wire format (other first byte, empty, null) are not decoded', () => {
    assert.strictEqual(dec.decode(Buffer.from('{"a":1}')), null);
    assert.strictEqual(dec.decode(Buffer.alloc(0)), null);
    assert.strictEqual(dec.decode(null), null);
  });
});
