/**
 * Wire-level harness for the API tests: a real Broker on a temporary data directory behind a real Kafka server
 * on an ephemeral port, and a `call` that sends one hand-built request frame (header v1, or v2 with its tagged
 * byte for flexible versions) and hands back a Reader positioned at the start of the response body (past the
 * correlation id and, for flexible versions, the response header's tagged fields). Tests write request bodies
 * and read response bodies field by field, in the order Kafka's message specs define, so they check the bytes
 * a real client sends and receives rather than the codec's own view of them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { Reader } from '../../../../src/protocol/codec/reader';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { KafkaServer } from '../../../../src/protocol/server';
import { startKafkaServer } from '../../../../src/protocol/server';
import { frame, RawClient } from '../helpers';

export interface Wire {
  broker: Broker;
  server: KafkaServer;
  logs: string[];
  /** Send one request; `flexible` picks request header v2 and expects response header v1. */
  call(apiKey: number, version: number, flexible: boolean, body: (w: Writer) => void): Promise<Reader>;
  close(): Promise<void>;
}

let correlation = 100;

export async function openWire(): Promise<Wire> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-wire-'));
  const logs: string[] = [];
  const broker = await Broker.open({ dataDir: dir, logger: () => undefined });
  const server = await startKafkaServer({ broker, port: 0, logger: (l, m) => logs.push(`${l} ${m}`) });
  const clients: RawClient[] = [];
  return {
    broker,
    server,
    logs,
    async call(apiKey, version, flexible, body) {
      const c = await RawClient.connect(server.port);
      clients.push(c);
      const id = ++correlation;
      c.send(frame(apiKey, version, id, body, { headerV2: flexible }));
      const [resp] = await c.waitFrames(1);
      c.end();
      const r = new Reader(resp);
      assert.strictEqual(r.int32(), id, 'the response carries the request correlation id');
      if (flexible && apiKey !== 18) r.skipTaggedFields();
      return r;
    },
    async close() {
      for (const c of clients) c.end();
      await server.close();
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Assert the whole response body was read: nothing left over, nothing missing. */
export function assertConsumed(r: Reader): void {
  assert.strictEqual(r.remaining, 0, `the response body has ${r.remaining} unread byte(s)`);
}
