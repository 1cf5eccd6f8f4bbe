/**
 * Protobuf schemas given as base64 serialized FileDescriptorProtos (what Confluent's Protobuf serializers register)
 * and read back with `?format=serialized`: the descriptor is stored as .proto text and shares the id of the same
 * file written as text, compatibility applies to it, its imports resolve as references or well-known types, every
 * endpoint that takes `format` answers the descriptor, and an invalid descriptor is 42201 naming why. Over real
 * HTTP on an ephemeral 127.0.0.1 port, on a real broker's `_schemas` topic.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as descriptor from 'protobufjs/ext/descriptor';
import type * as protobuf from 'protobufjs';
import { Broker } from '../../../src/broker/broker';
import type { EmbeddedSchemaRegistry } from '../../../src/schema-registry-server';
import { startEmbeddedSchemaRegistry } from '../../../src/schema-registry-server';
import { protobufFormat } from '../../../src/schema-registry/formats/protobuf';
import { descriptorToProto } from '../../../src/schema-registry/formats/protobuf-descriptor';

type Obj = Record<string, any>;
const FD = descriptor.FileDescriptorProto as unknown as protobuf.Type;
const encode = (fd: Obj) => Buffer.from(FD.encode(FD.fromObject(fd)).finish()).toString('base64');
const decode = (b64: string): Obj =>
  FD.toObject(FD.decode(Buffer.from(b64, 'base64')), { enums: String, longs: Number, defaults: false });

/**
 * acme/shipment.proto as confluent_kafka's ProtobufSerializer (Python, protobuf 7) sends it: base64 of
 * `file_descriptor.serialized_pb` (made with descriptor_pb2: proto3, package acme, imports
 * google/protobuf/timestamp.proto; enum Kind {STANDARD = 0; EXPRESS = 1}; message Shipment {string tracking = 1;
 * int32 parcel_count = 2; repeated string tags = 3; Kind kind = 4; google.protobuf.Timestamp shipped_at = 5}).
 */
const PYTHON_SHIPMENT =
  'ChNhY21lL3NoaXBtZW50LnByb3RvEgRhY21lGh9nb29nbGUvcHJvdG9idWYvdGltZXN0YW1wLnByb3RvIrgBCghTaGlwbWVudBIaCgh0cmFja2luZxgBIAEoCVIIdHJhY2tpbmcSIQoMcGFyY2VsX2NvdW50GAIgASgFUgtwYXJjZWxDb3VudBISCgR0YWdzGAMgAygJUgR0YWdzEh4KBGtpbmQYBCABKA4yCi5hY21lLktpbmRSBGtpbmQSOQoKc2hpcHBlZF9hdBgFIAEoCzIaLmdvb2dsZS5wcm90b2J1Zi5UaW1lc3RhbXBSCXNoaXBwZWRBdCohCgRLaW5kEgwKCFNUQU5EQVJEEAASCwoHRVhQUkVTUxABYgZwcm90bzM=';

/** The same file as someone would write it: relative type names, comments, its own layout. */
const SHIPMENT_TEXT = `// shipments, as the warehouse writes them
syntax = "proto3";
package acme;

import "google/protobuf/timestamp.proto";

message Shipment {
  string tracking = 1;
  int32 parcel_count = 2;
  repeated string tags = 3;
  Kind kind = 4;
  google.protobuf.Timestamp shipped_at = 5;
}

enum Kind { STANDARD = 0; EXPRESS = 1; }
`;

const field = (name: string, number: number, type: string, extra: Obj = {}): Obj => ({
  name,
  number,
  label: 'LABEL_OPTIONAL',
  type,
  ...extra,
});

interface Answer {
  status: number;
  text: string;
  json: any;
}

