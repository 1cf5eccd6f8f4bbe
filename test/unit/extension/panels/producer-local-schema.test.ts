/**
 * The producer panel's schema mode with a local schema file, against a real Broker and the real SchemaRegistry
 * engine: the JSON value checked against a workspace .avsc / .proto as it is typed (a field that does not fit is
 * named), "Register the schema if needed" registering it under <topic>-value before the record is sent in
 * Confluent's wire format (decoded back by the registry's decoder), an unregistered schema refused when the box is
 * not ticked, an incompatible one refused with the registry's verdict, a .proto with two messages, the setting's
 * mapping offered for preselection and the file picker keeping to the workspace.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ProducerController } from '../../../../src/extension/panels/producer-controller';
import { SchemaDecoder } from '../../../../src/schema-registry/decode';
import type { DecodedValue } from '../../../../src/schema-registry/decode';
import type { SchemaLog } from '../../../../src/schema-registry/log';
import { encodeKey, encodeValue } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import type { ProducerForm, ProducerSnapshot, SchemaCheck } from '../../../../src/shared/producer-messages';
import { emptyProducerForm } from '../../../../src/shared/producer-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

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

const ORDER = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

const SHOP_PROTO = `syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  double amount = 2;
}
message Refund {
  string order_id = 1;
  string reason = 2;
}
`;

describe('producer panel controller: schema mode with a local schema file', () => {
  let fx: Fixture;
  let posted: Posted<ProducerSnapshot>;
  let ctl: ProducerController;
  let registry: SchemaRegistry | undefined;
  let root: string;
  let picked: string | undefined;
  let mapping: unknown;
  let id = 1;

  const form = (over: Partial<ProducerForm>): Required<ProducerForm> => ({
    ...emptyProducerForm(),
    topic: 'orders',
    partition: 0,
    mode: 'schema',
    schemaSource: 'file',
    schemaFile: 'schemas/order.avsc',
    ...over,
  });
  const ask = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid) as { ok: boolean; error?: string; result?: unknown };
  };
  const send = (over: Partial<ProducerForm>) => ask({ type: 'send', form: form(over) });
  const check = async (over: Partial<ProducerForm>): Promise<SchemaCheck> => {
    const r = await ask({ type: 'checkSchema', form: form(over) });
    assert.ok(r.ok, r.error);
    return r.result as SchemaCheck;
  };
  const stored = (p = 0) => fx.broker.readRecords('orders', p, 0, 100);
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('orders', 1);
    registry = await SchemaRegistry.open(memoryLog());
    root = path.join(fx.dir, 'workspace');
    write('schemas/order.avsc', JSON.stringify(ORDER, null, 2));
    picked = undefined;
    mapping = undefined;
    posted = new Posted();
    ctl = new ProducerController({
      getBroker: () => fx.broker,
      post: posted.post,
      getSchemaRegistry: () => registry,
      schemaRegistryUrl: () => 'http://127.0.0.1:8081',
      workspaceRoots: () => [root],
      localSchemas: () => ({ root, mapping }),
      pickSchemaFile: () => Promise.resolve(picked),
    });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  it('a local .avsc checks the value as it is typed: the field that does not fit is named, a fitting one is encoded', async () => {
    const bad = await check({ value: '{"id": 7, "amount": "ten"}' });
    assert.strictEqual(bad.file, 'schemas/order.avsc');
    assert.strictEqual(bad.format, 'Avro');
    assert.strictEqual(
      bad.problem,
      'Does not fit: field "amount": expected an Avro double (a number), got the string "ten"',
    );
    const extra = await check({ value: '{"id": 7, "amount": 1, "colour": "red"}' });
    assert.match(extra.problem ?? '', /field "colour": record Order has no field "colour"/);

    const ok = await check({ value: '{"id": 7, "amount": 9.5}' });
    assert.strictEqual(ok.problem, null);
    assert.strictEqual(ok.subject, 'orders-value');
    assert.strictEqual(ok.schemaId, undefined, 'no id before it is registered');
    assert.strictEqual(ok.registry?.state, 'unregistered');
    assert.match(ok.registry?.text ?? '', /Not registered under "orders-value" yet: sending registers it/);
    // magic 0, the id (none yet), then Avro: long 7 (zigzag 0e), double 9.5, the null branch of note
    assert.strictEqual(ok.bytesHex, '00 00 00 00 00 0e 00 00 00 00 00 00 23 40 00');
    assert.strictEqual(registry!.listSubjects().length, 0, 'checking registers nothing');

    const send1 = await send({ value: '{"id": 7, "amount": "ten"}' });
    assert.strictEqual(
      send1.error,
      'The value does not fit the local schema schemas/order.avsc (Avro): field "amount": expected an Avro double (a number), got the string "ten".',
    );
    assert.strictEqual(stored().length, 0);
    assert.deepStrictEqual(registry!.listSubjects(), [], 'a value that does not fit registers nothing');
  });

  it('"Register the schema if needed" registers the file under <topic>-value, then the record carries its id and decodes to the typed JSON', async () => {
    await registry!.register('other-value', { schema: '"string"' }); // so the new id is not 1 by chance
    const r = await send({ value: '{"id": {{i}}, "amount": 9.5, "note": "gift"}', copies: 2, registerSchema: true });
    assert.ok(r.ok, r.error);
    const v = registry!.getVersion('orders-value', 'latest');
    assert.strictEqual(v.version, 1);
    assert.strictEqual(v.schemaType, 'AVRO');
    assert.deepStrictEqual(JSON.parse(v.schema), ORDER);
    const recs = stored();
    assert.strictEqual(recs.length, 2);
    const dec = new SchemaDecoder(registry!);
    recs.forEach((rec, i) => {
      assert.strictEqual(rec.value![0], 0, 'magic byte');
      assert.strictEqual(rec.value!.readInt32BE(1), v.id, 'the registered id');
      const d = dec.decode(rec.value, 'orders-value') as DecodedValue;
      assert.deepStrictEqual(d.value, { id: i + 1, amount: 9.5, note: 'gift' });
      assert.strictEqual(d.subject, 'orders-value');
    });
    assert.match(posted.snapshot().outcome?.caption ?? '', /Stored 2 record\(s\)/);

    // registered now: the check says so, and a second send neither registers again nor needs the box
    const c = await check({ value: '{"id": 3, "amount": 1}', registerSchema: false });
    assert.strictEqual(c.registry?.state, 'registered');
    assert.strictEqual(c.schemaId, v.id);
    assert.strictEqual(c.version, 1);
    assert.strictEqual(c.bytesHex?.slice(0, 14), `00 00 00 00 ${v.id.toString(16).padStart(2, '0')}`);
    const again = await send({ value: '{"id": 3, "amount": 1}', registerSchema: false });
    assert.ok(again.ok, again.error);
    assert.deepStrictEqual(registry!.listVersions('orders-value'), [1]);
    assert.strictEqual(stored()[2].value!.readInt32BE(1), v.id);
  });

  it('an edited subject is registered instead of <topic>-value, and the key can be the encoded part', async () => {
    write('schemas/order-key.avsc', '"long"');
    const r = await send({
      schemaFile: 'schemas/order-key.avsc',
      schemaPart: 'key',
      schemaFileSubject: 'order-ids',
      key: '42',
      value: 'plain value',
    });
    assert.ok(r.ok, r.error);
    const v = registry!.getVersion('order-ids', 'latest');
    const [rec] = stored();
    assert.strictEqual(rec.key!.readInt32BE(1), v.id);
    assert.strictEqual((new SchemaDecoder(registry!).decode(rec.key) as DecodedValue).value, 42);
    assert.strictEqual(rec.value?.toString(), 'plain value');
    assert.deepStrictEqual(registry!.listSubjects(), ['order-ids']);
  });

  it('unticked, a schema the registry does not hold is refused with a message saying to tick the box; nothing is sent', async () => {
    const none = await send({ value: '{"id": 1, "amount": 2}', registerSchema: false });
    assert.strictEqual(
      none.error,
      'The local schema schemas/order.avsc is not registered: the Schema Registry has no subject "orders-value". ' +
        'Tick "Register the schema if needed" to register it when sending, or register it first (Kafka Lite: ' +
        'Register Schema from File…). Nothing was sent.',
    );
    assert.strictEqual(posted.snapshot().outcome?.kind, 'error');
    // another (compatible) schema: the subject exists, but not with this file's schema
    const withTag = { ...ORDER, fields: [...ORDER.fields, { name: 'tag', type: 'string', default: '' }] };
    await registry!.register('orders-value', { schema: JSON.stringify(withTag) });
    const other = await send({ value: '{"id": 1, "amount": 2}', registerSchema: false });
    assert.match(
      other.error ?? '',
      /is not registered under subject "orders-value" \(its 1 version\(s\) hold other schemas\)\. Tick "Register/,
    );
    const c = await check({ value: '{"id": 1, "amount": 2}', registerSchema: false });
    assert.strictEqual(c.problem, null, 'the value still fits the file');
    assert.strictEqual(c.registry?.state, 'unregistered');
    assert.match(c.registry?.text ?? '', /tick "Register the schema if needed"/);
    assert.strictEqual(stored().length, 0);
    assert.deepStrictEqual(registry!.listVersions('orders-value'), [1]);
  });

  it('a schema the subject’s compatibility refuses shows the registry’s verdict (409 with its reasons) and nothing is sent', async () => {
    // BACKWARD (the default): the new schema must read old data, so a new field without a default is refused
    await registry!.register('orders-value', { schema: JSON.stringify(ORDER) });
    write(
      'schemas/order-v2.avsc',
      JSON.stringify({ ...ORDER, fields: [...ORDER.fields, { name: 'currency', type: 'string' }] }),
    );
    const c = await check({ schemaFile: 'schemas/order-v2.avsc', value: '{"id": 1, "amount": 2, "currency": "EUR"}' });
    assert.strictEqual(c.problem, null);
    assert.strictEqual(c.registry?.state, 'incompatible');
    assert.match(c.registry?.text ?? '', /the registry would refuse it \(compatibility BACKWARD\): .*currency/);

    const r = await send({ schemaFile: 'schemas/order-v2.avsc', value: '{"id": 1, "amount": 2, "currency": "EUR"}' });
    assert.match(
      r.error ?? '',
      /^The Schema Registry refused to register schemas\/order-v2\.avsc under subject "orders-value" \(409, compatibility BACKWARD\): BACKWARD: the new schema cannot read data written with version 1: .*currency.*\. Nothing was sent\.$/,
    );
    assert.strictEqual(posted.snapshot().outcome?.kind, 'error');
    assert.match(posted.snapshot().outcome?.caption ?? '', /409, compatibility BACKWARD/);
    assert.strictEqual(stored().length, 0);
    assert.deepStrictEqual(registry!.listVersions('orders-value'), [1]);
  });

  it('a .proto with two messages: both are offered, the chosen one is encoded with its message index and decodes back', async () => {
    write('schemas/shop.proto', SHOP_PROTO);
    const first = await check({ schemaFile: 'schemas/shop.proto', value: '{"id": 5, "amount": 1.5}' });
    assert.strictEqual(first.problem, null);
    assert.deepStrictEqual(first.messageTypes, ['shop.Order', 'shop.Refund']);
    assert.strictEqual(first.messageType, 'shop.Order');
    const wrong = await check({ schemaFile: 'schemas/shop.proto', value: '{"id": 5}', messageType: 'shop.Refund' });
    assert.match(wrong.problem ?? '', /field "id": message Refund has no field "id" \(its fields: order_id, reason\)/);

    const r = await send({
      schemaFile: 'schemas/shop.proto',
      messageType: 'shop.Refund',
      value: '{"order_id": "o-5", "reason": "damaged"}',
    });
    assert.ok(r.ok, r.error);
    const v = registry!.getVersion('orders-value', 'latest');
    assert.strictEqual(v.schemaType, 'PROTOBUF');
    const [rec] = stored();
    assert.strictEqual(rec.value!.readInt32BE(1), v.id);
    assert.deepStrictEqual([...rec.value!.subarray(5, 7)], [2, 2], 'message indexes: count 1, index 1 (zigzag)');
    const d = new SchemaDecoder(registry!).decode(rec.value) as DecodedValue;
    assert.strictEqual(d.messageType, 'shop.Refund');
    assert.deepStrictEqual(d.value, { order_id: 'o-5', reason: 'damaged' });

    // "#Message" in the path (as kafkaLite.schemas.localFiles writes it) picks the message when the form names none
    const byHash = await check({ schemaFile: 'schemas/shop.proto#Refund', value: '{"reason": "late"}' });
    assert.strictEqual(byHash.problem, null);
    assert.strictEqual(byHash.messageType, 'shop.Refund');
  });

  it('the setting maps topics to files for preselection; a file outside the workspace, missing or broken is refused by name', async () => {
    await ask({ type: 'ready' });
    assert.strictEqual(posted.snapshot().schemas.localFiles, undefined);
    // the setting edited while the panel is open: the next check pushes a snapshot offering its files
    mapping = { orders: { key: 'schemas/order-key.avsc', value: 'schemas/shop.proto#shop.Order' }, bad: '../x.avsc' };
    await check({ value: '{}' });
    assert.deepStrictEqual(posted.snapshot().schemas.localFiles, {
      orders: { key: 'schemas/order-key.avsc', value: 'schemas/shop.proto#shop.Order' },
    });

    picked = path.join(root, 'schemas', 'order.avsc');
    assert.deepStrictEqual((await ask({ type: 'pickSchemaFile' })).result, { path: 'schemas/order.avsc' });
    picked = undefined;
    assert.deepStrictEqual((await ask({ type: 'pickSchemaFile' })).result, { path: null });
    picked = path.join(fx.dir, 'elsewhere.avsc');
    assert.match((await ask({ type: 'pickSchemaFile' })).error ?? '', /is outside the workspace folder/);

    const outside = await check({ schemaFile: '../elsewhere.avsc', value: '{}' });
    assert.match(
      outside.problem ?? '',
      /^The local schema path \.\.\/elsewhere\.avsc leads outside the workspace folder/,
    );
    const missing = await check({ schemaFile: 'schemas/nope.avsc', value: '{}' });
    assert.strictEqual(missing.problem, 'There is no file schemas/nope.avsc in the workspace folder.');
    write('schemas/broken.avsc', '{"type": "record", "name": "X"}');
    const broken = await check({ schemaFile: 'schemas/broken.avsc', value: '{}' });
    assert.match(broken.problem ?? '', /^The local schema schemas\/broken\.avsc does not parse as Avro: /);
    const none = await send({ schemaFile: '', value: '{}' });
    assert.match(none.error ?? '', /^Pick a local schema file/);
  });

  it('with the registry off the file still checks the value, and sending says the registry is needed', async () => {
    registry = undefined;
    const c = await check({ value: '{"id": 1, "amount": 2}' });
    assert.strictEqual(c.problem, null);
    assert.strictEqual(c.registry?.state, 'off');
    const r = await send({ value: '{"id": 1, "amount": 2}' });
    assert.match(
      r.error ?? '',
      /^Sending with the local schema schemas\/order\.avsc needs the embedded Schema Registry/,
    );
    assert.strictEqual(stored().length, 0);
  });
});
