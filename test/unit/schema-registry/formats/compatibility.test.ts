/**
 * The compatibility rules of each schema format, as tables: every rule has a change that must pass and one that
 * must fail, checked as "can the reader read what the writer wrote" (BACKWARD: reader = new, writer = old).
 */
import * as assert from 'assert';
import { avroFormat } from '../../../../src/schema-registry/formats/avro';
import type { SchemaFormat } from '../../../../src/schema-registry/formats/format';
import { jsonSchemaFormat } from '../../../../src/schema-registry/formats/json-schema';
import { protobufFormat } from '../../../../src/schema-registry/formats/protobuf';

interface Case {
  rule: string;
  writer: unknown;
  reader: unknown;
  compatible: boolean;
  /** part of the reason expected when incompatible */
  reason?: RegExp;
}

function table(format: SchemaFormat<unknown>, cases: Case[]): void {
  for (const c of cases) {
    it(`${c.compatible ? 'accepts' : 'refuses'}: ${c.rule}`, () => {
      const text = (s: unknown) => (typeof s === 'string' ? s : JSON.stringify(s));
      const reader = format.parse(text(c.reader), []);
      const writer = format.parse(text(c.writer), []);
      const reasons = format.canRead(reader, writer);
      if (c.compatible) assert.deepStrictEqual(reasons, [], `expected compatible`);
      else {
        assert.ok(reasons.length > 0, 'expected a reason it is incompatible');
        if (c.reason) assert.match(reasons.join('\n'), c.reason);
      }
    });
  }
}

const rec = (fields: unknown[], extra: Record<string, unknown> = {}) => ({
  type: 'record',
  name: 'User',
  namespace: 'acme',
  fields,
  ...extra,
});

describe('Avro compatibility (Avro schema resolution through avsc)', () => {
  table(avroFormat as SchemaFormat<unknown>, [
    {
      rule: 'a field added with a default',
      writer: rec([{ name: 'id', type: 'long' }]),
      reader: rec([
        { name: 'id', type: 'long' },
        { name: 'email', type: 'string', default: '' },
      ]),
      compatible: true,
    },
    {
      rule: 'a field added without a default',
      writer: rec([{ name: 'id', type: 'long' }]),
      reader: rec([
        { name: 'id', type: 'long' },
        { name: 'email', type: 'string' },
      ]),
      compatible: false,
      reason: /email/,
    },
    {
      rule: 'a field removed (the reader ignores it)',
      writer: rec([
        { name: 'id', type: 'long' },
        { name: 'name', type: 'string' },
      ]),
      reader: rec([{ name: 'id', type: 'long' }]),
      compatible: true,
    },
    {
      rule: 'a promotion int → long',
      writer: rec([{ name: 'n', type: 'int' }]),
      reader: rec([{ name: 'n', type: 'long' }]),
      compatible: true,
    },
    {
      rule: 'a narrowing long → int',
      writer: rec([{ name: 'n', type: 'long' }]),
      reader: rec([{ name: 'n', type: 'int' }]),
      compatible: false,
    },
    {
      rule: 'an enum symbol added',
      writer: { type: 'enum', name: 'Color', symbols: ['RED'] },
      reader: { type: 'enum', name: 'Color', symbols: ['RED', 'BLUE'] },
      compatible: true,
    },
    {
      rule: 'an enum symbol removed (no default)',
      writer: { type: 'enum', name: 'Color', symbols: ['RED', 'BLUE'] },
      reader: { type: 'enum', name: 'Color', symbols: ['RED'] },
      compatible: false,
    },
    {
      rule: 'a type widened into a union that holds it',
      writer: rec([{ name: 'n', type: 'string' }]),
      reader: rec([{ name: 'n', type: ['null', 'string'], default: null }]),
      compatible: true,
    },
    {
      rule: 'a type changed string → int',
      writer: rec([{ name: 'n', type: 'string' }]),
      reader: rec([{ name: 'n', type: 'int' }]),
      compatible: false,
    },
    {
      rule: 'a record renamed without an alias',
      writer: rec([{ name: 'id', type: 'long' }]),
      reader: rec([{ name: 'id', type: 'long' }], { name: 'Person' }),
      compatible: false,
    },
    {
      rule: 'a record renamed with the old name as an alias',
      writer: rec([{ name: 'id', type: 'long' }]),
      reader: rec([{ name: 'id', type: 'long' }], { name: 'Person', aliases: ['acme.User'] }),
      compatible: true,
    },
  ]);

  it('refuses an invalid schema with the parser’s reason', () => {
    assert.throws(() => avroFormat.parse('{"type":"record","name":"X"}', []), /Invalid schema/);
    assert.throws(() => avroFormat.parse('{not json', []), /not valid JSON/);
  });

  it('gives schemas that differ only in whitespace and key order one canonical form', () => {
    const a = avroFormat.parse('{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}', []);
    const b = avroFormat.parse('{ "fields" : [ {"type":"int", "name":"a"} ], "name":"R", "type":"record" }', []);
    assert.strictEqual(avroFormat.canonical(a), avroFormat.canonical(b));
  });

  it('resolves a named type defined by a referenced schema', () => {
    const ref = {
      name: 'acme.Address',
      schema: JSON.stringify({
        type: 'record',
        name: 'Address',
        namespace: 'acme',
        fields: [{ name: 'city', type: 'string' }],
      }),
    };
    const p = avroFormat.parse(JSON.stringify(rec([{ name: 'home', type: 'acme.Address' }])), [ref]);
    assert.deepEqual(p.type.fromBuffer(p.type.toBuffer({ home: { city: 'Oslo' } })), { home: { city: 'Oslo' } });
    assert.throws(
      () => avroFormat.parse(JSON.stringify(rec([{ name: 'home', type: 'acme.Address' }])), []),
      /Invalid schema/,
    );
  });
});

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  ...extra,
});

