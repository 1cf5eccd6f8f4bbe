/**
 * A real Broker in a temporary folder behind a real KafkaServer on an ephemeral port, and a raw client that
 * sends one hand-built request at a time and hands back a Reader positioned after the response header.
 * Requests and answers are written and read field by field from Kafka's message specs, never with the
 * server's own schemas, so a wrong field version or layout in an API module shows up as a wrong answer.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrokerOptions } from '../../../../src/broker/broker';
import { Broker } from '../../../../src/broker/broker';
import { Reader } from '../../../../src/protocol/codec/reader';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { KafkaServer } from '../../../../src/protocol/server';
import { startKafkaServer } from '../../../../src/protocol/server';
import { frame, RawClient } from '../helpers';

export interface Wire {
  broker: Broker;
  server: KafkaServer;
  /** Sends one request and resolves with a Reader just past the response header (correlation id checked). */
  call(apiKey: number, version: number, body: (w: Writer) => void, flexible?: boolean): Promise<Reader>;
  close(): Promise<void>;
}

export async function openWire(opts: Partial<BrokerOptions> = {}, nodeId?: number): Promise<Wire> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-wire-'));
  const broker = await Broker.open({ dataDir: dir, logger: () => undefined, ...opts });
  const server = await startKafkaServer({ broker, port: 0, logger: () => undefined, nodeId });
  const client = await RawClient.connect(server.port);
  let correlation = 100;
  return {
    broker,
    server,
    async call(apiKey, version, body, flexible = false) {
      const id = correlation++;
      client.send(frame(apiKey, version, id, body, { headerV2: flexible }));
      const frames = await client.waitFrames(client.frames.length + 1);
      const r = new Reader(frames[frames.length - 1]);
      assert.strictEqual(r.int32(), id, 'correlation id');
      if (flexible && apiKey !== 18) r.skipTaggedFields();
      return r;
    },
    async close() {
      client.end();
      await server.close();
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
