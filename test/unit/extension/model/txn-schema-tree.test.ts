/**
 * The Transactions and Schema Registry views' nodes, read from a real broker and registry: an open transaction is
 * a node with its producer id/epoch, state, partitions and age, expanding to its partitions with the offset its
 * records start at, offered for Abort (contextValue) with a confirmation naming the id; a committed one leaves the
 * list; subjects list their versions newest first with type and id; another cluster gets "not available"; a
 * registry that is off gets no node (the welcome speaks); a schema opens pretty-printed in its language.
 */
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import type { SchemaVersionNode, SubjectNode } from '../../../../src/extension/model/schema-tree';
import {
  SCHEMAS_NOT_AVAILABLE,
  deleteSubjectConfirmation,
  schemaChildren,
  schemaDocument,
  subjectNodes,
} from '../../../../src/extension/model/schema-tree';
import type { TransactionNode, TxnPartitionNode } from '../../../../src/extension/model/transaction-tree';
import {
  TXN_NOT_AVAILABLE,
  abortTransactionConfirmation,
  transactionChildren,
  transactionNodes,
} from '../../../../src/extension/model/transaction-tree';
import { brokerSchemaLog } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import type { Fixture } from '../panels/helpers';
import { openBroker } from '../panels/helpers';

async function begin(broker: Broker, id: string, topic: string, partitions: number[], values: number) {
  const p = await broker.initProducerId(id, undefined, 60_000);
  await broker.addPartitionsToTxn(
    id,
    p.producerId,
    p.producerEpoch,
    partitions.map((partition) => ({ topic, partition })),
  );
  if (values > 0)
    await broker.produce(
      topic,
      Array.from({ length: values }, (_, i) => ({ value: `v${i}` })),
      {
        partition: partitions[0],
        producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 },
        transactionalId: id,
      },
    );
  return p;
}

