/**
 * The Schema Registry's HTTP API, over real HTTP on an ephemeral 127.0.0.1 port: every endpoint's answer and
 * Confluent's error codes, content types, bounded bodies.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import type { EmbeddedSchemaRegistry } from '../../../src/schema-registry-server';
import { startEmbeddedSchemaRegistry } from '../../../src/schema-registry-server';
import { CONTENT_TYPE } from '../../../src/schema-registry-server/server';

const V1 = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }] });
const V2 = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'email', type: 'string', default: '' },
  ],
});
const BAD = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'email', type: 'string' },
  ],
});

interface Answer {
  status: number;
  type: string | null;
  text: string;
  json: unknown;
}

describe('Schema Registry HTTP API', () => {
  let dir: string;
  let broker: Broker;
  let sr: EmbeddedSchemaRegistry;
  const maxBodyBytes = 64 * 1024;

  const call = async (method: string, p: string, body?: unknown, contentType = CONTENT_TYPE): Promise<Answer> => {
    const res = await fetch(sr.url + p, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* raw */
    }
    return { status: res.status, type: res.headers.get('content-type'), text, json };
  };
  const expectError = async (a: Promise<Answer>, status: number, code: number, message?: RegExp) => {
    const r = await a;
    assert.strictEqual(r.status, status, r.text);
    const body = r.json as { error_code: number; message: string };
    assert.strictEqual(body.error_code, code, r.text);
    assert.strictEqual(typeof body.message, 'string');
    if (message) assert.match(body.message, message);
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-srh-'));
    broker = await Broker.open({ dataDir: dir, logger: () => {} });
    sr = await startEmbeddedSchemaRegistry(broker, { port: 0, maxBodyBytes });
  });
  afterEach(async () => {
    await sr.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and answers GET / and /schemas/types in its content type', async () => {
    assert.strictEqual(sr.host, '127.0.0.1');
    const root = await call('GET', '/');
    assert.strictEqual(root.status, 200);
    assert.strictEqual(root.type, CONTENT_TYPE);
    assert.deepStrictEqual(root.json, {});
    assert.deepStrictEqual((await call('GET', '/schemas/types')).json, ['JSON', 'PROTOBUF', 'AVRO']);
  });

  it('POST /subjects/{s}/versions registers; GET /subjects, /versions, /versions/{v|latest|-1}, /schema', async () => {
    assert.deepStrictEqual((await call('POST', '/subjects/orders-value/versions', { schema: V1 })).json, { id: 1 });
    assert.deepStrictEqual((await call('POST', '/subjects/orders-value/versions', { schema: V2 })).json, { id: 2 });
    assert.deepStrictEqual((await call('POST', '/subjects/orders-value/versions', { schema: V1 })).json, { id: 1 });
    assert.deepStrictEqual((await call('GET', '/subjects')).json, ['orders-value']);
    assert.deepStrictEqual((await call('GET', '/subjects/orders-value/versions')).json, [1, 2]);
    const v1 = { subject: 'orders-value', version: 1, id: 1, schema: V1 };
    const v2 = { subject: 'orders-value', version: 2, id: 2, schema: V2 };
    assert.deepStrictEqual((await call('GET', '/subjects/orders-value/versions/1')).json, v1);
    assert.deepStrictEqual((await call('GET', '/subjects/orders-value/versions/latest')).json, v2);
    assert.deepStrictEqual((await call('GET', '/subjects/orders-value/versions/-1')).json, v2);
    const raw = await call('GET', '/subjects/orders-value/versions/1/schema');
    assert.strictEqual(raw.text, V1);
    await expectError(call('GET', '/subjects/nope/versions'), 404, 40401, /^Subject 'nope' not found\.$/);
    await expectError(call('GET', '/subjects/orders-value/versions/7'), 404, 40402, /^Version 7 not found\.$/);
    for (const bad of ['0', '-2', 'abc', '2147483648'])
      await expectError(call('GET', `/subjects/orders-value/versions/${bad}`), 422, 42202, new RegExp(`'${bad}'`));
  });

  it('subject names are percent-decoded', async () => {
    await call('POST', `/subjects/${encodeURIComponent('a/b c')}/versions`, { schema: V1 });
    assert.deepStrictEqual((await call('GET', '/subjects')).json, ['a/b c']);
  });

  it('GET /schemas/ids/{id} with /schema, /versions and /subjects; 40403 for an unknown id', async () => {
    await call('POST', '/subjects/a/versions', { schema: V1 });
    await call('POST', '/subjects/b/versions', { schema: V1 });
    const proto = 'syntax = "proto3"; message M { int64 id = 1; }';
    await call('POST', '/subjects/p/versions', { schema: proto, schemaType: 'PROTOBUF' });
    assert.deepStrictEqual((await call('GET', '/schemas/ids/1')).json, { schema: V1 });
    assert.deepStrictEqual((await call('GET', '/schemas/ids/2')).json, { schemaType: 'PROTOBUF', schema: proto });
    assert.strictEqual((await call('GET', '/schemas/ids/1/schema')).text, V1);
    assert.deepStrictEqual((await call('GET', '/schemas/ids/1/versions')).json, [
      { subject: 'a', version: 1 },
      { subject: 'b', version: 1 },
    ]);
    assert.deepStrictEqual((await call('GET', '/schemas/ids/1/subjects')).json, ['a', 'b']);
    await expectError(call('GET', '/schemas/ids/99'), 404, 40403, /^Schema 99 not found$/);
    await expectError(call('GET', '/schemas/ids/x'), 404, 40403);
  });

  it('POST /subjects/{s} looks a schema up (40401 unknown subject, 40403 unknown schema)', async () => {
    await call('POST', '/subjects/a/versions', { schema: V1 });
    const found = await call('POST', '/subjects/a', { schema: JSON.stringify(JSON.parse(V1), null, 1) });
    assert.deepStrictEqual(found.json, { subject: 'a', version: 1, id: 1, schema: V1 });
    await expectError(call('POST', '/subjects/a', { schema: V2 }), 404, 40403, /^Schema not found$/);
    await expectError(call('POST', '/subjects/zz', { schema: V1 }), 404, 40401);
  });

  it('registration errors: 409 incompatible, 42201 invalid schema or body, 400 not JSON', async () => {
    await call('POST', '/subjects/a/versions', { schema: V1 });
    await expectError(call('POST', '/subjects/a/versions', { schema: BAD }), 409, 409, /incompatible/);
    await expectError(call('POST', '/subjects/a/versions', { schema: '{"type":"record"}' }), 422, 42201);
    await expectError(call('POST', '/subjects/a/versions', { schema: V1, schemaType: 'XML' }), 422, 42201);
    await expectError(call('POST', '/subjects/a/versions', { nope: 1 }), 422, 42201);
    await expectError(call('POST', '/subjects/a/versions', '{not json'), 400, 400);
  });

  it('DELETE /subjects/{s}/versions/{v} and /subjects/{s}: soft, then ?permanent=true, with their error codes', async () => {
    await call('POST', '/subjects/a/versions', { schema: V1 });
    await call('POST', '/subjects/a/versions', { schema: V2 });
    await expectError(call('DELETE', '/subjects/a/versions/1?permanent=true'), 404, 40407);
    assert.strictEqual((await call('DELETE', '/subjects/a/versions/1')).json, 1);
    await expectError(call('DELETE', '/subjects/a/versions/1'), 404, 40406);
    assert.deepStrictEqual((await call('GET', '/subjects/a/versions')).json, [2]);
    assert.deepStrictEqual((await call('GET', '/subjects/a/versions?deleted=true')).json, [1, 2]);
    assert.strictEqual(((await call('GET', '/subjects/a/versions/1?deleted=true')).json as { id: number }).id, 1);
    assert.strictEqual((await call('DELETE', '/subjects/a/versions/1?permanent=true')).json, 1);
    await expectError(call('DELETE', '/subjects/a?permanent=true'), 404, 40405);
    assert.deepStrictEqual((await call('DELETE', '/subjects/a')).json, [2]);
    await expectError(call('DELETE', '/subjects/a'), 404, 40404, /soft deleted/);
    assert.deepStrictEqual((await call('GET', '/subjects')).json, []);
    assert.deepStrictEqual((await call('GET', '/subjects?deleted=true')).json, ['a']);
    assert.deepStrictEqual((await call('DELETE', '/subjects/a?permanent=true')).json, [2]);
    await expectError(call('DELETE', '/subjects/a'), 404, 40401);
  });

  it('GET/PUT/DELETE /config and /config/{s}: levels case-insensitive, 42203 invalid, 40408 not configured', async () => {
    assert.deepStrictEqual((await call('GET', '/config')).json, { compatibilityLevel: 'BACKWARD' });
    assert.deepStrictEqual((await call('PUT', '/config', { compatibility: 'full' })).json, { compatibility: 'FULL' });
    assert.deepStrictEqual((await call('GET', '/config')).json, { compatibilityLevel: 'FULL' });
    await expectError(call('PUT', '/config', { compatibility: 'SIDEWAYS' }), 422, 42203, /Invalid compatibility level/);
    await expectError(
      call('GET', '/config/a'),
      404,
      40408,
      /^Subject 'a' does not have subject-level compatibility configured$/,
    );
    assert.deepStrictEqual((await call('GET', '/config/a?defaultToGlobal=true')).json, { compatibilityLevel: 'FULL' });
    assert.deepStrictEqual((await call('PUT', '/config/a', { compatibility: 'NONE' })).json, { compatibility: 'NONE' });
    assert.deepStrictEqual((await call('GET', '/config/a')).json, { compatibilityLevel: 'NONE' });
    assert.deepStrictEqual((await call('DELETE', '/config/a')).json, { compatibilityLevel: 'NONE' });
    await expectError(call('GET', '/config/a'), 404, 40408);
  });

  it('POST /compatibility/subjects/{s}/versions/{v}: is_compatible, messages with ?verbose=true', async () => {
    await call('POST', '/subjects/a/versions', { schema: V1 });
    assert.deepStrictEqual((await call('POST', '/compatibility/subjects/a/versions/latest', { schema: V2 })).json, {
      is_compatible: true,
    });
    assert.deepStrictEqual((await call('POST', '/compatibility/subjects/a/versions/1', { schema: BAD })).json, {
      is_compatible: false,
    });
    const verbose = (await call('POST', '/compatibility/subjects/a/versions/1?verbose=true', { schema: BAD })).json as {
      is_compatible: boolean;
      messages: string[];
    };
    assert.strictEqual(verbose.is_compatible, false);
    assert.match(verbose.messages.join('\n'), /email/);
    assert.deepStrictEqual(
      (await call('POST', '/compatibility/subjects/a/versions?verbose=true', { schema: V2 })).json,
      {
        is_compatible: true,
        messages: [],
      },
    );
    await expectError(call('POST', '/compatibility/subjects/zz/versions/latest', { schema: V2 }), 404, 40401);
    await expectError(call('POST', '/compatibility/subjects/a/versions/9', { schema: V2 }), 404, 40402);
  });

  it('GET/PUT /mode and /mode/{s}: READONLY refuses writes with 42205; 42204 invalid mode', async () => {
    assert.deepStrictEqual((await call('GET', '/mode')).json, { mode: 'READWRITE' });
    assert.deepStrictEqual((await call('PUT', '/mode', { mode: 'READONLY' })).json, { mode: 'READONLY' });
    await expectError(call('POST', '/subjects/a/versions', { schema: V1 }), 422, 42205);
    await expectError(call('PUT', '/mode', { mode: 'SLEEPY' }), 422, 42204);
    await call('PUT', '/mode', { mode: 'READWRITE' });
    await expectError(call('GET', '/mode/a'), 404, 40409);
    await call('PUT', '/mode/a', { mode: 'READONLY' });
    await expectError(call('POST', '/subjects/a/versions', { schema: V1 }), 422, 42205);
    assert.deepStrictEqual((await call('DELETE', '/mode/a')).json, { mode: 'READONLY' });
    assert.deepStrictEqual((await call('POST', '/subjects/a/versions', { schema: V1 })).json, { id: 1 });
  });

  it('GET /subjects/{s}/versions/{v}/referencedby lists the referring ids', async () => {
    await call('POST', '/subjects/addr/versions', {
      schema: JSON.stringify({ type: 'record', name: 'Addr', fields: [{ name: 'c', type: 'string' }] }),
    });
    const user = JSON.stringify({ type: 'record', name: 'U', fields: [{ name: 'a', type: 'Addr' }] });
    const r = await call('POST', '/subjects/u/versions', {
      schema: user,
      references: [{ name: 'Addr', subject: 'addr', version: 1 }],
    });
    assert.deepStrictEqual(r.json, { id: 2 });
    assert.deepStrictEqual((await call('GET', '/subjects/addr/versions/1/referencedby')).json, [2]);
    assert.deepStrictEqual((await call('GET', '/subjects/u/versions/1')).json, {
      subject: 'u',
      version: 1,
      id: 2,
      references: [{ name: 'Addr', subject: 'addr', version: 1 }],
      schema: user,
    });
    await expectError(call('DELETE', '/subjects/addr/versions/1'), 422, 42206);
  });

  it('unknown paths are 404, wrong methods 405, other content types 415; application/json is accepted', async () => {
    await expectError(call('GET', '/nothing/here'), 404, 404);
    await expectError(call('PATCH', '/subjects'), 405, 405);
    await expectError(call('POST', '/subjects/a/versions', { schema: V1 }, 'text/plain'), 415, 415);
    assert.deepStrictEqual((await call('POST', '/subjects/a/versions', { schema: V1 }, 'application/json')).json, {
      id: 1,
    });
  });

  it('a body over the limit is 413 and is not stored', async () => {
    const big = JSON.stringify({ schema: JSON.stringify({ type: 'string', doc: 'x'.repeat(maxBodyBytes) }) });
    await expectError(call('POST', '/subjects/a/versions', big), 413, 413, /larger than/);
    // a chunked body without Content-Length is cut off too
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${sr.url}/subjects/a/versions`, {
        method: 'POST',
        headers: { 'Content-Type': CONTENT_TYPE, 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(maxBodyBytes / 4));
      req.end();
    });
    assert.strictEqual(status, 413);
    await expectError(call('GET', '/subjects/a/versions'), 404, 40401);
  });

  it('ids and soft deletes survive a restart of broker and registry', async () => {
    await call('POST', '/subjects/a/versions', { schema: V1 });
    await call('POST', '/subjects/a/versions', { schema: V2 });
    await call('DELETE', '/subjects/a/versions/1');
    await sr.close();
    await broker.close();
    broker = await Broker.open({ dataDir: dir, logger: () => {} });
    sr = await startEmbeddedSchemaRegistry(broker, { port: 0 });
    assert.deepStrictEqual((await call('GET', '/subjects/a/versions')).json, [2]);
    assert.deepStrictEqual((await call('GET', '/schemas/ids/2')).json, { schema: V2 });
    assert.deepStrictEqual((await call('POST', '/subjects/b/versions', { schema: V2 })).json, { id: 2 });
    assert.ok(broker.listTopics().some((t) => t.name === '_schemas'));
  });
});