describe('Schema Registry: Protobuf schemas as serialized FileDescriptorProtos', () => {
  let dir: string;
  let broker: Broker;
  let sr: EmbeddedSchemaRegistry;

  const call = async (method: string, p: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(sr.url + p, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* raw */
    }
    return { status: res.status, text, json };
  };
  const register = async (subject: string, schema: string, references?: Obj[]): Promise<number> => {
    const r = await call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema,
      schemaType: 'PROTOBUF',
      references,
    });
    assert.strictEqual(r.status, 200, r.text);
    return (r.json as { id: number }).id;
  };
  const open = async () => {
    broker = await Broker.open({ dataDir: dir, logger: () => {} });
    sr = await startEmbeddedSchemaRegistry(broker, { port: 0 });
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-srpd-'));
    await open();
  });
  afterEach(async () => {
    await sr.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("Python's descriptor is stored as .proto text and gets the id of the same file written as text, either way round", async () => {
    const id = await register('shipments-value', PYTHON_SHIPMENT);
    const stored = await call('GET', '/subjects/shipments-value/versions/1');
    assert.strictEqual(stored.json.schemaType, 'PROTOBUF');
    assert.strictEqual(
      stored.json.schema,
      [
        'syntax = "proto3";',
        'package acme;',
        'import "google/protobuf/timestamp.proto";',
        'message Shipment {',
        '  string tracking = 1;',
        '  int32 parcel_count = 2;',
        '  repeated string tags = 3;',
        '  Kind kind = 4;',
        '  .google.protobuf.Timestamp shipped_at = 5;',
        '}',
        'enum Kind {',
        '  STANDARD = 0;',
        '  EXPRESS = 1;',
        '}',
        '',
      ].join('\n'),
      'the descriptor is kept as .proto text (json names that are the default are not spelled out)',
    );
    // the hand-written text is the same schema: same id under another subject, the existing version here
    assert.strictEqual(await register('copy-value', SHIPMENT_TEXT), id);
    assert.strictEqual(await register('shipments-value', SHIPMENT_TEXT), id);
    assert.deepStrictEqual((await call('GET', '/subjects/shipments-value/versions')).json, [1]);
    // the other way round: text first, the descriptor finds it (POST /subjects/{s}) and registers as it
    const looked = await call('POST', '/subjects/copy-value', { schema: PYTHON_SHIPMENT, schemaType: 'PROTOBUF' });
    assert.deepStrictEqual([looked.status, looked.json.id, looked.json.version], [200, id, 1], looked.text);
    assert.strictEqual(looked.json.schema, SHIPMENT_TEXT, 'the lookup answers the stored text');
    // and after a restart the stored text still is that schema: registering the descriptor writes nothing new
    await sr.close();
    await broker.close();
    await open();
    assert.strictEqual(await register('shipments-value', PYTHON_SHIPMENT), id);
    assert.deepStrictEqual((await call('GET', '/subjects/shipments-value/versions')).json, [1]);
  });

  it('?format=serialized answers a base64 FileDescriptorProto on every endpoint that takes it; without it the text', async () => {
    const id = await register('shipments-value', SHIPMENT_TEXT);
    const answers = {
      byId: (await call('GET', `/schemas/ids/${id}?format=serialized`)).json.schema,
      byIdRaw: (await call('GET', `/schemas/ids/${id}/schema?format=serialized`)).text,
      version: (await call('GET', '/subjects/shipments-value/versions/1?format=serialized')).json.schema,
      latest: (await call('GET', '/subjects/shipments-value/versions/latest?format=serialized')).json.schema,
      versionRaw: (await call('GET', '/subjects/shipments-value/versions/1/schema?format=serialized')).text,
      lookup: (
        await call('POST', '/subjects/shipments-value?format=serialized', {
          schema: SHIPMENT_TEXT,
          schemaType: 'PROTOBUF',
        })
      ).json.schema,
    };
    const serialized = answers.byId as string;
    assert.match(serialized, /^[A-Za-z0-9+/]+=*$/, 'base64');
    for (const [where, s] of Object.entries(answers)) assert.strictEqual(s, serialized, where);
    const fd = decode(serialized);
    assert.deepStrictEqual(
      [fd.syntax, fd.package, fd.dependency],
      ['proto3', 'acme', ['google/protobuf/timestamp.proto']],
    );
    assert.deepStrictEqual(
      fd.messageType.map((m: Obj) => [
        m.name,
        m.field.map((f: Obj) => [f.name, f.number, f.type, f.typeName, f.jsonName]),
      ]),
      [
        [
          'Shipment',
          [
            ['tracking', 1, 'TYPE_STRING', undefined, 'tracking'],
            ['parcel_count', 2, 'TYPE_INT32', undefined, 'parcelCount'],
            ['tags', 3, 'TYPE_STRING', undefined, 'tags'],
            ['kind', 4, 'TYPE_ENUM', '.acme.Kind', 'kind'],
            ['shipped_at', 5, 'TYPE_MESSAGE', '.google.protobuf.Timestamp', 'shippedAt'],
          ],
        ],
      ],
      'fully qualified type names and protoc-style json names, in declaration order',
    );
    assert.deepStrictEqual(fd.messageType[0].field[2].label, 'LABEL_REPEATED');
    assert.deepStrictEqual(
      fd.enumType.map((e: Obj) => [e.name, e.value.map((v: Obj) => [v.name, v.number ?? 0])]),
      [
        [
          'Kind',
          [
            ['STANDARD', 0],
            ['EXPRESS', 1],
          ],
        ],
      ],
    );
    // registering what the registry answered is registering the same schema
    assert.strictEqual(await register('again-value', serialized), id);

    // without format (or with a form the type lacks) the stored text; an Avro schema has no serialized form
    assert.strictEqual((await call('GET', `/schemas/ids/${id}`)).json.schema, SHIPMENT_TEXT);
    assert.strictEqual((await call('GET', `/schemas/ids/${id}?format=resolved`)).json.schema, SHIPMENT_TEXT);
    const avro = JSON.stringify({ type: 'record', name: 'A', fields: [{ name: 'a', type: 'int' }] });
    const a = await call('POST', '/subjects/avro-value/versions', { schema: avro });
    assert.strictEqual((await call('GET', `/schemas/ids/${a.json.id}?format=serialized`)).json.schema, avro);
  });

  it('an invalid descriptor is 42201 naming why, and nothing is stored', async () => {
    const refuse = async (schema: string, message: RegExp) => {
      const r = await call('POST', '/subjects/bad-value/versions', { schema, schemaType: 'PROTOBUF' });
      assert.deepStrictEqual([r.status, r.json?.error_code], [422, 42201], r.text);
      assert.match(r.json.message, message);
    };
    await refuse(
      Buffer.from('not a descriptor at all').toString('base64'),
      /^Invalid schema: the schema is base64 but not a valid serialized FileDescriptorProto: its bytes do not decode as one/,
    );
    await refuse(encode({ name: 'empty.proto', package: 'acme' }), /defines no message, enum or service/);
    await refuse(
      encode({
        name: 'a.proto',
        syntax: 'proto3',
        dependency: ['acme/kind.proto'],
        messageType: [{ name: 'A', field: [field('kind', 1, 'TYPE_ENUM', { typeName: '.acme.Kind' })] }],
      }),
      /imports "acme\/kind\.proto", which is not among its references/,
    );
    await refuse(
      encode({
        name: 'a.proto',
        syntax: 'proto3',
        messageType: [{ name: 'A', field: [field('b', 1, 'TYPE_MESSAGE', { typeName: '.acme.Missing' })] }],
      }),
      /the \.proto text of the FileDescriptorProto does not parse: .*Missing/,
    );
    await refuse(
      encode({ name: 'a.proto', syntax: 'editions', edition: 'EDITION_2023', messageType: [{ name: 'A' }] }),
      /its syntax is "editions"; this registry takes proto2 and proto3 files/,
    );
    assert.strictEqual((await call('GET', '/subjects')).text, '[]');
  });

  it('compatibility applies to descriptors: an incompatible evolution is 409, a compatible one version 2', async () => {
    const v1 = decode(PYTHON_SHIPMENT);
    await register('shipments-value', PYTHON_SHIPMENT);
    const changed = structuredClone(v1);
    changed.messageType[0].field[1].type = 'TYPE_STRING'; // parcel_count: int32 → string
    const r = await call('POST', '/subjects/shipments-value/versions', {
      schema: encode(changed),
      schemaType: 'PROTOBUF',
    });
    assert.strictEqual(r.status, 409, r.text);
    assert.match(r.json.message, /parcel_count \(field 2\): type changed from int32 to string/);
    const added = structuredClone(v1);
    added.messageType[0].field.push(field('note', 6, 'TYPE_STRING', { jsonName: 'note' }));
    const id2 = await register('shipments-value', encode(added));
    const latest = await call('GET', '/subjects/shipments-value/versions/latest');
    assert.deepStrictEqual([latest.json.version, latest.json.id], [2, id2]);
    assert.match(latest.json.schema, /\n {2}string note = 6;\n/);
  });

  it("a descriptor's imports resolve through its references (kept as imports in the serialized form) or as well-known types", async () => {
    const kind = encode({
      name: 'acme/kind.proto',
      package: 'acme',
      syntax: 'proto3',
      enumType: [
        {
          name: 'Kind',
          value: [
            { name: 'STANDARD', number: 0 },
            { name: 'EXPRESS', number: 1 },
          ],
        },
      ],
    });
    await register('acme/kind.proto', kind);
    const parcel = {
      name: 'acme/parcel.proto',
      package: 'acme',
      syntax: 'proto3',
      dependency: ['acme/kind.proto', 'google/protobuf/duration.proto'],
      messageType: [
        {
          name: 'Parcel',
          field: [
            field('kind', 1, 'TYPE_ENUM', { typeName: '.acme.Kind' }),
            field('transit', 2, 'TYPE_MESSAGE', { typeName: '.google.protobuf.Duration' }),
          ],
        },
      ],
    };
    const refs = [{ name: 'acme/kind.proto', subject: 'acme/kind.proto', version: 1 }];
    const id = await register('parcels-value', encode(parcel), refs);
    const got = await call('GET', `/schemas/ids/${id}?format=serialized`);
    assert.deepStrictEqual(got.json.references, refs, 'the references come with the serialized form');
    const fd = decode(got.json.schema);
    assert.deepStrictEqual(fd.dependency, ['acme/kind.proto', 'google/protobuf/duration.proto']);
    assert.deepStrictEqual(
      fd.messageType[0].field.map((f: Obj) => f.typeName),
      ['.acme.Kind', '.google.protobuf.Duration'],
    );
    // the referenced version reads back serialized too (what a deserializer asks for each reference)
    const ref = await call('GET', `/subjects/${encodeURIComponent('acme/kind.proto')}/versions/1?format=serialized`);
    assert.deepStrictEqual(decode(ref.json.schema).enumType[0].name, 'Kind');
  });

  it('the text a descriptor becomes keeps what the schema means: maps, oneofs, proto3 optional, options, reserved, services, proto2 defaults and extensions', () => {
    const text = `syntax = "proto3";
package shop.v1;
option java_package = "com.shop";
option optimize_for = SPEED;
message Order {
  optional string note = 1 [json_name = "Note", deprecated = true];
  map<string, int64> line_counts = 2;
  oneof payment { string card = 3; int32 voucher = 4; }
  repeated int32 codes = 5 [packed = false];
  message Line { enum State { OPEN = 0; DONE = 1; } State state = 1; }
  Line line = 6;
  map<int32, Line> lines = 7;
  Status status = 8;
  reserved 10, 12 to 14, 100 to max;
  reserved "old";
}
enum Status { option allow_alias = true; NEW = 0; PAID = 1; SETTLED = 1 [deprecated = true]; reserved 5 to 7; }
service Orders { rpc Watch (Order) returns (stream Order); }
`;
    const proto2 = `syntax = "proto2";
package legacy;
message M {
  required int32 a = 1 [default = 5];
  optional string s = 2 [default = "hi \\"there\\""];
  optional Color c = 3 [default = RED];
  extensions 100 to 199;
  message N { optional M m = 1; optional N n = 2; }
}
enum Color { RED = 1; BLUE = 2; }
extend M { optional int32 ext = 100; }
`;
    for (const schema of [text, proto2]) {
      const p = protobufFormat.parse(schema, []);
      const serialized = protobufFormat.formatted!(p, 'serialized')!;
      const back = protobufFormat.parse(serialized, []);
      assert.strictEqual(back.canonical, p.canonical, `the descriptor of\n${schema}\nbecame\n${back.text}`);
      assert.strictEqual(descriptorToProto(decode(protobufFormat.formatted!(back, 'serialized')!)), back.text);
      assert.deepStrictEqual(back.messages, p.messages, 'the same messages, in the same order');
    }
    const order = decode(protobufFormat.formatted!(protobufFormat.parse(text, []), 'serialized')!).messageType[0];
    assert.deepStrictEqual(
      order.nestedType.map((n: Obj) => [n.name, n.options?.mapEntry ?? false]),
      [
        ['Line', false],
        ['LineCountsEntry', true],
        ['LinesEntry', true],
      ],
    );
    assert.deepStrictEqual(
      order.oneofDecl.map((o: Obj) => o.name),
      ['payment', '_note'],
      'the synthetic oneof of a proto3 optional field comes after the real ones',
    );
  });
});
