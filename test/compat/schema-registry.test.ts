/**
 * Kafka Lite's embedded Schema Registry with clients no one here wrote: @kafkajs/confluent-schema-registry
 * (register, encode, decode for Avro, JSON Schema and Protobuf; a refused incompatible registration; the encoded
 * values produced through Kafka Lite with kafkajs and read back as the same objects), and Python's
 * confluent_kafka.schema_registry Avro serializer/deserializer (test/compat/python/schema_registry_avro.py, run in
 * the venv of scripts/ensure-python-clients.sh). Broker and registry run in-process on ephemeral ports.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { SchemaRegistry as RegistryClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import type { EmbeddedSchemaRegistry } from '../../src/schema-registry-server';
import { startEmbeddedSchemaRegistry } from '../../src/schema-registry-server';
import type { DecodedValue } from '../../src/schema-registry/decode';
import { SchemaDecoder } from '../../src/schema-registry/decode';
import type { Running } from './harness';
import { removeDir, runJsonProgram, startBroker, testFile } from './harness';

const PAYMENT_AVRO = JSON.stringify({
  type: 'record',
  name: 'Payment',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

const ORDER_JSON = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { orderId: { type: 'string' }, quantity: { type: 'integer' } },
  required: ['orderId'],
  additionalProperties: false,
});

const SHIPMENT_PROTO = `syntax = "proto3";
package acme;
message Shipment {
  string tracking = 1;
  int32 parcels = 2;
  repeated string tags = 3;
}
`;

/** What Kafka Lite's own decoder (the record browser's) makes of bytes a real serializer wrote. */
function ourDecode(sr: EmbeddedSchemaRegistry, bytes: Buffer[], subject: string): DecodedValue[] {
  const dec = new SchemaDecoder(sr.registry);
  return bytes.map((b) => {
    const d = dec.decode(b, subject);
    assert.ok(d && !('error' in d), `Kafka Lite's decoder failed: ${JSON.stringify(d)}`);
    assert.strictEqual(d.subject, subject);
    return d;
  });
}

