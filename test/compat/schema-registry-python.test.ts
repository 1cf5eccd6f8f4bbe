/**
 * Python's confluent_kafka.schema_registry JSON Schema and Protobuf serializers against Kafka Lite's embedded Schema
 * Registry (test/compat/python/schema_registry_protobuf_json.py, run in the venv of scripts/ensure-python-clients.sh
 * with the versions pinned in test/compat/python/requirements.txt). Broker and registry run in-process on ephemeral
 * ports. JSONSerializer auto-registers its schema, validates every object (a value that breaks the schema is refused
 * before anything is sent), the records go through Kafka Lite with confluent_kafka's Producer and come back through
 * its Consumer and JSONDeserializer as the same objects; the bytes it wrote also decode with kafkajs's
 * @kafkajs/confluent-schema-registry and with Kafka Lite's own decoder. The registry refuses an incompatible schema
 * (409) and a compatible evolution's serializer registers version 2, whose record the same deserializer reads.
 * ProtobufSerializer registers its file as a base64 FileDescriptorProto (with its import acme/kind.proto registered
 * as a reference, the well-known google/protobuf/timestamp.proto not) and ProtobufDeserializer reads the writer
 * schema and the reference back with ?format=serialized: the same round trip, the same refusal of an incompatible
 * evolution and a compatible one read beside the old records, the bytes also decoded by Kafka Lite's decoder.
 * A missing interpreter or wheel is a failure, never a skip.
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

/** What the script's shipment(i) is, as MessageToDict renders it (kept in step with it). */
function shipment(i: number): Record<string, unknown> {
  return {
    tracking: `TRK-${String(i).padStart(4, '0')}`,
    parcels: i,
    tags: Array.from({ length: i % 3 }, (_, j) => `t${j}`),
    kind: i % 2 ? 'EXPRESS' : 'STANDARD',
    shipped_at: new Date((1700000000 + i * 60) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

interface Latest {
  version: number;
  id: number;
  type: string;
  schema: string;
}

describe('confluent_kafka.schema_registry (Python) JSON Schema and Protobuf serializers against the embedded Schema Registry', function () {
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
  it('ProtobufSerializer registers a FileDescriptorProto with its reference, round-trips through Kafka Lite and ProtobufDeserializer returns the same messages; an incompatible evolution is refused (409), a compatible one is read beside the old records', async () => {
    const count = 10;
    const out = await runJsonProgram(
      python,
      [
        testFile('test/compat/python/schema_registry_protobuf_json.py'),
        k.bootstrap,
        sr.url,
        'pypb',
        String(count),
        'protobuf',
      ],
      'schema_registry_protobuf_json.py',
      45000,
    );
    const r = out.protobuf as {
      ids: number[];
      messageIndexes: number[];
      records: Record<string, unknown>[];
      types: string[];
      latest: Latest & { references: [string, string, number][] };
      incompatibleCode: number | null;
      evolved: {
        ids: number[];
        byNew: Record<string, unknown>[];
        byOld: Record<string, unknown>[];
        latest: Latest;
        versions: number[];
      };
      subjects: string[];
    };
    const expected = Array.from({ length: count }, (_, i) => shipment(i));
    assert.deepStrictEqual(r.records, expected, 'ProtobufDeserializer read back exactly what was serialized');
    assert.deepStrictEqual(r.types, ['acme.Shipment']);
    assert.strictEqual(r.ids.length, 1, `every record carries one schema id, got ${JSON.stringify(r.ids)}`);
    assert.deepStrictEqual(r.messageIndexes, [0], 'the first message of the file: the single index 0');

    // the serializer registered acme/kind.proto (the reference subject is the file name) and then the file that
    // imports it; the well-known timestamp.proto is resolved by the registry, not registered
    assert.deepStrictEqual(r.subjects.filter((x) => !x.startsWith('pyjs-')).sort(), [
      'acme/kind.proto',
      'pypb-proto-value',
    ]);
    assert.deepStrictEqual(
      [r.latest.version, r.latest.id, r.latest.type, r.latest.references],
      [1, r.ids[0], 'PROTOBUF', [['acme/kind.proto', 'acme/kind.proto', 1]]],
    );
    // stored as .proto text, not as the base64 the serializer sent
    assert.match(r.latest.schema, /^syntax = "proto3";\npackage acme;\nimport "acme\/kind\.proto";\n/);
    assert.match(r.latest.schema, /\n {2}Kind kind = 4;\n {2}\.google\.protobuf\.Timestamp shipped_at = 5;\n/);

    // an incompatible evolution was refused; the compatible one is version 2 and both deserializers read all
    assert.strictEqual(r.incompatibleCode, 409, 'parcels int32 -> string is refused with 409');
    const v2 = r.evolved.latest.id;
    assert.notStrictEqual(v2, r.ids[0], 'the evolved schema has an id of its own');
    assert.deepStrictEqual([r.evolved.latest.version, r.evolved.latest.type], [2, 'PROTOBUF']);
    assert.deepStrictEqual(r.evolved.versions, [1, 2], 'the refused schema did not become a version');
    assert.deepStrictEqual(r.evolved.ids, [...Array.from({ length: count }, () => r.ids[0]), v2]);
    assert.deepStrictEqual(r.evolved.byNew, [
      ...expected.map((e) => ({ ...e, note: '' })),
      { ...shipment(count), note: 'evolved' },
    ]);
    assert.deepStrictEqual(r.evolved.byOld, [...expected, shipment(count)], 'the old reader skips the new field');

    // what Kafka Lite stored decodes with its own decoder, with the schemas the serializers registered
    const stored = k.broker.readRecords('pypb-proto', 0, 0, 100);
    assert.strictEqual(stored.length, count + 1, 'the refused message was never produced');
    const dec = new SchemaDecoder(sr.registry);
    stored.forEach((s, i) => {
      const d = dec.decode(s.value, 'pypb-proto-value');
      assert.ok(d && !('error' in d), `Kafka Lite's decoder failed: ${JSON.stringify(d)}`);
      assert.strictEqual(d.messageType, 'acme.Shipment');
      const v = d.value as Record<string, unknown>;
      assert.strictEqual(v.tracking, shipment(i).tracking);
      assert.deepStrictEqual(v.tags ?? [], shipment(i).tags);
      if (i === count) assert.strictEqual(v.note, 'evolved', 'the new record decodes with version 2');
    });
  });
});
