/**
 * Register Schema from File… and Set Compatibility Level… against a real SchemaRegistry over a real broker's
 * `_schemas` topic: a compatible version is offered with its version number and registers; an incompatible one
 * is refused with the registry's messages, one per line, and nothing is stored; under NONE it goes through; an
 * invalid file gets the registry's 42201 message in plain words; a level change shows on the subject's row and the
 * quick pick marks the current level.
 */
import * as assert from 'assert';
import type { SubjectNode } from '../../../../src/extension/model/schema-tree';
import { subjectNodes } from '../../../../src/extension/model/schema-tree';
import {
  compatibilityChoices,
  registerSchema,
  registerVerdict,
  schemaTypeOfFile,
  setCompatibilityLevel,
} from '../../../../src/extension/model/schema-actions';
import { brokerSchemaLog } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import type { Fixture } from '../panels/helpers';
import { openBroker } from '../panels/helpers';

const V1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] };
const WITH_DEFAULT = { ...V1, fields: [...V1.fields, { name: 'note', type: 'string', default: '' }] };
const REQUIRED = { ...V1, fields: [...V1.fields, { name: 'customer', type: 'string' }] };
const avro = (s: unknown) => ({ schema: JSON.stringify(s), schemaType: 'AVRO' as const });

describe('sidebar: Register Schema from File and Set Compatibility Level', () => {
  let fx: Fixture;
  let reg: SchemaRegistry;
  beforeEach(async () => {
    fx = await openBroker();
    reg = await SchemaRegistry.open(brokerSchemaLog(fx.broker));
  });
  afterEach(async () => fx.close());

  it('the schema type follows the file extension', () => {
    assert.strictEqual(schemaTypeOfFile('/w/schemas/order.avsc'), 'AVRO');
    assert.strictEqual(schemaTypeOfFile('pay.PROTO'), 'PROTOBUF');
    assert.strictEqual(schemaTypeOfFile('x.json'), 'JSON');
    assert.strictEqual(schemaTypeOfFile('notes.txt'), undefined);
  });

  it('a new subject and then a compatible version are offered with their version number and register', async () => {
    const first = registerVerdict(reg, 'orders-value', avro(V1));
    assert.strictEqual(first.kind, 'compatible');
    assert.strictEqual(first.message, 'Register as version 1 of the new subject orders-value?');
    const r1 = await registerSchema(reg, 'orders-value', avro(V1));
    assert.strictEqual(r1.message, `Registered orders-value version 1 (schema id ${r1.id}).`);
    const second = registerVerdict(reg, 'orders-value', avro(WITH_DEFAULT));
    assert.strictEqual(second.kind, 'compatible');
    assert.strictEqual(second.message, 'Compatible with orders-value under BACKWARD: register as version 2?');
    const r2 = await registerSchema(reg, 'orders-value', avro(WITH_DEFAULT));
    assert.strictEqual(r2.version, 2);
    assert.deepStrictEqual(reg.listVersions('orders-value'), [1, 2]);
    const again = registerVerdict(reg, 'orders-value', avro(V1));
    assert.strictEqual(again.kind, 'exists');
    assert.match(again.message, /already has this schema as version 1/);
  });

  it('an incompatible version is refused with the registry messages one per line and nothing is stored', async () => {
    await reg.register('orders-value', avro(V1));
    const v = registerVerdict(reg, 'orders-value', avro(REQUIRED));
    assert.strictEqual(v.kind, 'incompatible');
    assert.strictEqual(v.message, 'Not compatible with orders-value v1 under BACKWARD');
    const expected = reg.testCompatibility('orders-value', null, avro(REQUIRED)).messages;
    assert.ok(expected.length > 0);
    assert.ok(
      expected.some((m) => m.includes('customer')),
      expected.join('\n'),
    );
    assert.ok(v.detail.startsWith(expected.join('\n')), v.detail);
    assert.deepStrictEqual(reg.listVersions('orders-value'), [1], 'the check wrote nothing');
    await assert.rejects(registerSchema(reg, 'orders-value', avro(REQUIRED)), /incompatible/);
    assert.deepStrictEqual(reg.listVersions('orders-value'), [1]);
  });

  it('under NONE the same incompatible version goes through and the row shows the level', async () => {
    await reg.register('orders-value', avro(V1));
    const before = subjectNodes({ kind: 'embedded', registry: reg }) as SubjectNode[];
    assert.match(before[0].description ?? '', /^BACKWARD · /);
    assert.match(before[0].tooltip ?? '', /compatibility BACKWARD \(the global level\)/);
    assert.strictEqual(
      await setCompatibilityLevel(reg, 'orders-value', 'NONE'),
      "orders-value's compatibility level is NONE now.",
    );
    const after = subjectNodes({ kind: 'embedded', registry: reg }) as SubjectNode[];
    assert.match(after[0].description ?? '', /^NONE · /);
    const v = registerVerdict(reg, 'orders-value', avro(REQUIRED));
    assert.strictEqual(v.kind, 'compatible');
    assert.strictEqual(v.message, 'Compatible with orders-value under NONE: register as version 2?');
    assert.match(v.detail, /checks nothing/);
    await registerSchema(reg, 'orders-value', avro(REQUIRED));
    assert.deepStrictEqual(reg.listVersions('orders-value'), [1, 2]);
  });

  it('an invalid schema file gets the registry 42201 message in plain words and registers nothing', () => {
    const v = registerVerdict(reg, 'orders-value', { schema: '{"type":"record","name":"X"', schemaType: 'AVRO' });
    assert.strictEqual(v.kind, 'invalid');
    assert.match(v.detail, /^The file is not a valid AVRO schema: /);
    assert.throws(() => reg.listVersions('orders-value'), /not found/);
  });

  it('the global level and the quick pick mark the current level', async () => {
    await setCompatibilityLevel(reg, null, 'FULL');
    assert.strictEqual(reg.getGlobalCompatibility(), 'FULL');
    const items = compatibilityChoices('FULL', true);
    assert.deepStrictEqual(
      items.map((i) => i.label),
      ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'],
    );
    assert.deepStrictEqual(
      items.filter((i) => i.picked).map((i) => [i.label, i.description]),
      [['FULL', 'current (global)']],
    );
  });
});
