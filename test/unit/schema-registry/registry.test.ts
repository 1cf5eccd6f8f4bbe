/**
 * The registry engine on a real broker's `_schemas` topic: ids are global and stable, the same schema returns the
 * existing id, compatibility levels decide, deletes behave as Confluent's, READONLY refuses writes, and a restart
 * (close the broker, open it again, replay the topic) gives back the same state.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { RegistryError } from '../../../src/schema-registry/errors';
import { brokerSchemaLog, encodeKey, SCHEMAS_TOPIC } from '../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../src/schema-registry/registry';

const avro = (fields: unknown[], name = 'User') => JSON.stringify({ type: 'record', name, fields });
const V1 = avro([{ name: 'id', type: 'long' }]);
const V2 = avro([
  { name: 'id', type: 'long' },
  { name: 'email', type: 'string', default: '' },
]);
const V2_NO_DEFAULT = avro([
  { name: 'id', type: 'long' },
  { name: 'email', type: 'string' },
]);

async function rejects(p: Promise<unknown> | (() => unknown), code: number): Promise<RegistryError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(e instanceof RegistryError, `expected a RegistryError, got ${String(e)}`);
    assert.strictEqual(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected error ${code}`);
}

describe('SchemaRegistry on the _schemas topic', () => {
  let dir: string;
  let broker: Broker;
  let reg: SchemaRegistry;
  const warnings: string[] = [];

  const open = async () => {
    broker = await Broker.open({ dataDir: dir, logger: (level, m) => level !== 'info' && warnings.push(m) });
    reg = await SchemaRegistry.open(brokerSchemaLog(broker), (level, m) => level !== 'info' && warnings.push(m));
  };
  const restart = async () => {
    await reg.idle();
    await broker.close();
    await open();
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-sr-'));
    warnings.length = 0;
    await open();
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates _schemas (one partition, cleanup.policy=compact) at the first write, not at open', async () => {
    assert.strictEqual(broker.getTopic(SCHEMAS_TOPIC), undefined, 'an unused registry leaves no topic behind');
    await reg.register('a-value', { schema: V1 });
    const t = broker.getTopic(SCHEMAS_TOPIC);
    assert.ok(t);
    assert.strictEqual(t.partitions, 1);
    assert.strictEqual(t.configs['cleanup.policy'], 'compact');
  });

  it('hands out versions per subject and ids globally; the same schema under another subject keeps its id', async () => {
    assert.deepStrictEqual(await reg.register('a-value', { schema: V1 }), { id: 1, version: 1 });
    assert.deepStrictEqual(await reg.register('a-value', { schema: V2 }), { id: 2, version: 2 });
    assert.deepStrictEqual(await reg.register('b-value', { schema: V1 }), { id: 1, version: 1 });
    assert.deepStrictEqual(reg.listSubjects(), ['a-value', 'b-value']);
    assert.deepStrictEqual(reg.versionsOfId(1), [
      { subject: 'a-value', version: 1 },
      { subject: 'b-value', version: 1 },
    ]);
  });

  it('re-registering the same schema, differently formatted, returns the existing id and writes nothing', async () => {
    await reg.register('a-value', { schema: V1 });
    const end = broker.partitionInfo(SCHEMAS_TOPIC, 0).logEndOffset;
    const spaced = JSON.stringify(JSON.parse(V1), null, 2);
    assert.deepStrictEqual(await reg.register('a-value', { schema: spaced }), { id: 1, version: 1 });
    assert.strictEqual(broker.partitionInfo(SCHEMAS_TOPIC, 0).logEndOffset, end);
  });

  it('refuses an incompatible version under the default BACKWARD, accepts it under NONE', async () => {
    await reg.register('a-value', { schema: V1 });
    const e = await rejects(reg.register('a-value', { schema: V2_NO_DEFAULT }), 409);
    assert.strictEqual(e.status, 409);
    assert.match(e.message, /incompatible with an earlier schema for subject "a-value"/);
    await reg.setCompatibility('a-value', 'NONE');
    assert.strictEqual((await reg.register('a-value', { schema: V2_NO_DEFAULT })).version, 2);
  });

  it('FORWARD checks that the old schema reads the new one; TRANSITIVE checks every live version', async () => {
    await reg.setCompatibility(null, 'FORWARD');
    await reg.register('f', { schema: V1 });
    // removing a field the old reader has no default for breaks FORWARD
    await reg.register('f', { schema: V2_NO_DEFAULT });
    await rejects(reg.register('f', { schema: avro([{ name: 'email', type: 'string' }]) }), 409);

    await reg.setCompatibility('t', 'BACKWARD');
    await reg.register('t', { schema: avro([{ name: 'a', type: 'int' }]) });
    await reg.register('t', { schema: avro([{ name: 'b', type: 'int', default: 0 }]) });
    const v3 = avro([{ name: 'a', type: 'string', default: 'x' }]);
    // against the latest (only b) v3 is fine under BACKWARD, against version 1 (a: int) it is not
    assert.deepStrictEqual(reg.testCompatibility('t', null, { schema: v3 }).isCompatible, true);
    await reg.setCompatibility('t', 'BACKWARD_TRANSITIVE');
    const r = reg.testCompatibility('t', null, { schema: v3 });
    assert.strictEqual(r.isCompatible, false);
    assert.match(r.messages.join('\n'), /version 1/);
  });

  it('soft delete hides versions but keeps their ids readable; permanent delete needs a soft one first', async () => {
    await reg.register('s', { schema: V1 });
    await reg.register('s', { schema: V2 });
    await rejects(reg.deleteVersion('s', 1, { permanent: true }), 40407);
    assert.strictEqual(await reg.deleteVersion('s', 1), 1);
    await rejects(reg.deleteVersion('s', 1), 40406);
    assert.deepStrictEqual(reg.listVersions('s'), [2]);
    assert.deepStrictEqual(reg.listVersions('s', { deleted: true }), [1, 2]);
    assert.strictEqual(reg.getSchemaById(1).schema, V1);
    await rejects(() => reg.getVersion('s', 1), 40402);
    assert.strictEqual(reg.getVersion('s', 1, { deleted: true }).deleted, true);

    await rejects(reg.deleteSubject('s', { permanent: true }), 40405);
    assert.deepStrictEqual(await reg.deleteSubject('s'), [2]);
    await rejects(reg.deleteSubject('s'), 40404);
    await rejects(() => reg.listVersions('s'), 40401);
    assert.deepStrictEqual(reg.listSubjects({ deleted: true }), ['s']);
    assert.deepStrictEqual(await reg.deleteSubject('s', { permanent: true }), [1, 2]);
    await rejects(() => reg.getSchemaById(1), 40403);
    await rejects(reg.deleteSubject('s'), 40401);
  });

  it('never hands out a permanently deleted id again, also after a restart', async () => {
    await reg.register('s', { schema: V1 });
    await reg.register('s', { schema: V2 });
    await reg.deleteVersion('s', 2);
    await reg.deleteVersion('s', 2, { permanent: true });
    await restart();
    const r = await reg.register('other', { schema: avro([{ name: 'x', type: 'int' }], 'Other') });
    assert.strictEqual(r.id, 3);
  });

  it('a restart gives back subjects, versions, ids, soft deletes, configs and modes', async () => {
    await reg.register('a', { schema: V1 });
    await reg.register('a', { schema: V2 });
    await reg.register('b', { schema: V2 });
    await reg.register('c', { schema: avro([{ name: 'x', type: 'int' }], 'C') });
    await reg.deleteVersion('a', 1);
    await reg.deleteSubject('c');
    await reg.setCompatibility(null, 'FULL');
    await reg.setCompatibility('b', 'NONE');
    await reg.setMode('b', 'READONLY');
    const before = {
      subjects: reg.listSubjects({ deleted: true }),
      live: reg.listSubjects(),
      a: reg.listVersions('a', { deleted: true }).map((v) => reg.getVersion('a', v, { deleted: true })),
      aLive: reg.listVersions('a'),
      ids: [1, 2, 3].map((id) => reg.getSchemaById(id)),
    };
    await restart();
    assert.deepStrictEqual(
      {
        subjects: reg.listSubjects({ deleted: true }),
        live: reg.listSubjects(),
        a: reg.listVersions('a', { deleted: true }).map((v) => reg.getVersion('a', v, { deleted: true })),
        aLive: reg.listVersions('a'),
        ids: [1, 2, 3].map((id) => reg.getSchemaById(id)),
      },
      before,
    );
    assert.deepStrictEqual(before.live, ['a', 'b']);
    assert.strictEqual(reg.getGlobalCompatibility(), 'FULL');
    assert.strictEqual(reg.getSubjectCompatibility('b'), 'NONE');
    assert.strictEqual(reg.getMode('b'), 'READONLY');
    // the same schema after the restart still finds its id
    assert.deepStrictEqual(await reg.register('d', { schema: V1 }), { id: 1, version: 1 });
    assert.deepStrictEqual(warnings, []);
  });

  it('a restart after the topic was compacted gives the same state', async () => {
    await reg.register('a', { schema: V1 });
    await reg.register('a', { schema: V2 });
    await reg.deleteSubject('a');
    await reg.setCompatibility(null, 'NONE');
    await reg.setCompatibility(null, 'FULL');
    const versions = reg.listVersions('a', { deleted: true });
    await broker.compactTopic(SCHEMAS_TOPIC);
    await restart();
    assert.deepStrictEqual(reg.listVersions('a', { deleted: true }), versions);
    await rejects(() => reg.listVersions('a'), 40401);
    assert.strictEqual(reg.getGlobalCompatibility(), 'FULL');
  });

  it('READONLY (global or per subject) refuses registrations and deletes', async () => {
    await reg.register('a', { schema: V1 });
    await reg.setMode(null, 'READONLY');
    await rejects(reg.register('a', { schema: V2 }), 42205);
    await rejects(reg.deleteSubject('a'), 42205);
    await reg.setMode(null, 'READWRITE');
    await reg.setMode('a', 'READONLY');
    await rejects(reg.register('a', { schema: V2 }), 42205);
    assert.strictEqual((await reg.register('b', { schema: V2 })).version, 1);
    await reg.deleteMode('a');
    assert.strictEqual((await reg.register('a', { schema: V2 })).version, 2);
  });

  it('references: resolved at registration, unknown ones refused, a referenced version cannot be deleted', async () => {
    const address = JSON.stringify({
      type: 'record',
      name: 'Address',
      namespace: 'acme',
      fields: [{ name: 'city', type: 'string' }],
    });
    await reg.register('address', { schema: address });
    const user = JSON.stringify({
      type: 'record',
      name: 'User',
      namespace: 'acme',
      fields: [{ name: 'home', type: 'acme.Address' }],
    });
    const refs = [{ name: 'acme.Address', subject: 'address', version: 1 }];
    const r = await reg.register('user', { schema: user, references: refs });
    assert.deepStrictEqual(reg.getSchemaById(r.id).references, refs);
    assert.deepStrictEqual(reg.referencedBy('address', 1), [r.id]);
    await rejects(reg.deleteVersion('address', 1), 42206);
    await rejects(reg.register('user2', { schema: user }), 42201);
    await rejects(
      reg.register('user3', { schema: user, references: [{ name: 'acme.Address', subject: 'address', version: 9 }] }),
      42201,
    );
    await restart();
    assert.deepStrictEqual(await reg.register('user', { schema: user, references: refs }), r);
  });

  it('JSON and PROTOBUF schemas register, dedupe and check compatibility too', async () => {
    const j1 = JSON.stringify({ type: 'object', properties: { id: { type: 'integer' } } });
    const jBad = JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } });
    assert.strictEqual((await reg.register('j', { schema: j1, schemaType: 'JSON' })).id, 1);
    await rejects(reg.register('j', { schema: jBad, schemaType: 'JSON' }), 409);
    const p1 = 'syntax = "proto3"; message M { int64 id = 1; }';
    const p2 = 'syntax = "proto3"; message M { int64 id = 1; string name = 2; }';
    const pBad = 'syntax = "proto3"; message M { string id = 1; }';
    assert.strictEqual((await reg.register('p', { schema: p1, schemaType: 'PROTOBUF' })).id, 2);
    assert.strictEqual((await reg.register('p', { schema: p2, schemaType: 'PROTOBUF' })).version, 2);
    await rejects(reg.register('p', { schema: pBad, schemaType: 'PROTOBUF' }), 409);
    await rejects(reg.register('p', { schema: j1, schemaType: 'JSON' }), 409);
    // the same text as another type is another schema
    await rejects(reg.register('x', { schema: 'message {', schemaType: 'PROTOBUF' }), 42201);
  });

  it('replay skips records it does not understand, with a warning, and keeps the rest', async () => {
    await reg.register('a', { schema: V1 });
    await broker.produce(
      SCHEMAS_TOPIC,
      [
        { key: 'not json', value: '{}' },
        { key: JSON.stringify({ keytype: 'FUTURE_THING', magic: 0 }), value: '{}' },
        { key: encodeKey({ keytype: 'SCHEMA', subject: 'a', version: 2 }), value: '{"schema": 5}' },
      ],
      { partition: 0 },
    );
    await restart();
    assert.deepStrictEqual(reg.listVersions('a'), [1]);
    assert.strictEqual(reg.skipped.length, 3);
    assert.strictEqual(warnings.filter((w) => /skipped record/.test(w)).length, 3);
  });

  it('writes the whole state back when someone deleted the _schemas topic', async () => {
    await reg.register('a', { schema: V1 });
    await reg.setCompatibility(null, 'FULL');
    await broker.deleteTopic(SCHEMAS_TOPIC);
    await reg.register('b', { schema: V2 });
    await restart();
    assert.deepStrictEqual(reg.listSubjects(), ['a', 'b']);
    assert.strictEqual(reg.getGlobalCompatibility(), 'FULL');
    assert.strictEqual(broker.getTopic(SCHEMAS_TOPIC)?.configs['cleanup.policy'], 'compact');
  });
});