describe('sidebar: Transactions and Schema Registry nodes', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('pay', 2);
  });
  afterEach(async () => fx.close());

  it('an open transaction is a node with producer, epoch, state, partitions and age, and expands to its partitions', async () => {
    await fx.broker.produce('pay', [{ value: 'before' }], { partition: 0 });
    const p = await begin(fx.broker, 'checkout', 'pay', [0, 1], 2);
    const done = await begin(fx.broker, 'finished', 'pay', [1], 0);
    await fx.broker.endTxn('finished', done.producerId, done.producerEpoch, true);
    const now = fx.clock.now() + 90_000;
    const [node, ...rest] = transactionNodes(fx.broker, now) as TransactionNode[];
    assert.strictEqual(rest.length, 0, 'the committed transaction is not listed');
    assert.strictEqual(node.kind, 'transaction');
    assert.strictEqual(node.label, 'checkout');
    assert.strictEqual(node.contextValue, 'transaction.ongoing');
    assert.strictEqual(
      node.description,
      `Ongoing · producer ${p.producerId} epoch ${p.producerEpoch} · 2 partitions · 1 min`,
    );
    const kids = transactionChildren(fx.broker, node) as TxnPartitionNode[];
    assert.deepStrictEqual(
      kids.map((k) => [k.label, k.description]),
      [
        ['pay [0]', 'from offset 1'],
        ['pay [1]', 'no records written yet'],
      ],
    );
    assert.strictEqual(kids[0].parent, node);
    assert.deepStrictEqual(kids[0].command?.arguments, [{ topic: 'pay', partition: 0, offset: 1 }]);
    const c = abortTransactionConfirmation(node);
    assert.strictEqual(c.message, 'Abort the open transaction of "checkout"?');
    assert.match(c.detail, new RegExp(`2 partitions.*producer ${p.producerId} \\(epoch 0\\) is fenced`));
  });

  it('says when no transaction is open, and that another cluster is not available', async () => {
    const none = transactionNodes(fx.broker, Date.now());
    assert.deepStrictEqual(
      none.map((n) => [n.kind, n.label]),
      [['message', 'No open transactions']],
    );
    const p = await begin(fx.broker, 'gone', 'pay', [0], 1);
    await fx.broker.abortTransaction('gone');
    const after = transactionNodes(fx.broker, Date.now());
    assert.strictEqual(after[0].label, 'No open transactions', `aborted by hand (producer ${p.producerId})`);
    assert.strictEqual(after[0].description, '1 transactional id known, none in a transaction');
    assert.deepStrictEqual(
      transactionNodes(undefined, Date.now()).map((n) => n.label),
      [TXN_NOT_AVAILABLE],
    );
  });

  it('lists subjects with their versions newest first, type and id; off = no nodes; another cluster = not available', async () => {
    const registry = await SchemaRegistry.open(brokerSchemaLog(fx.broker));
    try {
      const v1 = { type: 'record', name: 'Pay', fields: [{ name: 'id', type: 'long' }] };
      const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: 'string', default: '' }] };
      const a = await registry.register('pay-value', { schema: JSON.stringify(v1) });
      const b = await registry.register('pay-value', { schema: JSON.stringify(v2) });
      await registry.register('a-key', { schema: '{"type":"string"}' });
      const roots = subjectNodes({ kind: 'embedded', registry }) as SubjectNode[];
      assert.deepStrictEqual(
        roots.map((n) => [n.label, n.description, n.contextValue]),
        [
          ['a-key', `BACKWARD · AVRO · 1 version · latest v1 (id ${a.id + 2})`, 'schemaSubject'],
          ['pay-value', `BACKWARD · AVRO · 2 versions · latest v2 (id ${b.id})`, 'schemaSubject'],
        ],
      );
      const versions = schemaChildren({ kind: 'embedded', registry }, roots[1]) as SchemaVersionNode[];
      assert.deepStrictEqual(
        versions.map((v) => [v.label, v.description, v.contextValue]),
        [
          ['v2', `AVRO · id ${b.id}`, 'schemaVersion'],
          ['v1', `AVRO · id ${a.id}`, 'schemaVersion'],
        ],
      );
      assert.deepStrictEqual(versions[1].command?.arguments, [{ subject: 'pay-value', version: 1 }]);
      assert.deepStrictEqual(subjectNodes({ kind: 'off' }), []);
      assert.deepStrictEqual(
        subjectNodes({ kind: 'otherCluster' }).map((n) => n.label),
        [SCHEMAS_NOT_AVAILABLE],
      );
      await registry.deleteSubject('a-key');
      assert.deepStrictEqual(
        subjectNodes({ kind: 'embedded', registry }).map((n) => n.label),
        ['pay-value'],
        'a soft-deleted subject leaves the list',
      );
      assert.match(deleteSubjectConfirmation('pay-value', 2).detail, /^Its 2 versions are soft-deleted/);
    } finally {
      await registry.idle();
    }
  });

  it("a subject's compatibility level leads its description (a narrow sidebar cuts the end) and its tooltip tells the whole row and whose level it is", async () => {
    const registry = await SchemaRegistry.open(brokerSchemaLog(fx.broker));
    try {
      const own = await registry.register('own-value', { schema: '{"type":"string"}' });
      await registry.register('own-value', { schema: '{"type":"string"}' });
      await registry.setCompatibility('own-value', 'FULL_TRANSITIVE');
      const inherited = await registry.register('inherited-value', { schema: '{"type":"long"}' });
      await registry.setCompatibility(null, 'FORWARD');
      const [a, b] = subjectNodes({ kind: 'embedded', registry }) as SubjectNode[];
      assert.deepStrictEqual(
        [a.label, a.description, b.label, b.description],
        [
          'inherited-value',
          `FORWARD · AVRO · 1 version · latest v1 (id ${inherited.id})`,
          'own-value',
          `FULL_TRANSITIVE · AVRO · 1 version · latest v1 (id ${own.id})`,
        ],
      );
      assert.strictEqual(
        a.tooltip,
        `subject inherited-value\n1 version: v1\nlatest v1: AVRO, schema id ${inherited.id}\ncompatibility FORWARD (the global level)`,
      );
      assert.strictEqual(
        b.tooltip,
        `subject own-value\n1 version: v1\nlatest v1: AVRO, schema id ${own.id}\ncompatibility FULL_TRANSITIVE`,
      );
    } finally {
      await registry.idle();
    }
  });

  it('a schema opens pretty-printed as JSON (Avro, JSON Schema) or as .proto text in a Protobuf language when one exists', () => {
    assert.deepStrictEqual(schemaDocument({ schemaType: 'AVRO', schema: '{"type":"string"}' }, ['json']), {
      content: '{\n  "type": "string"\n}\n',
      language: 'json',
    });
    const proto = { schemaType: 'PROTOBUF' as const, schema: 'syntax = "proto3"; message A {}' };
    assert.strictEqual(schemaDocument(proto, ['json', 'proto3']).language, 'proto3');
    assert.strictEqual(schemaDocument(proto, ['json']).language, 'plaintext');
    assert.strictEqual(schemaDocument(proto, []).content, 'syntax = "proto3"; message A {}\n');
  });
});
