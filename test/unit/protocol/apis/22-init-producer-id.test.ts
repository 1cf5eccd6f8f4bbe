// InitProducerId (22) over the wire against a real broker whose disk is full: the answer is Kafka's
// KAFKA_STORAGE_ERROR (56), as for Produce, not the catch-all -1, and the broker's log says what failed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { Reader } from '../../../../src/protocol/codec/reader';
import type { KafkaServer } from '../../../../src/protocol/server';
import { startKafkaServer } from '../../../../src/protocol/server';
import { fillDisk } from '../../full-disk';
import { frame, RawClient } from '../helpers';

describe('InitProducerId over the wire', () => {
  let dir: string;
  let broker: Broker;
  let server: KafkaServer;
  let client: RawClient;
  let logs: string[];
  let freeDisk: (() => void) | undefined;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-init-pid-'));
    logs = [];
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    server = await startKafkaServer({ broker, port: 0, logger: (l, m) => logs.push(`${l} ${m}`) });
    client = await RawClient.connect(server.port);
  });
  afterEach(async () => {
    freeDisk?.();
    freeDisk = undefined;
    client.end();
    await server.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function initProducerId(correlationId: number): Promise<{ errorCode: number; producerId: number }> {
    client.send(frame(22, 0, correlationId, (w) => w.nullableString(null).int32(60000)));
    const frames = await client.waitFrames(correlationId);
    const r = new Reader(frames[correlationId - 1], 4);
    r.int32(); // throttle
    const errorCode = r.int16();
    return { errorCode, producerId: r.int64() };
  }

  it('on a full disk answers KAFKA_STORAGE_ERROR (56) naming ENOSPC in the log, and works again once there is space', async () => {
    freeDisk = fillDisk();
    const full = await initProducerId(1);
    assert.deepStrictEqual(full, { errorCode: 56, producerId: -1 });
    assert.ok(
      logs.some((l) => /InitProducerId/.test(l) && /ENOSPC/.test(l)),
      logs.join('\n'),
    );
    assert.ok(!logs.some((l) => /unexpected failure/.test(l)), logs.join('\n'));
    freeDisk();
    freeDisk = undefined;
    const ok = await initProducerId(2);
    assert.strictEqual(ok.errorCode, 0);
    assert.ok(ok.producerId >= 0);
  });
});
