// Fetch (key 1) byte limits against a real broker: a consumer of many partitions with a backlog gets a response
// bounded by the request's MaxBytes (the smaller of it and each PartitionMaxBytes applies), made of whole batches,
// and still makes progress when the very first batch is larger than every limit (Kafka's rule).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import { readFetch } from '../../../../src/protocol/apis/01-fetch';

const PARTITIONS = 8;
const BATCHES = 10;

describe('Fetch API byte limits', () => {
  let dir: string;
  let broker: Broker;
  /** Size in bytes of one stored batch (every batch of the backlog has the same size). */
  let batchSize: number;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-fetch-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('backlog', PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      for (let b = 0; b < BATCHES; b++) {
        await broker.produce('backlog', [{ key: `k${b}`, value: 'x'.repeat(900), timestamp: 1000 + b }], {
          partition: p,
        });
      }
    }
    batchSize = broker.fetch('backlog', 0, 0, 1).records.length;
    assert.ok(batchSize > 900 && batchSize < 1100, `one batch is about 1 KB (${batchSize})`);
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A Fetch v11 request for every partition of "backlog" from offset 0. */
  const request = (maxBytes: number, partitionMaxBytes: number) => ({
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'backlog',
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
          partition: p,
          currentLeaderEpoch: -1,
          fetchOffset: 0,
          logStartOffset: -1,
          partitionMaxBytes,
        })),
      },
    ],
  });

  /** Bytes and whole batches returned per partition. */
  const perPartition = (maxBytes: number, partitionMaxBytes: number) => {
    const { resp, bytes } = readFetch(broker, null, request(maxBytes, partitionMaxBytes));
    const parts = resp.responses[0].partitions.map((p) => {
      assert.strictEqual(p.errorCode, 0);
      const batches = decodeRecordBatches(p.records);
      const whole = batches.reduce((s, b) => s + b.records.length, 0);
      assert.strictEqual(whole * batchSize, p.records.length, `partition ${p.partitionIndex} holds whole batches`);
      return p.records.length;
    });
    assert.strictEqual(
      bytes,
      parts.reduce((a, b) => a + b, 0),
    );
    return parts;
  };

  it('a consumer of many partitions gets at most the request MaxBytes even when each partition allows 1 MiB', () => {
    const maxBytes = 5 * batchSize + 100;
    const parts = perPartition(maxBytes, 1024 * 1024);
    const total = parts.reduce((a, b) => a + b, 0);
    assert.ok(total <= maxBytes, `response of ${total} bytes exceeds the request MaxBytes ${maxBytes}`);
    assert.strictEqual(total, 5 * batchSize, 'the budget is used up with whole batches');
    assert.strictEqual(parts[0], 5 * batchSize, 'the partitions are served in request order');
  });

  it('each partition gets at most its PartitionMaxBytes when the request MaxBytes is larger', () => {
    const parts = perPartition(1024 * 1024, 2 * batchSize + 10);
    assert.deepStrictEqual(
      parts,
      Array.from({ length: PARTITIONS }, () => 2 * batchSize),
    );
  });

  it('the first batch is returned even when it is larger than MaxBytes, and nothing more', () => {
    const parts = perPartition(100, 100);
    assert.deepStrictEqual(parts, [batchSize, 0, 0, 0, 0, 0, 0, 0]);
  });
});
