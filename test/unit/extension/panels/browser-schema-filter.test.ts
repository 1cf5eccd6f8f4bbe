/**
 * The record browser's filter over decoded values, and local schema files (kafkaLite.schemas.localFiles): a
 * filter finds an Avro record by its decoded JSON (`"customer_id":42`) or a plain word of it; a topic mapped to a
 * workspace .avsc / .proto / .json file shows its values decoded (plain Avro binary, or Confluent's framing when
 * present); a missing file, one that does not parse and a path leading outside the workspace folder are named in
 * the record's caption, never thrown.
 */
import * as assert from 'assert';
import * as avsc from 'avsc';
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { BrowserController } from '../../../../src/extension/panels/browser-controller';
import { LocalSchemas } from '../../../../src/extension/panels/local-schemas';
import { SchemaDecoder } from '../../../../src/schema-registry/decode';
import { brokerSchemaLog } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import type { BrowserSnapshot, FilterField, RecordRow } from '../../../../src/shared/browser-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

const PAYMENT = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'customer_id', type: 'long' },
    { name: 'note', type: 'string' },
  ],
};
const paymentType = avsc.Type.forSchema(PAYMENT as avsc.Schema);

function framed(id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeInt32BE(id, 1);
  return Buffer.concat([h, payload]);
}