describe('JSON Schema compatibility (structural rules)', () => {
  table(jsonSchemaFormat as SchemaFormat<unknown>, [
    {
      rule: 'an optional property added to a closed content model',
      writer: obj({ id: { type: 'integer' } }, { additionalProperties: false }),
      reader: obj({ id: { type: 'integer' }, email: { type: 'string' } }, { additionalProperties: false }),
      compatible: true,
    },
    {
      rule: 'a property added to an open content model (old documents may hold it with any value)',
      writer: obj({ id: { type: 'integer' } }),
      reader: obj({ id: { type: 'integer' }, email: { type: 'string' } }),
      compatible: false,
      reason: /added to an open content model/,
    },
    {
      rule: 'a property removed under an open reader',
      writer: obj({ id: { type: 'integer' }, name: { type: 'string' } }),
      reader: obj({ id: { type: 'integer' } }),
      compatible: true,
    },
    {
      rule: 'a property removed from a closed reader',
      writer: obj({ id: { type: 'integer' }, name: { type: 'string' } }, { additionalProperties: false }),
      reader: obj({ id: { type: 'integer' } }, { additionalProperties: false }),
      compatible: false,
      reason: /removed from a closed content model/,
    },
    {
      rule: 'a required property dropped from required',
      writer: obj({ id: { type: 'integer' } }, { required: ['id'] }),
      reader: obj({ id: { type: 'integer' } }),
      compatible: true,
    },
    {
      rule: 'a property newly required',
      writer: obj({ id: { type: 'integer' } }),
      reader: obj({ id: { type: 'integer' } }, { required: ['id'] }),
      compatible: false,
      reason: /"id" is now required/,
    },
    {
      rule: 'a type widened integer → number',
      writer: obj({ n: { type: 'integer' } }),
      reader: obj({ n: { type: 'number' } }),
      compatible: true,
    },
    {
      rule: 'a type changed string → integer',
      writer: obj({ n: { type: 'string' } }),
      reader: obj({ n: { type: 'integer' } }),
      compatible: false,
      reason: /type changed/,
    },
    {
      rule: 'a type widened into a list of types',
      writer: obj({ n: { type: 'string' } }),
      reader: obj({ n: { type: ['string', 'null'] } }),
      compatible: true,
    },
    {
      rule: 'an enum value added',
      writer: { enum: ['a', 'b'] },
      reader: { enum: ['a', 'b', 'c'] },
      compatible: true,
    },
    {
      rule: 'an enum value removed',
      writer: { enum: ['a', 'b'] },
      reader: { enum: ['a'] },
      compatible: false,
      reason: /enum values removed: "b"/,
    },
    {
      rule: 'an open content model kept open',
      writer: obj({ id: { type: 'integer' } }),
      reader: obj({ id: { type: 'integer' } }, { additionalProperties: true }),
      compatible: true,
    },
    {
      rule: 'an open content model closed',
      writer: obj({ id: { type: 'integer' } }),
      reader: obj({ id: { type: 'integer' } }, { additionalProperties: false }),
      compatible: false,
      reason: /content model closed/,
    },
    {
      rule: 'maxLength loosened',
      writer: { type: 'string', maxLength: 5 },
      reader: { type: 'string', maxLength: 10 },
      compatible: true,
    },
    {
      rule: 'maxLength tightened',
      writer: { type: 'string', maxLength: 10 },
      reader: { type: 'string', maxLength: 5 },
      compatible: false,
      reason: /maxLength tightened/,
    },
    {
      rule: 'array items widened',
      writer: { type: 'array', items: { type: 'integer' } },
      reader: { type: 'array', items: { type: 'number' } },
      compatible: true,
    },
    {
      rule: 'array items changed',
      writer: { type: 'array', items: { type: 'integer' } },
      reader: { type: 'array', items: { type: 'string' } },
      compatible: false,
    },
    {
      rule: 'a oneOf gaining a branch',
      writer: { oneOf: [{ type: 'string' }] },
      reader: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      compatible: true,
    },
    {
      rule: 'a oneOf losing a branch',
      writer: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      reader: { oneOf: [{ type: 'string' }] },
      compatible: false,
    },
    {
      rule: 'a local $ref followed to the same definition',
      writer: { definitions: { id: { type: 'integer' } }, ...obj({ id: { $ref: '#/definitions/id' } }) },
      reader: { definitions: { key: { type: 'number' } }, ...obj({ id: { $ref: '#/definitions/key' } }) },
      compatible: true,
    },
    {
      rule: 'a keyword it does not analyse that changed (refused, not silently accepted)',
      writer: { type: 'object', patternProperties: { '^x': { type: 'string' } } },
      reader: { type: 'object', patternProperties: { '^x': { type: 'integer' } } },
      compatible: false,
      reason: /not analysed/,
    },
  ]);

  it('refuses a schema ajv cannot compile', () => {
    assert.throws(() => jsonSchemaFormat.parse('{"type": 12}', []), /Invalid schema/);
    assert.throws(() => jsonSchemaFormat.parse('[1]', []), /object or a boolean/);
  });

  it('resolves a $ref to a referenced schema by its reference name', () => {
    const ref = {
      name: 'address.json',
      schema: JSON.stringify({ type: 'object', properties: { city: { type: 'string' } } }),
    };
    jsonSchemaFormat.parse(JSON.stringify(obj({ home: { $ref: 'address.json' } })), [ref]);
    assert.throws(
      () => jsonSchemaFormat.parse(JSON.stringify(obj({ home: { $ref: 'address.json' } })), []),
      /Invalid schema/,
    );
  });
});

