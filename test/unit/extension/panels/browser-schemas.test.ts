/**
 * The record browser with the embedded registry: Avro values in Confluent's wire format are shown as their
 * decoded JSON with a caption naming format, subject, version and id; a value whose schema id is unknown stays
 * hex with the error as its caption; plain values are unchanged; without a decoder nothing is decoded.
 */
import * as assert from 'assert';
import * as avsc from 'avsc';
import { BrowserController } from '../../../../src/extension/panels/browser-controller';
import { SchemaDecoder } from '../../../../src/schema-registry/decode';
import { brokerSchemaLog } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import type { BrowserSnapshot, RecordRow } from '../../../../src/shared/browser-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

const ORDER = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
  ],
};

function wire(id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeInt32BE(id, 1);
  return Buffer.concat([h, payload]);
}

describe('record browser: records with schemas', () => {
  let fx: Fixture;
  let registry: SchemaRegistry;
  let id = 1;

  const rows = async (withDecoder: boolean): Promise<RecordRow[]> => {
    const posted = new Posted<BrowserSnapshot>();
    const decoder = new SchemaDecoder(registry);
    const ctl = new BrowserController({
      getBroker: () => fx.broker,
      post: posted.post,
      getSchemaDecoder: withDecoder ? () => decoder : undefined,
    });
    try {
      const rid = id++;
      const filter = { text: '', regex: false, field: 'any' };
      await ctl.handle({
        type: 'open',
        id: rid,
        topic: 'orders',
        partition: 0,
        seek: { kind: 'beginning' },
        filter,
        tail: false,
      });
      assert.ok(posted.reply(rid).ok);
      return posted.snapshot().rows;
    } finally {
      ctl.dispose();
    }
  };

  beforeEach(async () => {
    fx = await openBroker();
    registry = await SchemaRegistry.open(brokerSchemaLog(fx.broker));
    await fx.broker.createTopic('orders', 1);
  });
  afterEach(async () => {
    await registry.idle();
    await fx.close();
  });

  it('shows an Avro value as decoded JSON captioned with subject, version and id, and an unknown id as hex with the error', async () => {
    const type = avsc.Type.forSchema(ORDER as avsc.Schema);
    const { id: schemaId, version } = await registry.register('orders-value', { schema: JSON.stringify(ORDER) });
    const good = wire(schemaId, type.toBuffer({ id: 7, item: 'tea' }));
    const unknown = wire(4242, Buffer.from([1, 2, 3]));
    await fx.broker.produce(
      'orders',
      [
        { key: 'k1', value: good },
        { key: 'k2', value: unknown },
        { key: 'k3', value: '{"plain":true}' },
      ],
      { partition: 0 },
    );

    const [a, b, c] = await rows(true);
    assert.strictEqual(a.valueKind, 'json');
    assert.deepStrictEqual(JSON.parse(a.value!), { id: 7, item: 'tea' });
    assert.strictEqual(a.valueSchema, `Avro · orders-value v${version} (id ${schemaId})`);
    assert.strictEqual(a.key, 'k1');
    assert.strictEqual(a.keySchema, undefined);

    assert.strictEqual(b.valueKind, 'binary');
    assert.strictEqual(b.value, '00 00 00 10 92 01 02 03');
    assert.match(b.valueSchema!, /^Not decoded: unknown schema id 4242/);

    assert.strictEqual(c.valueKind, 'json');
    assert.strictEqual(c.valueSchema, undefined);

    const [raw] = await rows(false);
    assert.strictEqual(raw.valueKind, 'binary');
    assert.strictEqual(raw.valueSchema, undefined);
  });
});
