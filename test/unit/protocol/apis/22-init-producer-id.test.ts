// InitProducerId (key 22) v2-v5 on the wire (flexible): an idempotent producer gets an id and epoch 0, a v3+
// producer naming its id and epoch gets the epoch bumped, half of a pair is INVALID_REQUEST; a transactional id
// gets the coordinator's id and epoch (bumped on every call, fencing the previous producer), a bad
// transaction.timeout.ms is INVALID_TRANSACTION_TIMEOUT with a log line, and a stale epoch named by the producer
// is PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before.
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
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';
describe('InitProducerId API v2-v5 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  const init = async (
    version: number,
    transactionalId: string | null,
    producerId = -1,
    producerEpoch = -1,
    timeoutMs = 60000,
  ) => {
    const r = await wire.call(22, version, true, (w) => {
      w.compactNullableString(transactionalId).int32(timeoutMs);
      if (version >= 3) w.int64(producerId).int16(producerEpoch);
      w.emptyTaggedFields();
    });
    const out = { throttle: r.int32(), errorCode: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  };

  it('v5 without a transactional id hands out a producer id with epoch 0', async () => {
    const a = await init(5, null);
    const b = await init(2, null);
    assert.deepStrictEqual([a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch], [0, 0, 0, 0]);
    assert.ok(
      a.producerId >= 0 && b.producerId !== a.producerId,
      `two producers, two ids (${a.producerId}, ${b.producerId})`,
    );
  });

  it('v3+ naming the current id and epoch bumps the epoch of the same id', async () => {
    const first = await init(5, null);
    const bumped = await init(4, null, first.producerId, first.producerEpoch);
    assert.deepStrictEqual([bumped.errorCode, bumped.producerId, bumped.producerEpoch], [0, first.producerId, 1]);
  });

  it('an id without an epoch is INVALID_REQUEST', async () => {
    const r = await init(5, null, 7, -1);
    assert.deepStrictEqual([r.errorCode, r.producerId, r.producerEpoch], [42, -1, -1]);
  });

  it('a transactional id gets an id at epoch 0 from the coordinator, and a second producer of it epoch 1', async () => {
    const a = await init(5, 'my-tx');
    const b = await init(4, 'my-tx');
    assert.deepStrictEqual([a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch], [0, 0, 0, 1]);
    assert.strictEqual(b.producerId, a.producerId);
    assert.strictEqual(wire.broker.describeTransaction('my-tx')?.state, 'Empty');
  });

  it('a transaction timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT with a log line', async () => {
    const r = await init(5, 'my-tx', -1, -1, 900_001);
    assert.deepStrictEqual([r.errorCode, r.producerId, r.producerEpoch], [50, -1, -1]);
    assert.ok(
      wire.logs.some((l) =>
        /InitProducerId refused \(50\): transaction timeout 900001 ms of "my-tx" is not in 1\.\.900000/.test(l),
      ),
      wire.logs.join('\n'),
    );
  });

  it('a stale epoch named by a transactional producer is PRODUCER_FENCED in v4+ and INVALID_PRODUCER_EPOCH in v3', async () => {
    const a = await init(5, 'my-tx');
    await init(5, 'my-tx');
    await init(5, 'my-tx');
    const v5 = await init(5, 'my-tx', a.producerId, 0);
    const v3 = await init(3, 'my-tx', a.producerId, 0);
    assert.deepStrictEqual([v5.errorCode, v3.errorCode], [90, 47]);
  });

  it('an empty transactional id is INVALID_REQUEST', async () => {
    assert.strictEqual((await init(5, '')).errorCode, 42);
  });
});

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
