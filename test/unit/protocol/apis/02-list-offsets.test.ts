// ListOffsets (key 2) against a real broker, as a consumer with auto.offset.reset=earliest/latest asks it:
// earliest (-2) is the log start offset (not 0 once records were deleted), latest (-1) the log end, and a
// timestamp the first offset whose record is at least that old; v0 answers in the old offsets array.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import type { RequestContext } from '../../../../src/protocol/apis/api';
import { listOffsets } from '../../../../src/protocol/apis/02-list-offsets';

describe('ListOffsets API', () => {
  let dir: string;
  let broker: Broker;
  /** What the handler logged, as "level message". */
  const logs: string[] = [];

  beforeEach(async () => {
    logs.length = 0;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-list-offsets-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('t', 1);
    for (let i = 0; i < 10; i++) await broker.produce('t', [{ value: `v${i}`, timestamp: 5000 + i * 10 }]);
    broker.deleteRecords('t', 0, 4);
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const askRaw = async (
    version: number,
    timestamp: number,
    where: { topic?: string; partitionIndex?: number; maxNumOffsets?: number } = {},
  ) => {
    const ctx: RequestContext = {
      broker,
      cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
      apiVersion: version,
      clientId: 'list-offsets-test',
      clientHost: '127.0.0.1',
      connectionId: 1,
      log: (level, message) => logs.push(`${level} ${message}`),
      onClose: () => () => undefined,
    };
    const resp = await listOffsets.handle(ctx, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: 0,
      topics: [
        {
          name: where.topic ?? 't',
          partitions: [
            {
              partitionIndex: where.partitionIndex ?? 0,
              currentLeaderEpoch: -1,
              timestamp,
              maxNumOffsets: where.maxNumOffsets ?? 1,
            },
          ],
        },
      ],
    });
    return resp!.topics[0].partitions[0];
  };
  const ask = async (version: number, timestamp: number) => {
    const p = await askRaw(version, timestamp);
    assert.strictEqual(p.errorCode, 0);
    return p;
  };

  it('earliest is the log start offset after DeleteRecords, in v1+ and in the v0 offsets array', async () => {
    assert.strictEqual((await ask(1, -2)).offset, 4);
    assert.deepStrictEqual((await ask(0, -2)).oldStyleOffsets, [4]);
  });

  it('latest is the log end offset and a timestamp finds the first record at least that old', async () => {
    assert.strictEqual((await ask(1, -1)).offset, 10);
    const byTime = await ask(1, 5061);
    assert.deepStrictEqual([byTime.offset, byTime.timestamp], [7, 5070]);
    const beforeStart = await ask(1, 0);
    assert.deepStrictEqual([beforeStart.offset, beforeStart.timestamp], [4, 5040], 'deleted records are not found');
  });

  it('max timestamp (-3, v7+) is the first record carrying the largest timestamp, with that timestamp', async () => {
    await broker.produce('t', [{ value: 'late', timestamp: 9000 }]);
    await broker.produce('t', [{ value: 'older', timestamp: 6000 }]);
    await broker.produce('t', [{ value: 'late again', timestamp: 9000 }]);
    const p = await ask(7, -3);
    assert.deepStrictEqual([p.offset, p.timestamp], [10, 9000]);
  });

  it('earliest local (-4, v8+) is the log start and latest tiered (-5, v9+) is -1: nothing is tiered', async () => {
    assert.strictEqual((await ask(8, -4)).offset, 4);
    assert.deepStrictEqual([(await ask(9, -5)).offset, (await ask(9, -5)).timestamp], [-1, -1]);
  });

  it('a special timestamp at a version that predates it is INVALID_REQUEST (42), as Kafka answers', async () => {
    assert.strictEqual((await askRaw(6, -3)).errorCode, 42);
    assert.strictEqual((await askRaw(7, -4)).errorCode, 42);
    assert.strictEqual((await askRaw(8, -5)).errorCode, 42);
  });

  it('the too-new timestamp is logged as a warning naming the version, the partition and the version it needs', async () => {
    await askRaw(6, -3);
    assert.deepStrictEqual(logs, ['warn ListOffsets v6 for t-0: timestamp -3 needs v7+']);
  });

  it('an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION even with a timestamp its version predates', async () => {
    for (const where of [{ topic: 'nope' }, { partitionIndex: -1 }, { partitionIndex: 1 }]) {
      const p = await askRaw(6, -3, where);
      assert.deepStrictEqual([p.errorCode, p.offset], [3, -1], JSON.stringify(where));
    }
    assert.deepStrictEqual(logs, [], 'no version warning for a partition that does not exist');
  });

  it('an unexpected engine failure answers -1 for the partition and logs an error naming it', async () => {
    broker.listOffset = () => {
      throw new Error('index unreadable');
    };
    const p = await askRaw(4, -1);
    assert.deepStrictEqual([p.errorCode, p.offset, p.timestamp], [-1, -1, -1]);
    assert.strictEqual(logs.length, 1);
    assert.match(logs[0], /^error ListOffsets t-0: unexpected failure: Error: index unreadable/);
  });

  it('an unknown topic or partition (negative, or one past the last) is UNKNOWN_TOPIC_OR_PARTITION with -1 answers', async () => {
    for (const where of [{ topic: 'nope' }, { partitionIndex: -1 }, { partitionIndex: 1 }]) {
      const p = await askRaw(4, -1, where);
      assert.deepStrictEqual(
        [p.errorCode, p.offset, p.timestamp, p.leaderEpoch, p.oldStyleOffsets],
        [3, -1, -1, -1, []],
        JSON.stringify(where),
      );
    }
  });

  it('v0 lists offset 0 of a fresh topic, nothing for a timestamp past every record, and nothing when no offset is asked for', async () => {
    await broker.createTopic('fresh', 1);
    await broker.produce('fresh', [{ value: 'x', timestamp: 100 }]);
    assert.deepStrictEqual((await ask(0, -2)).oldStyleOffsets, [4]);
    assert.deepStrictEqual((await askRaw(0, -2, { topic: 'fresh' })).oldStyleOffsets, [0]);
    assert.deepStrictEqual((await askRaw(0, 99_999, { topic: 'fresh' })).oldStyleOffsets, []);
    assert.deepStrictEqual((await askRaw(0, -1, { topic: 'fresh', maxNumOffsets: 0 })).oldStyleOffsets, []);
  });
});