describe('record browser: filter on decoded values and local schema files', () => {
  let fx: Fixture;
  let workspace: string;
  let mapping: unknown;
  let registry: SchemaRegistry | undefined;
  let id = 1;

  let posted: Posted<BrowserSnapshot>;
  let ctl: BrowserController;
  let decoder: SchemaDecoder | undefined;

  /** Open a topic's partition 0 in the one controller of the test (its local schema cache lives on). */
  const view = async (
    topic: string,
    filter: { text: string; regex?: boolean; field?: FilterField } = { text: '' },
  ): Promise<{ rows: RecordRow[]; note: string | null }> => {
    const rid = id++;
    await ctl.handle({
      type: 'open',
      id: rid,
      topic,
      partition: 0,
      seek: { kind: 'beginning' },
      filter: { text: filter.text, regex: filter.regex ?? false, field: filter.field ?? 'any' },
      tail: false,
    });
    assert.ok(posted.reply(rid).ok, JSON.stringify(posted.reply(rid)));
    const s = posted.snapshot();
    return { rows: s.rows, note: s.note };
  };
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), text);
  };

  beforeEach(async () => {
    fx = await openBroker();
    workspace = path.join(fx.dir, 'workspace');
    fs.mkdirSync(workspace);
    mapping = undefined;
    registry = undefined;
    decoder = undefined;
    await fx.broker.createTopic('payments', 1);
    posted = new Posted<BrowserSnapshot>();
    ctl = new BrowserController({
      getBroker: () => fx.broker,
      post: posted.post,
      getSchemaDecoder: () => (registry ? (decoder ??= new SchemaDecoder(registry)) : undefined),
      localSchemas: () => ({ root: workspace, mapping }),
    });
  });
  afterEach(async () => {
    ctl.dispose();
    await registry?.idle();
    await fx.close();
  });

  it('the filter finds a registry-decoded Avro record by a field of its JSON and by a plain word, not by bytes alone', async () => {
    registry = await SchemaRegistry.open(brokerSchemaLog(fx.broker));
    const { id: schemaId } = await registry.register('payments-value', { schema: JSON.stringify(PAYMENT) });
    await fx.broker.produce(
      'payments',
      [
        { key: 'a', value: framed(schemaId, paymentType.toBuffer({ customer_id: 42, note: 'refund' })) },
        { key: 'b', value: framed(schemaId, paymentType.toBuffer({ customer_id: 7, note: 'coffee' })) },
        { key: 'c', value: '{"customer_id": 42}' },
      ],
      { partition: 0 },
    );
    const byField = await view('payments', { text: 'customer_id":42' });
    assert.deepStrictEqual(
      byField.rows.map((r) => r.key),
      ['a'],
      'the decoded record matches; the plain JSON has a space after the colon',
    );
    assert.strictEqual(byField.note, '1 matching record(s) among 3 read.');
    assert.deepStrictEqual(
      (await view('payments', { text: 'COFFEE', field: 'value' })).rows.map((r) => r.key),
      ['b'],
    );
    assert.deepStrictEqual(
      (await view('payments', { text: '"customer_id":\\s*42\\b', regex: true })).rows.map((r) => r.key),
      ['a', 'c'],
    );
    assert.deepStrictEqual((await view('payments', { text: 'refund', field: 'key' })).rows, []);
  });

  it('decodes plain Avro binary and Confluent-framed Avro with a mapped .avsc file, and the filter matches them', async () => {
    write('schemas/payment.avsc', JSON.stringify(PAYMENT));
    mapping = { payments: 'schemas/payment.avsc' };
    await fx.broker.produce(
      'payments',
      [
        { key: 'plain', value: paymentType.toBuffer({ customer_id: 0, note: 'first' }) },
        { key: 'framed', value: framed(99, paymentType.toBuffer({ customer_id: 42, note: 'second' })) },
      ],
      { partition: 0 },
    );
    const { rows } = await view('payments');
    assert.deepStrictEqual(JSON.parse(rows[0].value!), { customer_id: 0, note: 'first' });
    assert.strictEqual(rows[0].valueSchema, 'Avro · local schemas/payment.avsc');
    assert.deepStrictEqual(JSON.parse(rows[1].value!), { customer_id: 42, note: 'second' });
    assert.strictEqual(rows[1].valueSchema, 'Avro · local schemas/payment.avsc (Confluent framing, id 99)');
    assert.strictEqual(rows[0].keySchema, undefined, 'only the value is mapped');
    assert.deepStrictEqual(
      (await view('payments', { text: 'customer_id":42' })).rows.map((r) => r.key),
      ['framed'],
    );
  });

  it('decodes a key and a value with their own files: .proto with a chosen message, .json as JSON Schema', async () => {
    write(
      'schemas/pay.proto',
      'syntax = "proto3"; package shop; message Other { string x = 1; } message Pay { int64 customer_id = 1; string note = 2; }',
    );
    write(
      'schemas/key.json',
      JSON.stringify({ type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }),
    );
    mapping = { payments: { key: 'schemas/key.json', value: 'schemas/pay.proto#Pay' } };
    const root = protobuf.parse('syntax = "proto3"; message Pay { int64 customer_id = 1; string note = 2; }', {
      keepCase: true,
    }).root;
    const Pay = root.lookupType('Pay');
    const value = Buffer.from(Pay.encode(Pay.create({ customer_id: 42, note: 'tea' })).finish());
    await fx.broker.produce(
      'payments',
      [
        { key: '{"id": 5}', value },
        { key: '{"name": "x"}', value },
      ],
      { partition: 0 },
    );
    const { rows } = await view('payments');
    assert.deepStrictEqual(JSON.parse(rows[0].value!), { customer_id: '42', note: 'tea' });
    assert.strictEqual(rows[0].valueSchema, 'Protobuf · local schemas/pay.proto (shop.Pay)');
    assert.strictEqual(rows[0].keySchema, 'JSON Schema · local schemas/key.json');
    assert.match(rows[1].keySchema!, /^JSON Schema · local schemas\/key\.json · does not match its schema: .*id/);
  });

  it('names a missing file, a file that does not parse and a path outside the workspace in the caption; the bytes stay shown', async () => {
    await fx.broker.createTopic('a', 1);
    await fx.broker.createTopic('b', 1);
    await fx.broker.createTopic('c', 1);
    fs.writeFileSync(path.join(fx.dir, 'outside.avsc'), JSON.stringify(PAYMENT));
    write('schemas/broken.avsc', '{"type": "record", "name": ');
    mapping = {
      a: 'schemas/nothing.avsc',
      b: 'schemas/broken.avsc',
      c: '../outside.avsc',
      payments: '/etc/passwd.avsc',
    };
    for (const t of ['a', 'b', 'c', 'payments']) await fx.broker.produce(t, [{ value: 'hello' }], { partition: 0 });

    const missing = (await view('a')).rows[0];
    assert.strictEqual(missing.value, 'hello');
    assert.strictEqual(
      missing.valueSchema,
      'Not decoded: the local schema file schemas/nothing.avsc does not exist (kafkaLite.schemas.localFiles, topic "a" value)',
    );
    assert.match(
      (await view('b')).rows[0].valueSchema!,
      /^Not decoded: the local schema file schemas\/broken\.avsc does not parse: Avro schema is not valid JSON/,
    );
    const outside = (await view('c')).rows[0];
    assert.strictEqual(
      outside.valueSchema,
      'Not decoded: the local schema path ../outside.avsc leads outside the workspace folder: refused (kafkaLite.schemas.localFiles, topic "c" value)',
    );
    assert.strictEqual(outside.value, 'hello', 'nothing outside the workspace was read');
    assert.match(
      (await view('payments')).rows[0].valueSchema!,
      /is absolute: write it relative to the workspace folder/,
    );
  });

  it('a mapping of the wrong shape is named with the fix, per topic and side', async () => {
    const t = (topic: string, side: 'key' | 'value', entries: unknown, root: string | null = workspace) => {
      const ls = new LocalSchemas(() => ({ root: root ?? undefined, mapping: entries }));
      const r = ls.decode(topic, side, Buffer.from('x'));
      return r && 'error' in r ? r.error : r;
    };
    assert.strictEqual(
      t('a', 'value', { a: 5 }),
      'the entry must be a path, or { "key": path, "value": path } (kafkaLite.schemas.localFiles, topic "a" value)',
    );
    assert.match(
      String(t('a', 'key', { a: { vaule: 'x.avsc' } })),
      /^unknown field\(s\) "vaule": use "key" and "value"/,
    );
    assert.match(
      String(t('a', 'value', { a: 'notes.txt' })),
      /is not a \.avsc, \.proto or \.json \(JSON Schema\) file/,
    );
    assert.match(String(t('a', 'value', { a: 'x.avsc#Order' })), /"#message" is only for \.proto files/);
    assert.match(String(t('a', 'value', { a: 'x.avsc' }, null)), /needs an open workspace folder/);
    assert.strictEqual(t('a', 'key', { a: 'x.avsc' }), undefined, 'a string maps the value only');
    assert.strictEqual(t('other', 'value', { a: 'x.avsc' }), undefined, 'another topic is not mapped');
  });

  it('refuses a symbolic link that leads out of the workspace, and reads a fixed file again without a restart', async () => {
    fs.writeFileSync(path.join(fx.dir, 'outside.avsc'), JSON.stringify(PAYMENT));
    fs.symlinkSync(path.join(fx.dir, 'outside.avsc'), path.join(workspace, 'link.avsc'));
    await fx.broker.createTopic('linked', 1);
    mapping = { linked: 'link.avsc', payments: 'p.avsc' };
    await fx.broker.produce('linked', [{ value: paymentType.toBuffer({ customer_id: 1, note: 'x' }) }], {
      partition: 0,
    });
    await fx.broker.produce('payments', [{ value: paymentType.toBuffer({ customer_id: 2, note: 'y' }) }], {
      partition: 0,
    });
    assert.match(
      (await view('linked')).rows[0].valueSchema!,
      /is a link to a file outside the workspace folder: refused/,
    );
    write('p.avsc', '{');
    assert.match((await view('payments')).rows[0].valueSchema!, /does not parse/);
    write('p.avsc', `${JSON.stringify(PAYMENT)}\n`);
    const fixed = (await view('payments')).rows[0];
    assert.strictEqual(fixed.valueSchema, 'Avro · local p.avsc');
    assert.deepStrictEqual(JSON.parse(fixed.value!), { customer_id: 2, note: 'y' });
  });
});
