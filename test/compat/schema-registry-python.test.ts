/**
 * Python's confluent_kafka.schema_registry JSON Schema serializer against Kafka Lite's embedded Schema Registry
 * (test/compat/python/schema_registry_protobuf_json.py, run in the venv of scripts/ensure-python-clients.sh with
 * the versions pinned in test/compat/python/requirements.txt). Broker and registry run in-process on ephemeral
 * ports. JSONSerializer auto-registers its schema, validates every object (a value that breaks the schema is refused
 * before anything is sent), the records go through Kafka Lite with confluent_kafka's Producer and come back through
 * its Consumer and JSONDeserializer as the same objects; the bytes it wrote also decode with kafkajs's
 * @kafkajs/confluent-schema-registry and with Kafka Lite's own decoder. The registry refuses an incompatible schema
 * (409) and a compatible evolution's serializer registers version 2, whose record the same deserializer reads. The script's Protobuf mode is not run here:
 * ProtobufSerializer registers base64 FileDescriptorProtos and reads schemas with ?format=serialized, which the
 * embedded registry does not accept yet. A missing interpreter or wheel is a failure, never a skip.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { SchemaRegistry as RegistryClient } from '@kafkajs/confluent-schema-registry';
import type { EmbeddedSchemaRegistry } from '../../src/schema-registry-server';
import { startEmbeddedSchemaRegistry } from '../../src/schema-registry-server';
import { SchemaDecoder } from '../../src/schema-registry/decode';
import type { Running } from './harness';
import { removeDir, runJsonProgram, startBroker, testFile } from './harness';

/** What the script's order(i) is (kept in step with it). */
function order(i: number): { orderId: string; quantity: number; lines: string[] } {
  return { orderId: `o-${i}`, quantity: i + 1, lines: Array.from({ length: i % 4 }, (_, j) => `line ${j}`) };
}

interface Latest {
  version: number;
  id: number;
  type: string;
  schema: string;
}

describe('confluent_kafka.schema_registry (Python) JSON Schema serializer against the embedded Schema Registry', function () {
  this.timeout(60000);
  let k: Running;
  let sr: EmbeddedSchemaRegistry;
  let python = '';

  before(async function () {
    this.timeout(600000); // the first run creates the venv and downloads the wheels
    const script = testFile('scripts/ensure-python-clients.sh');
    const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 540000 });
    assert.strictEqual(r.status, 0, `${script} could not provide the Python clients:\n${r.stdout}\n${r.stderr}`);
    python = r.stdout.trim().split('\n').pop()!;
    const v = spawnSync(
      python,
      [
        '-c',
        'from importlib.metadata import version as v; ' +
          "print('confluent-kafka %s, jsonschema %s, protobuf %s' % " +
          "(v('confluent-kafka'), v('jsonschema'), v('protobuf')))",
      ],
      { encoding: 'utf8' },
    );
    assert.strictEqual(v.status, 0, `${python} lacks the schema registry serializers' packages: ${v.stderr}`);
    console.log(`      clients: ${v.stdout.trim()}`);
    k = await startBroker();
    sr = await startEmbeddedSchemaRegistry(k.broker, { port: 0 });
  });
  after(async () => {
    await sr?.close();
    await k?.stop();
    if (k) removeDir(k.dir);
  });

  it('JSONSerializer auto-registers, validates, round-trips through Kafka Lite and JSONDeserializer returns the same objects; invalid values and an incompatible schema are refused, a compatible evolution is read alongside', async () => {
    const count = 10;
    const out = await runJsonProgram(
      python,
      [
        testFile('test/compat/python/schema_registry_protobuf_json.py'),
        k.bootstrap,
        sr.url,
        'pyjs',
        String(count),
        'json',
      ],
      'schema_registry_protobuf_json.py',
      45000,
    );
    const r = out.json as {
      ids: number[];
      records: unknown[];
      latest: Latest;
      refused: Record<string, string | null>;
      incompatibleCode: number | null;
      evolved: { ids: number[]; records: unknown[]; latest: Latest; versions: number[] };
    };
    const expected = Array.from({ length: count }, (_, i) => order(i));
    assert.deepStrictEqual(r.records, expected, 'JSONDeserializer read back exactly what was serialized');

    // one schema, registered by the serializer as version 1 of <topic>-value with type JSON
    assert.strictEqual(r.ids.length, 1, `every record carries one schema id, got ${JSON.stringify(r.ids)}`);
    assert.deepStrictEqual(
      [r.latest.version, r.latest.id, r.latest.type],
      [1, r.ids[0], 'JSON'],
      'the subject pyjs-json-value holds the schema the records name',
    );
    const registered = JSON.parse(r.latest.schema) as { title: string; required: string[] };
    assert.strictEqual(registered.title, 'Order');
    assert.deepStrictEqual(registered.required, ['orderId', 'quantity']);
    assert.deepStrictEqual(sr.registry.listSubjects(), ['pyjs-json-value'], 'one subject, named by TopicNameStrategy');

    // the serializer validated client-side and refused each invalid value with its SerializationError
    assert.deepStrictEqual(r.refused, {
      'wrong type': 'SerializationError',
      'missing field': 'SerializationError',
      'extra field': 'SerializationError',
      'below minimum': 'SerializationError',
    });

    // the registry refused a BACKWARD-incompatible schema (409); the evolved serializer registered version 2 and
    // one deserializer reads the old records and the new one
    assert.strictEqual(r.incompatibleCode, 409, 'an incompatible JSON Schema is refused with 409');
    const evolvedId = r.evolved.latest.id;
    assert.notStrictEqual(evolvedId, r.ids[0], 'the evolved schema has an id of its own');
    assert.deepStrictEqual([r.evolved.latest.version, r.evolved.latest.type], [2, 'JSON']);
    assert.deepStrictEqual(r.evolved.versions, [1, 2], 'the refused schema did not become a version');
    assert.deepStrictEqual(r.evolved.ids, [...Array.from({ length: count }, () => r.ids[0]), evolvedId]);
    const all = [...expected, { ...order(count), note: 'evolved' }];
    assert.deepStrictEqual(r.evolved.records, all);

    // what Kafka Lite stored: exactly the valid records (nothing of the refused ones), in Confluent's framing,
    // readable by kafkajs's registry client and by Kafka Lite's own decoder
    const stored = k.broker.readRecords('pyjs-json', 0, 0, 100);
    assert.strictEqual(stored.length, count + 1, 'the refused values were never produced');
    stored.forEach((s, i) => {
      assert.strictEqual(s.value![0], 0, 'magic byte 0');
      assert.strictEqual(s.value!.readInt32BE(1), i < count ? r.ids[0] : evolvedId, 'the schema id follows it');
    });
    const js = new RegistryClient({ host: sr.url });
    assert.deepStrictEqual(await Promise.all(stored.map((s) => js.decode(s.value!))), all);
    const dec = new SchemaDecoder(sr.registry);
    assert.deepStrictEqual(
      stored.map((s) => {
        const d = dec.decode(s.value, 'pyjs-json-value');
        assert.ok(d && !('error' in d), `Kafka Lite's decoder failed: ${JSON.stringify(d)}`);
        return d.value;
      }),
      all,
    );
  });
});