describe('Schema Registry with real clients (@kafkajs/confluent-schema-registry, confluent_kafka.schema_registry)', function () {
  this.timeout(60000);
  let k: Running;
  let sr: EmbeddedSchemaRegistry;
  let client: RegistryClient;

  before(async () => {
    k = await startBroker();
    sr = await startEmbeddedSchemaRegistry(k.broker, { port: 0 });
    client = new RegistryClient({ host: sr.url });
  });
  after(async () => {
    await sr?.close();
    await k?.stop();
    if (k) removeDir(k.dir);
  });

  async function roundTrip(topic: string, values: Buffer[]): Promise<Buffer[]> {
    const kafka = new Kafka({ clientId: 'sr-compat', brokers: [k.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: String(i), value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `sr-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${got.length} of ${values.length} records came back`)),
        30000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!);
          if (got.length === values.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return got;
  }

  it('Avro: registers, encodes, produces through Kafka Lite, consumes and decodes the same objects', async () => {
    const { id } = await client.register(
      { type: SchemaType.AVRO, schema: PAYMENT_AVRO },
      { subject: 'payments-value' },
    );
    assert.strictEqual(id, 1);
    const payments = Array.from({ length: 20 }, (_, i) => ({ id: i, amount: i * 2.25, note: i % 2 ? `n${i}` : null }));
    const encoded = await Promise.all(payments.map((p) => client.encode(id, p)));
    assert.strictEqual(encoded[0][0], 0, 'the Confluent wire format starts with magic byte 0');
    assert.strictEqual(encoded[0].readInt32BE(1), id);
    const back = await roundTrip('payments', encoded);
    const decoded = await Promise.all(back.map((b) => client.decode(b)));
    assert.deepStrictEqual(JSON.parse(JSON.stringify(decoded)), payments);
    assert.deepStrictEqual(
      ourDecode(sr, back, 'payments-value').map((d) => d.value),
      payments,
    );
    // a second client (empty cache) fetches the schema by id from the registry to decode
    const fresh = new RegistryClient({ host: sr.url });
    assert.deepStrictEqual(JSON.parse(JSON.stringify(await fresh.decode(back[3]))), payments[3]);
    assert.strictEqual(await fresh.getLatestSchemaId('payments-value'), id);
  });

  it('Avro: an incompatible schema is refused, a compatible evolution gets a new id and old data still decodes', async () => {
    const incompatible = JSON.stringify({
      type: 'record',
      name: 'Payment',
      namespace: 'acme',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'currency', type: 'string' },
      ],
    });
    await assert.rejects(
      client.register({ type: SchemaType.AVRO, schema: incompatible }, { subject: 'payments-value' }),
      (e: Error & { status?: number }) => {
        assert.match(e.message, /incompatible/i);
        return true;
      },
    );
    const evolved = JSON.stringify({
      ...JSON.parse(PAYMENT_AVRO),
      fields: [
        ...(JSON.parse(PAYMENT_AVRO) as { fields: unknown[] }).fields,
        { name: 'currency', type: 'string', default: 'EUR' },
      ],
    });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: evolved }, { subject: 'payments-value' });
    assert.strictEqual(id, 2);
    const old = await client.encode(1, { id: 7, amount: 1, note: null });
    assert.deepStrictEqual(JSON.parse(JSON.stringify(await client.decode(old))), { id: 7, amount: 1, note: null });
  });

  it('JSON Schema: registers, encodes (validating), round-trips through Kafka Lite and decodes', async () => {
    const { id } = await client.register({ type: SchemaType.JSON, schema: ORDER_JSON }, { subject: 'orders-value' });
    const orders = Array.from({ length: 10 }, (_, i) => ({ orderId: `o-${i}`, quantity: i }));
    const encoded = await Promise.all(orders.map((o) => client.encode(id, o)));
    await assert.rejects(client.encode(id, { quantity: 1 }), /invalid|required|validation/i);
    const back = await roundTrip('orders', encoded);
    assert.deepStrictEqual(await Promise.all(back.map((b) => client.decode(b))), orders);
    const ours = ourDecode(sr, back, 'orders-value');
    assert.deepStrictEqual(
      ours.map((d) => [d.format, d.value, d.validationErrors]),
      orders.map((o) => ['json', o, undefined]),
    );
    const r = await fetch(`${sr.url}/schemas/ids/${id}`);
    assert.strictEqual(((await r.json()) as { schemaType: string }).schemaType, 'JSON');
  });

  it('Protobuf: registers, encodes, round-trips through Kafka Lite and decodes', async () => {
    const { id } = await client.register(
      { type: SchemaType.PROTOBUF, schema: SHIPMENT_PROTO },
      { subject: 'shipments-value' },
    );
    const shipments = Array.from({ length: 10 }, (_, i) => ({
      tracking: `T${i}`,
      parcels: i + 1,
      tags: i % 2 ? ['fragile'] : [],
    }));
    const encoded = await Promise.all(shipments.map((s) => client.encode(id, s)));
    const back = await roundTrip('shipments', encoded);
    const decoded = (await Promise.all(back.map((b) => client.decode(b)))) as Record<string, unknown>[];
    assert.deepStrictEqual(
      decoded.map((d) => ({ tracking: d.tracking, parcels: d.parcels, tags: d.tags ?? [] })),
      shipments,
    );
    // this library writes no message indexes after the schema id (its reader skips leading zero bytes); Confluent's
    // serializers write the index list, [0] as one 0 byte: Kafka Lite's decoder reads that form
    const confluentForm = back.map((b) => Buffer.concat([b.subarray(0, 5), Buffer.from([0]), b.subarray(5)]));
    const ours = ourDecode(sr, confluentForm, 'shipments-value');
    assert.deepStrictEqual(
      ours.map((d) => {
        const v = d.value as Record<string, unknown>;
        return { tracking: v.tracking, parcels: v.parcels, tags: v.tags ?? [] };
      }),
      shipments,
    );
    assert.strictEqual(ours[0].messageType, 'acme.Shipment');
    // changing a field's type is refused
    await assert.rejects(
      client.register(
        { type: SchemaType.PROTOBUF, schema: SHIPMENT_PROTO.replace('int32 parcels', 'string parcels') },
        { subject: 'shipments-value' },
      ),
      /incompatible/i,
    );
  });

  it('the registry state is in the compacted _schemas topic and survives a restart with the same ids', async () => {
    const before = (await (await fetch(`${sr.url}/subjects`)).json()) as string[];
    assert.deepStrictEqual(before, ['orders-value', 'payments-value', 'shipments-value']);
    await sr.close();
    await k.restart();
    sr = await startEmbeddedSchemaRegistry(k.broker, { port: 0 });
    client = new RegistryClient({ host: sr.url });
    assert.deepStrictEqual(await (await fetch(`${sr.url}/subjects`)).json(), before);
    assert.strictEqual(await client.getLatestSchemaId('payments-value'), 2);
    assert.strictEqual(k.broker.getTopic('_schemas')?.configs['cleanup.policy'], 'compact');
  });

  describe('confluent_kafka.schema_registry (Python) Avro serializer and deserializer', () => {
    let python = '';
    before(function () {
      this.timeout(600000); // the first run creates the venv and downloads the wheels
      const script = testFile('scripts/ensure-python-clients.sh');
      const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 540000 });
      assert.strictEqual(r.status, 0, `${script} could not provide the Python clients:\n${r.stdout}\n${r.stderr}`);
      python = r.stdout.trim().split('\n').pop()!;
    });

    it('serializes (auto-registering), produces, consumes and deserializes; kafkajs decodes the same bytes', async () => {
      const count = 12;
      const out = await runJsonProgram(
        python,
        [testFile('test/compat/python/schema_registry_avro.py'), k.bootstrap, sr.url, 'py-payments', String(count)],
        'schema_registry_avro.py',
        45000,
      );
      const expected = Array.from({ length: count }, (_, i) => ({
        id: i,
        amount: i * 1.5,
        note: i % 3 === 0 ? null : `payment ${i}`,
      }));
      assert.deepStrictEqual(out.records, expected);
      const ids = out.ids as number[];
      assert.strictEqual(ids.length, 1);
      assert.strictEqual(out.latestVersion, 1);
      assert.strictEqual(out.latestId, ids[0]);
      assert.strictEqual(out.refusedCode, 409);
      // the bytes Python wrote decode with the JavaScript client too
      const stored = k.broker.readRecords('py-payments', 0, 0, count);
      const decoded = await Promise.all(stored.map((r) => client.decode(r.value!)));
      assert.deepStrictEqual(JSON.parse(JSON.stringify(decoded)), expected);
      assert.deepStrictEqual(
        ourDecode(
          sr,
          stored.map((r) => r.value!),
          'py-payments-value',
        ).map((d) => d.value),
        expected,
      );
    });
  });
});