const proto = (body: string) => `syntax = "proto3";\npackage acme;\n${body}`;

describe('Protobuf compatibility (field numbers and types)', () => {
  table(protobufFormat as SchemaFormat<unknown>, [
    {
      rule: 'an optional field added',
      writer: proto('message User { int64 id = 1; }'),
      reader: proto('message User { int64 id = 1; optional string email = 2; }'),
      compatible: true,
    },
    {
      rule: 'a field removed',
      writer: proto('message User { int64 id = 1; string name = 2; }'),
      reader: proto('message User { int64 id = 1; reserved 2; }'),
      compatible: true,
    },
    {
      rule: 'a field renamed (same number and type)',
      writer: proto('message User { string name = 2; }'),
      reader: proto('message User { string full_name = 2; }'),
      compatible: true,
    },
    {
      rule: 'a field type changed within a wire-compatible group (int32 → int64)',
      writer: proto('message User { int32 n = 1; }'),
      reader: proto('message User { int64 n = 1; }'),
      compatible: true,
    },
    {
      rule: 'a field type changed (string → int64)',
      writer: proto('message User { string n = 1; }'),
      reader: proto('message User { int64 n = 1; }'),
      compatible: false,
      reason: /type changed from string to int64/,
    },
    {
      rule: 'a field number reused by a field of another type',
      writer: proto('message User { string name = 2; }'),
      reader: proto('message User { double score = 2; }'),
      compatible: false,
      reason: /field 2/,
    },
    {
      rule: 'a message-typed field pointing at another message',
      writer: proto('message A { string s = 1; } message B { string s = 1; } message User { A a = 1; }'),
      reader: proto('message A { string s = 1; } message B { string s = 1; } message User { B a = 1; }'),
      compatible: false,
      reason: /acme.A to acme.B/,
    },
    {
      rule: 'a singular field made repeated',
      writer: proto('message User { string tag = 1; }'),
      reader: proto('message User { repeated string tag = 1; }'),
      compatible: false,
      reason: /singular to repeated/,
    },
    {
      rule: 'a message removed',
      writer: proto('message User { int64 id = 1; } message Extra { int64 x = 1; }'),
      reader: proto('message User { int64 id = 1; }'),
      compatible: false,
      reason: /acme.Extra removed/,
    },
    {
      rule: 'a proto2 optional field added',
      writer: 'syntax = "proto2"; message U { optional int64 id = 1; }',
      reader: 'syntax = "proto2"; message U { optional int64 id = 1; optional string e = 2; }',
      compatible: true,
    },
    {
      rule: 'a proto2 required field added',
      writer: 'syntax = "proto2"; message U { optional int64 id = 1; }',
      reader: 'syntax = "proto2"; message U { optional int64 id = 1; required string e = 2; }',
      compatible: false,
      reason: /required field added/,
    },
    {
      rule: 'a field moved into a oneof with other fields',
      writer: proto('message U { string a = 1; string b = 2; }'),
      reader: proto('message U { oneof choice { string a = 1; string b = 2; } }'),
      compatible: false,
      reason: /oneof choice/,
    },
  ]);

  it('refuses a schema that does not parse or names an unknown type', () => {
    assert.throws(() => protobufFormat.parse('message {', []), /Invalid schema/);
    assert.throws(() => protobufFormat.parse(proto('message U { Missing m = 1; }'), []), /Invalid schema/);
    assert.throws(
      () => protobufFormat.parse(proto('import "other.proto"; message U { int32 a = 1; }'), []),
      /not among its references/,
    );
  });

  it('resolves imports from references and the google/protobuf well-known types', () => {
    const ref = { name: 'address.proto', schema: proto('message Address { string city = 1; }') };
    const p = protobufFormat.parse(
      proto(
        'import "address.proto";\nimport "google/protobuf/timestamp.proto";\nmessage U { Address home = 1; google.protobuf.Timestamp at = 2; }',
      ),
      [ref],
    );
    assert.deepStrictEqual(p.messages, ['acme.U']);
  });

  it('gives formatting and comment changes one canonical form', () => {
    const a = protobufFormat.parse(proto('message U { int32 a = 1; }'), []);
    const b = protobufFormat.parse(proto('// a comment\nmessage U {\n  int32 a = 1;\n}\n'), []);
    assert.strictEqual(protobufFormat.canonical(a), protobufFormat.canonical(b));
  });
});
