// The Broker facade (src/broker/broker.ts) where the engine's answer is its own: ListOffsets "earliest" is the
// log start offset, which moves with DeleteRecords and retention (a consumer with auto.offset.reset=earliest
// that got 0 would be told OFFSET_OUT_OF_RANGE or read nothing).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { FakeClock } from '../../../src/broker/clock';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../../src/broker/types';

describe('Broker', () => {
  let dir: string;
  let clock: FakeClock;
  let broker: Broker;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-broker-'));
    clock = new FakeClock();
    broker = await Broker.open({ dataDir: dir, clock, logger: () => undefined });
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const produceN = async (topic: string, n: number, timestamp = clock.now()) => {
    for (let i = 0; i < n; i++) await broker.produce(topic, [{ value: `v${i}`.padEnd(200, '.'), timestamp }]);
  };

  it('ListOffsets "earliest" answers the log start offset after DeleteRecords, not 0', async () => {
    await broker.createTopic('t', 1);
    await produceN('t', 10);
    assert.deepStrictEqual(broker.listOffset('t', 0, EARLIEST_TIMESTAMP), { offset: 0, timestamp: -1 });
    broker.deleteRecords('t', 0, 6);
    assert.deepStrictEqual(broker.listOffset('t', 0, EARLIEST_TIMESTAMP), { offset: 6, timestamp: -1 });
    assert.deepStrictEqual(broker.listOffset('t', 0, LATEST_TIMESTAMP), { offset: 10, timestamp: -1 });
    // and the earliest offset is one a consumer can fetch from
    assert.strictEqual(
      broker.readRecords('t', 0, broker.listOffset('t', 0, EARLIEST_TIMESTAMP).offset, 1)[0].offset,
      6,
    );
  });

  it('ListOffsets "earliest" follows retention when old segments are deleted', async () => {
    await broker.createTopic('r', 1, { 'segment.bytes': '1000', 'retention.ms': '60000' });
    await produceN('r', 12, clock.now());
    clock.advance(120_000);
    await produceN('r', 3, clock.now());
    clock.advance(300_000); // the retention check runs every 5 minutes
    const start = broker.partitionInfo('r', 0).logStartOffset;
    assert.ok(start >= 12, `retention deleted the old segments (log start ${start})`);
    assert.deepStrictEqual(broker.listOffset('r', 0, EARLIEST_TIMESTAMP), { offset: start, timestamp: -1 });
  });
});
