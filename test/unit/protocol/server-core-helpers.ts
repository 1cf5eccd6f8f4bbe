/**
 * Helpers for server-core.test.ts: request frames built from an API module's own request schema (header v1, or v2
 * with its tagged byte for flexible versions), responses decoded with the module's response schema (checking that
 * nothing is left over), a bounded wait on a server state, and the JoinGroup that the FakeBroker parks (a request
 * that holds its request memory until the test answers it).
 */
import * as assert from 'assert';
import * as net from 'net';
import type { JoinGroupResult } from '../../../src/broker/types';
import { Reader } from '../../../src/protocol/codec/reader';
import { decodeStruct, encodeStruct } from '../../../src/protocol/codec/schema';
import { Writer } from '../../../src/protocol/codec/writer';
import { API_BY_KEY } from '../../../src/protocol/registry';
import { frame } from './helpers';

function moduleOf(apiKey: number) {
  const api = API_BY_KEY.get(apiKey);
  if (!api) throw new Error(`no API module for key ${apiKey}`);
  return api;
}

/** A request frame (with its size prefix) encoded from `msg` by the API's request schema. */
export function request(
  apiKey: number,
  version: number,
  correlationId: number,
  msg: Record<string, unknown>,
  clientId = 'core-client',
): Buffer {
  const api = moduleOf(apiKey);
  const flexible = version >= api.flexibleFrom;
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(version).int32(correlationId).nullableString(clientId);
  if (flexible) w.emptyTaggedFields();
  encodeStruct(w, api.request, version, flexible, msg);
  w.patchInt32(0, w.length - 4);
  return w.toBuffer();
}

/**
 * A response frame (without its size prefix) read as header v0 (ApiVersions and non-flexible versions) or v1
 * (flexible: a tagged-fields byte after the correlation id), then the body by the API's response schema, which
 * must use every byte.
 */
export function decodeResponse(
  body: Buffer,
  apiKey: number,
  version: number,
): { correlationId: number; msg: Record<string, unknown> } {
  const api = moduleOf(apiKey);
  const flexible = version >= api.flexibleFrom;
  const r = new Reader(body);
  const correlationId = r.int32();
  if (flexible && apiKey !== 18) r.skipTaggedFields();
  const msg = decodeStruct(r, api.response, version, flexible) as Record<string, unknown>;
  assert.strictEqual(r.remaining, 0, `${api.name} v${version} response: ${r.remaining} bytes left over`);
  return { correlationId, msg };
}

export function joined(memberId: string): JoinGroupResult {
  return {
    errorCode: 0,
    generationId: 1,
    protocolType: 'consumer',
    protocolName: 'range',
    leader: memberId,
    memberId,
    members: [],
  };
}

/** An ApiVersions v0 request whose client id pads it to exactly `size` bytes after the size prefix. */
export function apiVersionsSized(size: number, correlationId: number): Buffer {
  const bare = frame(18, 0, correlationId, () => {}, { clientId: '' }).length - 4;
  if (size < bare) throw new Error(`an ApiVersions v0 request has at least ${bare} bytes`);
  const f = frame(18, 0, correlationId, () => {}, { clientId: 'p'.repeat(size - bare) });
  assert.strictEqual(f.length - 4, size);
  return f;
}

/** A raw TCP connection to `host`:`port`. */
export function connectTo(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
}
